"""The model oracle of tests/oracle.py is honest: it fails models that differ from their twin.

Mutated copies of the seed specs (and of one example) are written to a temp dir, built with
``graphspec.build`` and compared with the unmutated spec's hand-written twin (the references
of tests/test_seed_models.py and tests/test_examples.py). Every mutation keeps the model
buildable, and most keep its output shapes and parameter counts, so the old checks
(counts, shapes, the multiset of layer classes) pass them all; the oracle must name the
difference. For each mutation the test also states whether the function check sees it:
some changes compute the very same function (an Add's operands swapped, 'same' padding
that pads nothing), which only the structure comparison can catch. The unmutated copies,
written through the same YAML round trip, must pass everything.

Small hand-written Keras models check the rest of the contract: names and construction
order do not matter, an output-naming ``Identity`` is skipped and nothing else is, nested
models and wrapped layers are compared inside, weights are randomised before they are
copied, integer inputs stay within the Embedding's range.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest
import yaml
from keras import layers

import graphspec
from tests import oracle
from tests.model_cache import ModelCache
from tests.specs.test_examples import REFERENCES as EXAMPLE_REFERENCES
from tests.specs.test_examples import spec_path as example_path
from tests.specs.test_seed_models import FUNCTION_OPTIONS, SEED_NAMES
from tests.specs.test_seed_models import REFERENCES as SEED_REFERENCES
from tests.specs.test_seed_models import spec_path as seed_path

TWINS = {**SEED_REFERENCES, **EXAMPLE_REFERENCES}


def spec_file(name: str) -> Path:
    return seed_path(name) if name in SEED_REFERENCES else example_path(name)


@pytest.fixture(scope="module")
def twins() -> ModelCache:
    return ModelCache(TWINS, spec_file)


# --------------------------------------------------------------------------
# Mutations of the specs
# --------------------------------------------------------------------------


def put(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change that sets ``spec[a][b][c] = value`` for the dotted path ``a.b.c``."""
    *parents, last = path.split(".")

    def change(spec: dict[str, Any]) -> None:
        target = spec
        for key in parents:
            target = target[key]
        target[last] = value

    return change


def permute_outputs(spec: dict[str, Any]) -> None:
    age, income, gender = (spec["outputs"][k] for k in ("age", "income", "gender"))
    spec["outputs"] = {"gender": gender, "income": income, "age": age}


@dataclass(frozen=True)
class Mutation:
    spec: str  # the spec mutated, and whose twin it is compared with
    change: Callable[[dict[str, Any]], None]
    message: str  # a piece of the difference the oracle must report
    function: bool | None  # whether predictions differ too (None: not run, too slow)


