"""The specs in specs/examples/ against hand-written Keras models.

For every example spec, a reference model is written here in plain Keras (keras.Input /
keras.layers / keras.Model) and the model ``graphspec.build`` compiles from the spec must
agree with it: parameter counts, input and output shapes, input and output names, the
multiset of layer classes, and (after copying the reference's weights onto the spec's model,
layer by layer in the name-independent canonical order of tests/specs/test_architectures.py) the
same predictions. Shapes are kept small so that the whole file runs in seconds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest
import yaml
from keras import layers

import graphspec
from graphspec.views.expand import expanded
from graphspec.views.spec_yaml import to_yaml
from tests.conftest import ROOT
from tests.model_cache import ModelCache
from tests.specs.test_architectures import canonical_layers

EXAMPLES = ROOT / "specs" / "examples"


# --------------------------------------------------------------------------
# Reference models. Names are given only to inputs and outputs (the spec's ids).
# --------------------------------------------------------------------------


def ref_transformer_encoder() -> keras.Model:
    heads, key_dim, ff_dim, dropout = 4, 8, 64, 0.1
    width = heads * key_dim

    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    x = layers.Embedding(1000, width)(tokens)
    for _ in range(2):
        attention = layers.MultiHeadAttention(num_heads=heads, key_dim=key_dim)(query=x, value=x)
        attention = layers.Dropout(dropout)(attention)
        x = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, attention]))
        ff = layers.Dense(ff_dim, activation="relu")(x)
        ff = layers.Dense(width)(ff)
        ff = layers.Dropout(dropout)(ff)
        x = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, ff]))
    x = layers.GlobalAveragePooling1D()(x)
    label = layers.Dense(5, activation="softmax", name="label")(x)
    model = keras.Model(tokens, label)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.001),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def ref_unet() -> keras.Model:
    def double_conv(x: Any, filters: int) -> Any:
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        return layers.Conv2D(filters, 3, padding="same", activation="relu")(x)

    image = keras.Input(shape=(64, 64, 1), name="image")
    x, skips = image, []
    for filters in (16, 32, 64):
        skip = double_conv(x, filters)
        skips.append(skip)
        x = layers.MaxPooling2D(2)(skip)
    x = double_conv(x, 128)
    for filters, skip in zip((64, 32, 16), reversed(skips), strict=True):
        x = layers.Conv2DTranspose(filters, 2, strides=2, padding="same")(x)
        x = layers.Concatenate(axis=-1)([x, skip])
        x = double_conv(x, filters)
    mask = layers.Conv2D(1, 1, activation="sigmoid", name="mask")(x)
    model = keras.Model(image, mask)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def ref_seq2seq() -> keras.Model:
    enc_in = keras.Input(shape=(None, 20), name="enc_in")
    dec_in = keras.Input(shape=(None, 30), name="dec_in")
    _, state_h, state_c = layers.LSTM(64, return_state=True)(enc_in)
    x = layers.LSTM(64, return_sequences=True)(dec_in, initial_state=[state_h, state_c])
    probs = layers.TimeDistributed(layers.Dense(30, activation="softmax"), name="probs")(x)
    model = keras.Model([enc_in, dec_in], probs)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


REFERENCES: dict[str, Callable[[], keras.Model]] = {
    "transformer_encoder": ref_transformer_encoder,
    "unet": ref_unet,
    "seq2seq": ref_seq2seq,
}
NAMES = sorted(REFERENCES)

# Random inputs for the function check, batch of 2, keyed by input id.
SAMPLES: dict[str, Callable[[np.random.Generator], dict[str, np.ndarray]]] = {
    "transformer_encoder": lambda rng: {"tokens": rng.integers(0, 1000, (2, 7)).astype("int32")},
    "unet": lambda rng: {"image": rng.uniform(0, 1, (2, 64, 64, 1)).astype("float32")},
    "seq2seq": lambda rng: {
        "enc_in": rng.uniform(0, 1, (2, 5, 20)).astype("float32"),
        "dec_in": rng.uniform(0, 1, (2, 6, 30)).astype("float32"),
    },
}


def spec_path(name: str) -> Path:
    return EXAMPLES / f"{name}.yaml"


def load_spec(name: str) -> dict[str, Any]:
    data = yaml.safe_load(spec_path(name).read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def param_counts(model: keras.Model) -> tuple[int, int, int]:
    total = model.count_params()
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    return total, trainable, total - trainable


def shapes(tensors: list[Any]) -> list[tuple[int | None, ...]]:
    return [tuple(t.shape) for t in tensors]


def layer_classes(model: keras.Model) -> Counter[str]:
    """Layer classes, without an ``Identity`` that only names an output (none expected here)."""
    outputs = set(model.output_names)
    return Counter(
        type(layer).__name__
        for layer in model.layers
        if not (type(layer).__name__ == "Identity" and layer.name in outputs)
    )


@pytest.fixture(scope="module")
def models() -> ModelCache:
    return ModelCache(REFERENCES, spec_path)


# --------------------------------------------------------------------------
# Every example against its reference
# --------------------------------------------------------------------------


def test_every_example_has_a_reference() -> None:
    assert sorted(p.stem for p in EXAMPLES.glob("*.yaml")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_example_matches_reference(models: ModelCache, name: str) -> None:
    spec = load_spec(name)
    model, ref = models.graphspec(name), models.reference(name)

    assert model.name == spec["name"] == name
    assert param_counts(model) == param_counts(ref)
    assert shapes(model.inputs) == shapes(ref.inputs)
    assert shapes(model.outputs) == shapes(ref.outputs)
    assert [t.dtype for t in model.inputs] == [t.dtype for t in ref.inputs]
    assert layer_classes(model) == layer_classes(ref)
    assert [t.name for t in model.inputs] == list(spec["inputs"])
    assert list(model.output_names) == list(ref.output_names) == list(spec["outputs"])

    # The spec's `expect:` facts are true of the reference model.
    expect = spec["expect"]
    assert param_counts(ref) == (
        expect["params"],
        expect["trainable_params"],
        expect["non_trainable_params"],
    )
    assert [list(s) for s in shapes(ref.outputs)] == [
        expect["output_shapes"][o] for o in spec["outputs"]
    ]

    # Compiled, with the spec's loss.
    assert model.compiled
    assert model.loss == spec["compile"]["loss"]


@pytest.mark.parametrize("name", NAMES)
def test_example_computes_the_same_function(models: ModelCache, name: str) -> None:
    """With the reference's weights copied onto it, the spec's model predicts the same."""
    model, ref = models.graphspec(name), models.reference(name)
    ours = [x for x in canonical_layers(model) if x.weights]
    theirs = [x for x in canonical_layers(ref) if x.weights]
    assert [type(x).__name__ for x in ours] == [type(x).__name__ for x in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert [tuple(w.shape) for w in a.weights] == [tuple(w.shape) for w in b.weights]
        a.set_weights(b.get_weights())

    data = SAMPLES[name](np.random.default_rng(0))
    x = data if len(data) > 1 else next(iter(data.values()))  # one input: passed bare
    want = np.asarray(ref(x, training=False))
    got = np.asarray(model(x, training=False))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------
# Example-specific checks
# --------------------------------------------------------------------------


def test_transformer_attention_is_self_attention(models: ModelCache) -> None:
    """`inputs: {query: x, value: x}` calls MultiHeadAttention with query and value the same."""
    model = models.graphspec("transformer_encoder")
    attention = [x for x in model.layers if isinstance(x, layers.MultiHeadAttention)]
    assert len(attention) == 2
    for layer in attention:
        (node,) = layer._inbound_nodes
        query, value = node.arguments.kwargs["query"], node.arguments.kwargs["value"]
        assert query is value


def test_seq2seq_trains_one_epoch_on_dict_inputs(models: ModelCache) -> None:
    model = models.graphspec("seq2seq")
    rng = np.random.default_rng(0)
    n, src_len, tgt_len = 8, 5, 6
    x = {
        "enc_in": np.eye(20, dtype="float32")[rng.integers(0, 20, (n, src_len))],
        "dec_in": np.eye(30, dtype="float32")[rng.integers(0, 30, (n, tgt_len))],
    }
    y = np.eye(30, dtype="float32")[rng.integers(0, 30, (n, tgt_len))]
    history = model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert len(history.history["loss"]) == 1
    assert np.isfinite(history.history["loss"][0])
    assert model.predict(x, verbose=0).shape == (n, tgt_len, 30)


def test_seq2seq_decoder_starts_from_encoder_states(models: ModelCache) -> None:
    model = models.graphspec("seq2seq")
    encoder, decoder = (x for x in model.layers if isinstance(x, layers.LSTM))
    (node,) = decoder._inbound_nodes
    states = node.arguments.kwargs["initial_state"]
    assert [t._keras_history[0] for t in states] == [encoder, encoder]
    assert [t._keras_history[2] for t in states] == [1, 2]  # enc.1, enc.2: h and c


def test_unet_expands_without_blocks(tmp_path: Path) -> None:
    checked = graphspec.check(spec_path("unet"))
    text = to_yaml(expanded(checked.spec, checked.program))
    assert "block:" not in text
    again = tmp_path / "unet.yaml"
    again.write_text(text, "utf-8")
    model = graphspec.build(again)
    assert param_counts(model) == param_counts(ref_unet())
    assert model.count_params() == load_spec("unet")["expect"]["params"]
