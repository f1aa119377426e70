"""`fit --synthetic N`: arrays of the right shapes and dtypes, integers inside the Embeddings'
ranges, targets that fit the losses, reproducible by seed; unknown lengths the model takes."""

from __future__ import annotations

import numpy as np
import pytest

import graphspec
from graphspec.keras.data import DataError
from graphspec.keras.signature import signature
from graphspec.keras.synthetic import synthetic
from tests.conftest import SPECS, Write

HEADS = """
graphspec: 1
inputs:
  words: {shape: [null], dtype: int32}
  flags: {shape: [2], dtype: bool}      # feeds nothing: a warning, and still an input
  extra: {shape: [3], dtype: int64}
  measures: {shape: [5], dtype: float64}
shared:
  vocab: {layer: Embedding, input_dim: 7, output_dim: 4}
  small: {layer: Embedding, input_dim: 50, output_dim: 4}
nodes:
  e1: {use: vocab, inputs: words}
  e2: {use: small, inputs: words}
  both: {layer: Add, inputs: [e1, e2]}
  pooled: {layer: GlobalAveragePooling1D, inputs: both}
  rest: {layer: Concatenate, inputs: [pooled, measures]}
  h: {layer: Dense, units: 8, inputs: rest}
  sparse: {layer: Dense, units: 5, activation: softmax, inputs: h}
  onehot: {layer: Dense, units: 4, activation: softmax, inputs: h}
  binary: {layer: Dense, units: 2, activation: sigmoid, inputs: h}
  value: {layer: Dense, units: 3, inputs: h}
  dist: {layer: Dense, units: 6, activation: softmax, inputs: h}
outputs:
  sparse: {loss: SparseCategoricalCrossentropy}
  onehot: {loss: categorical_crossentropy}
  binary: {loss: binary_crossentropy}
  value: {loss: mse}
  dist: {loss: kl_divergence}
"""


@pytest.fixture(scope="module")
def heads(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, object]:
    path = tmp_path_factory.mktemp("heads") / "heads.yaml"
    path.write_text(HEADS.lstrip(), "utf-8")
    checked = graphspec.check(path)
    return graphspec.build(path), checked.program


def test_inputs_have_the_dtypes_shapes_and_ranges_the_model_takes(
    heads: tuple[object, object],
) -> None:
    model, program = heads
    sig = signature(model, program)
    assert sig.bounds == {"words": (7, "e1")}  # the smaller of the two Embeddings
    data = synthetic(model, sig, 64, 0, None)
    x = data.x
    assert {k: (v.shape, str(v.dtype)) for k, v in x.items()} == {
        "words": ((64, 32), "int32"),
        "flags": ((64, 2), "bool"),
        "extra": ((64, 3), "int64"),
        "measures": ((64, 5), "float64"),
    }
    assert x["words"].min() >= 0 and x["words"].max() == 6
    assert set(np.unique(x["extra"])) == {0, 1}  # an integer input no Embedding reads
    assert x["measures"].min() >= 0 and x["measures"].max() < 1


def test_targets_fit_each_loss(heads: tuple[object, object]) -> None:
    model, program = heads
    y = synthetic(model, signature(model, program), 64, 0, None).y
    assert y["sparse"].shape == (64,) and y["sparse"].dtype.kind == "i"
    assert set(np.unique(y["sparse"])) == set(range(5))
    assert y["onehot"].shape == (64, 4)
    assert (y["onehot"].sum(axis=1) == 1).all() and set(np.unique(y["onehot"])) == {0, 1}
    assert y["binary"].shape == (64, 2) and set(np.unique(y["binary"])) == {0, 1}
    assert y["value"].shape == (64, 3) and y["value"].dtype == np.float32
    assert np.allclose(y["dist"].sum(axis=1), 1) and (y["dist"] > 0).all()


def test_the_same_seed_gives_the_same_data(heads: tuple[object, object]) -> None:
    model, program = heads
    sig = signature(model, program)
    a, b, c = (synthetic(model, sig, 16, seed, None) for seed in (3, 3, 4))
    for k in a.x:
        assert np.array_equal(a.x[k], b.x[k])
    assert not np.array_equal(a.x["measures"], c.x["measures"])
    assert all(np.array_equal(a.y[k], b.y[k]) for k in a.y)


def test_an_unknown_length_the_model_cannot_take_is_doubled() -> None:
    spec = SPECS / "seed" / "multi_output.yaml"
    model, program = graphspec.build(spec), graphspec.check(spec).program
    sig = signature(model, program)
    data = synthetic(model, sig, 2, 0, None)
    assert data.x["posts"].shape == (2, 512)  # 32…256 shrink to nothing in its convolutions
    assert data.x["posts"].max() < 50000
    assert synthetic(model, sig, 2, 0, 300).x["posts"].shape == (2, 300)
    with pytest.raises(
        DataError, match=r"--length 100: the model cannot take it: Computed output size"
    ):
        synthetic(model, sig, 2, 0, 100)


def test_bounds_follow_values_into_sub_models_and_through_reshapes(write_spec: Write) -> None:
    path = write_spec(
        """
        graphspec: 1
        inputs: {ids: {shape: [6], dtype: int32}}
        shared:
          encoder:
            graph:
              inputs: {t: {shape: [2, 3], dtype: int32}}
              nodes:
                e: {layer: Embedding, input_dim: 12, output_dim: 2, inputs: t}
              outputs: [e]
        nodes:
          grid: {layer: Reshape, target_shape: [2, 3], inputs: ids}
          enc: {use: encoder, inputs: grid}
          out: {layer: Flatten, inputs: enc}
        outputs: {out: {loss: mse}}
        """
    )
    sig = signature(graphspec.build(path), graphspec.check(path).program)
    assert sig.bounds == {"ids": (12, "enc (e)")}