MUTATIONS = {
    # (a) a wrong activation: same shapes, same parameters
    "mlp-activation": Mutation(
        "mlp",
        put("nodes.dense_2.activation", "tanh"),
        # (the twin's layer name, 'dense_N', follows Keras's global name counter: left out)
        "config 'activation': expected 'relu', actual 'tanh'",
        True,
    ),
    # (b) the two same-shaped inputs of a Concatenate swapped
    "siamese-concatenate-swapped": Mutation(
        "siamese_lstm",
        put("nodes.merged.inputs", ["right_output", "left_output"]),
        "the model's inputs, in order, are the calls expected [#0, #2], actual [#2, #0]",
        True,
    ),
    "question_answering-concatenate-swapped": Mutation(
        "question_answering",
        put("nodes.concatenated.inputs", ["encoded_question", "encoded_text"]),
        "config 'output_dim': expected 64, actual 32",
        True,
    ),
    "inception-concatenate-permuted": Mutation(
        "inception_module",
        put("nodes.output.inputs", ["branch_b_2", "branch_a", "branch_c_2", "branch_d_3"]),
        "the graphs diverge at call #",
        True,
    ),
    "dual_camera-concatenate-swapped": Mutation(
        "dual_camera",
        put("nodes.merged_features.inputs", ["right_features", "left_features"]),
        "the model's inputs, in order, are the calls expected [#0, #2], actual [#2, #0]",
        None,
    ),
    # an Add's operands swapped: the same function, a different graph
    "residual-add-swapped": Mutation(
        "residual",
        put("nodes.residual.inputs", ["x", "conv_3"]),
        "inputs: expected (inputs=[#3 Conv2D, #0 InputLayer]), actual (inputs=[#0 InputLayer, #3 Conv2D])",
        False,
    ),
    # (c) layer arguments that keep shapes and parameter counts
    "residual_projection-padding": Mutation(  # a strided 1x1 'same' convolution pads nothing
        "residual_projection",
        put("nodes.shortcut.padding", "valid"),
        "config 'padding': expected 'same', actual 'valid'",
        False,
    ),
    "inception-pool-size": Mutation(
        "inception_module",
        put("nodes.branch_c_1.args", [5]),
        "config 'pool_size[0]': expected 3, actual 5",
        True,
    ),
    "multi_output-conv-strides": Mutation(  # the sequence length is free: shapes stay (None, ...)
        "multi_output",
        put("nodes.conv_1.strides", 2),
        "config 'strides[0]': expected 1, actual 2",
        True,
    ),
    # inputs, outputs, sharing, output indices
    "question_answering-input-dtype": Mutation(
        "question_answering",
        put("inputs.text.dtype", "int64"),
        "inputs (shape, dtype, sparse): expected [((None, None), 'int32', False)",
        False,
    ),
    "multi_output-outputs-permuted": Mutation(
        "multi_output",
        permute_outputs,
        "output names: expected ['age', 'income', 'gender'], actual ['gender', 'income', 'age']",
        True,
    ),
    "siamese-lstm-unshared": Mutation(
        "siamese_lstm",
        put("nodes.right_output", {"layer": "LSTM", "units": 32, "inputs": "right"}),
        "calls layer #3, expected layer #1 (a shared layer must be one layer",
        True,
    ),
    "seq2seq-states-swapped": Mutation(
        "seq2seq",
        put("nodes.dec.inputs.initial_state", ["enc.2", "enc.1"]),
        "initial_state=[#2[1] LSTM, #2[2] LSTM]), actual (sequences=#0 InputLayer, initial_state=[#2[2] LSTM, #2[1] LSTM])",
        True,
    ),
}


def write_copy(tmp_path: Path, name: str, change: Callable[[dict[str, Any]], None]) -> Path:
    """The spec ``name`` through YAML, changed, written to ``tmp_path``."""
    spec = yaml.safe_load(spec_file(name).read_text("utf-8"))
    change(spec)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), "utf-8")
    return path


def test_every_seed_spec_is_mutated() -> None:
    assert {m.spec for m in MUTATIONS.values()} >= set(SEED_NAMES)


@pytest.mark.parametrize("case", sorted(MUTATIONS))
def test_mutated_spec_fails_the_oracle(twins: ModelCache, tmp_path: Path, case: str) -> None:
    mutation = MUTATIONS[case]
    model = graphspec.build(write_copy(tmp_path, mutation.spec, mutation.change))
    twin = twins.reference(mutation.spec)

    with pytest.raises(AssertionError, match=re.escape(mutation.message)):
        oracle.assert_same_model(model, twin, function=False)
    if mutation.function is not None:
        options = FUNCTION_OPTIONS.get(mutation.spec, {})
        seen = oracle.function_differences(model, twin, **options)
        assert bool(seen) == mutation.function, seen


@pytest.mark.parametrize("name", sorted(TWINS))
def test_unmutated_copy_passes_the_oracle(twins: ModelCache, tmp_path: Path, name: str) -> None:
    model = graphspec.build(write_copy(tmp_path, name, lambda spec: None))
    oracle.assert_same_model(model, twins.reference(name), **FUNCTION_OPTIONS.get(name, {}))


# --------------------------------------------------------------------------
# The oracle on small hand-written models
# --------------------------------------------------------------------------


def two_branches(first: str, names: tuple[str, str], *, out: str = "out") -> keras.Model:
    """x -> (Dense(4, relu), Dense(3, tanh)) -> Concatenate -> Dense(2); either branch built first."""
    x = keras.Input((5,), name="x")
    make = {
        "relu": lambda: layers.Dense(4, activation="relu", name=names[0])(x),
        "tanh": lambda: layers.Dense(3, activation="tanh", name=names[1])(x),
    }
    built = {first: make[first]()}
    for kind in make.keys() - {first}:
        built[kind] = make[kind]()
    merged = layers.Concatenate()([built["relu"], built["tanh"]])
    return keras.Model(x, layers.Dense(2, name=out)(merged))


def test_names_and_construction_order_do_not_matter() -> None:
    a = two_branches("relu", ("a", "b"))
    b = two_branches("tanh", ("c", "d"))
    assert [type(x).__name__ for x in oracle.canonical_layers(a)] == [
        "InputLayer",
        "Dense",
        "Dense",
        "Concatenate",
        "Dense",
    ]
    oracle.assert_same_model(a, b)


def test_swapping_identical_branches_is_no_difference() -> None:
    """Permuting two branches that are equal in every respect gives an isomorphic model: the
    same function for the same weights, relabelled. The oracle rightly cannot tell."""

    def model(order: tuple[int, int]) -> keras.Model:
        x = keras.Input((5,), name="x")
        branches = [layers.Dense(4)(x), layers.Dense(4)(x)]
        merged = layers.Concatenate()([branches[order[0]], branches[order[1]]])
        return keras.Model(x, layers.Dense(1, name="out")(merged))

    assert oracle.model_differences(model((0, 1)), model((1, 0))) == []


def test_an_output_naming_identity_is_skipped() -> None:
    x = keras.Input((5,), name="x")
    named = keras.Model(x, layers.Identity(name="out")(layers.Dense(2, name="dense")(x)))
    oracle.assert_same_model(named, two_dense(out="out"))


def two_dense(*, out: str) -> keras.Model:
    x = keras.Input((5,), name="x")
    return keras.Model(x, layers.Dense(2, name=out)(x))


BLOCK_OUTPUT_SPEC = """
graphspec: 1
name: block_output
inputs:
  x: {shape: [5]}
blocks:
  mlp:
    params: {activation: relu}
    inputs: [x]
    nodes:
      hidden: {layer: Dense, units: 4, activation: $activation, inputs: x}
      out:    {layer: Dense, units: 2, inputs: hidden}
    outputs: [out]
nodes:
  head: {block: mlp, ACTIVATION inputs: x}
outputs: [head]
"""


def test_graphspec_s_naming_identity_is_skipped(write_spec: Callable[..., Path]) -> None:
    """A block's output is named by an Identity; the twin names its last Dense instead."""
    x = keras.Input((5,), name="x")
    twin = keras.Model(x, layers.Dense(2, name="head")(layers.Dense(4, activation="relu")(x)))
    model = graphspec.build(write_spec(BLOCK_OUTPUT_SPEC.replace("ACTIVATION ", "")))
    assert type(model.get_layer("head")) is keras.layers.Identity
    oracle.assert_same_model(model, twin, batch=8)  # (2 samples can leave 4 ReLUs all dead)

    mutated = graphspec.build(
        write_spec(BLOCK_OUTPUT_SPEC.replace("ACTIVATION", "activation: tanh,"))
    )
    found = oracle.model_differences(mutated, twin, batch=8)
    assert any("config 'activation': expected 'relu', actual 'tanh'" in d for d in found), found
    assert any("values differ beyond rtol" in d for d in found), found


def test_nothing_else_is_skipped() -> None:
    x = keras.Input((5,), name="x")
    not_identity = keras.Model(x, layers.Activation("linear", name="out")(layers.Dense(2)(x)))
    found = oracle.structure_differences(not_identity, two_dense(out="out"))
    assert "number of calls: expected 2, actual 3" in found, found

    inner_identity = keras.Model(x, layers.Dense(2, name="out")(layers.Identity(name="mid")(x)))
    found = oracle.structure_differences(inner_identity, two_dense(out="out"))
    assert any("class: expected keras.src.layers.core.dense.Dense, actual" in d for d in found)

    # An Identity that names the twin's output too is compared, not skipped.
    explicit = keras.Model(x, layers.Identity(name="out")(layers.Dense(2)(x)))
    again = keras.Model(x, layers.Identity(name="out")(layers.Dense(2)(x)))
    assert oracle.model_differences(again, explicit) == []
    found = oracle.structure_differences(two_dense(out="out"), explicit)
    assert "number of calls: expected 3, actual 2" in found, found


def test_nested_models_are_compared_inside() -> None:
    def model(activation: str) -> keras.Model:
        inner_in = keras.Input((5,))
        inner = keras.Model(inner_in, layers.Dense(3, activation=activation)(inner_in))
        x = keras.Input((5,), name="x")
        return keras.Model(x, layers.Dense(1, name="out")(inner(x)))

    found = oracle.structure_differences(model("tanh"), model("relu"))
    assert len(found) == 1
    assert re.fullmatch(
        r"call #1 Functional \(layer #1\) '.+'/'.+' > call #1 Dense \(layer #1\): actual '.+', "
        r"expected '.+': config 'activation': expected 'relu', actual 'tanh'",
        found[0],
    ), found
    assert oracle.function_differences(model("tanh"), model("relu"))


def test_wrapped_layers_are_compared_without_their_names() -> None:
    def model(activation: str, inner_name: str) -> keras.Model:
        x = keras.Input((None, 4), name="x")
        dense = layers.Dense(3, activation=activation, name=inner_name)
        return keras.Model(x, layers.TimeDistributed(dense, name="out")(x))

    assert oracle.model_differences(model("relu", "a"), model("relu", "b")) == []
    found = oracle.structure_differences(model("tanh", "a"), model("relu", "b"))
    assert any(
        "config 'layer.config.activation': expected 'relu', actual 'tanh'" in d for d in found
    )


def test_weights_are_randomised_before_they_are_copied() -> None:
    def model(epsilon: float) -> keras.Model:
        x = keras.Input((6, 6, 2), name="x")
        y = layers.BatchNormalization(epsilon=epsilon)(layers.Conv2D(3, 3)(x))
        return keras.Model(x, layers.GlobalAveragePooling2D(name="out")(y))

    twin = model(1e-3)
    oracle.randomise_weights(twin)
    bn = twin.layers[2]
    assert not np.allclose(np.asarray(bn.moving_mean), 0.0)
    assert not np.allclose(np.asarray(bn.moving_variance), 1.0)
    assert not np.allclose(np.asarray(twin.layers[1].bias), 0.0)
    assert oracle.function_differences(model(1e-3), twin) == []
    assert oracle.function_differences(model(0.1), twin)  # epsilon matters once the stats do


def test_frozen_layers_count_as_non_trainable() -> None:
    frozen = two_dense(out="out")
    frozen.layers[1].trainable = False
    found = oracle.model_differences(frozen, two_dense(out="out"), function=False)
    assert "trainable parameters: expected 12, actual 0" in found
    assert "non_trainable parameters: expected 0, actual 12" in found
    assert any("config 'trainable': expected True, actual False" in d for d in found)


def test_integer_inputs_stay_within_the_embedding() -> None:
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    model = keras.Model(tokens, layers.Embedding(7, 2, name="out")(tokens))
    (batch,) = oracle.sample_inputs(model, batch=4, free_dim=50)
    assert batch.shape == (4, 50) and batch.dtype == np.int32
    assert batch.min() >= 0 and batch.max() == 6
