"""The specs in specs/examples/ against hand-written Keras models.

For every example spec, a reference model is written here in plain Keras (keras.Input /
keras.layers / keras.Model) and the model ``graphspec.build`` compiles from the spec must
agree with it: parameter counts, input and output shapes, input and output names, the
multiset of layer classes, and (after copying the reference's weights onto the spec's model,
layer by layer in the name-independent canonical order of tests/specs/test_architectures.py) the
same predictions. Shapes are kept small so that the whole file runs in seconds.
"""

from __future__ import annotations

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
from tests import oracle
from tests.conftest import ROOT
from tests.model_cache import ModelCache

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


def ref_segmentation_unet() -> keras.Model:
    """TensorFlow's image segmentation tutorial (tensorflow.org/tutorials/images/segmentation),
    with keras for tf.keras and pix2pix.upsample written out."""
    base_model = keras.applications.MobileNetV2(
        input_shape=[128, 128, 3], include_top=False, weights=None
    )
    layer_names = [
        "block_1_expand_relu",  # 64x64
        "block_3_expand_relu",  # 32x32
        "block_6_expand_relu",  # 16x16
        "block_13_expand_relu",  # 8x8
        "block_16_project",  # 4x4
    ]
    base_model_outputs = [base_model.get_layer(name).output for name in layer_names]
    down_stack = keras.Model(inputs=base_model.input, outputs=base_model_outputs)
    down_stack.trainable = False

    def upsample(filters: int, size: int) -> keras.Sequential:
        initializer = keras.initializers.RandomNormal(0.0, 0.02)
        result = keras.Sequential()
        result.add(
            layers.Conv2DTranspose(
                filters,
                size,
                strides=2,
                padding="same",
                kernel_initializer=initializer,
                use_bias=False,
            )
        )
        result.add(layers.BatchNormalization())
        result.add(layers.ReLU())
        return result

    up_stack = [upsample(512, 3), upsample(256, 3), upsample(128, 3), upsample(64, 3)]
    inputs = keras.Input(shape=[128, 128, 3], name="image")
    skips = down_stack(inputs)
    x = skips[-1]
    for up, skip in zip(up_stack, reversed(skips[:-1]), strict=True):
        x = up(x)
        x = layers.Concatenate()([x, skip])
    last = layers.Conv2DTranspose(3, 3, strides=2, padding="same", name="logits")
    model = keras.Model(inputs=inputs, outputs=last(x))
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def ref_siamese_distance() -> keras.Model:
    """Keras's Siamese example's tower, with the distance as ops.norm of the difference."""
    image = keras.Input((28, 28, 1))
    x = layers.BatchNormalization()(image)
    x = layers.Conv2D(4, (5, 5), activation="tanh")(x)
    x = layers.AveragePooling2D(pool_size=(2, 2))(x)
    x = layers.Conv2D(16, (5, 5), activation="tanh")(x)
    x = layers.AveragePooling2D(pool_size=(2, 2))(x)
    x = layers.Flatten()(x)
    x = layers.BatchNormalization()(x)
    x = layers.Dense(10, activation="tanh")(x)
    tower = keras.Model(image, x)

    left = keras.Input((28, 28, 1), name="left")
    right = keras.Input((28, 28, 1), name="right")
    difference = layers.Subtract()([tower(left), tower(right)])
    distance = keras.ops.norm(difference, axis=-1, keepdims=True)
    x = layers.BatchNormalization()(distance)
    similarity = layers.Dense(1, activation="sigmoid", name="similarity")(x)
    model = keras.Model([left, right], similarity)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def ref_convnext_block() -> keras.Model:
    """keras.applications.convnext's stem and ConvNeXtBlock, as that module writes them."""
    from keras.src.applications.convnext import LayerScale, StochasticDepth

    image = keras.Input((32, 32, 3), name="image")
    stem = keras.Sequential(
        [layers.Conv2D(48, kernel_size=4, strides=4), layers.LayerNormalization(epsilon=1e-6)]
    )
    x = stem(image)
    for _ in range(2):
        inputs = x
        x = layers.Conv2D(filters=48, kernel_size=7, padding="same", groups=48)(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
        x = layers.Dense(4 * 48)(x)
        x = layers.Activation("gelu")(x)
        x = layers.Dense(48)(x)
        x = LayerScale(1e-6, 48)(x)
        x = inputs + StochasticDepth(0.1)(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.LayerNormalization(epsilon=1e-6)(x)
    label = layers.Dense(10, activation="softmax", name="label")(x)
    model = keras.Model(image, label)
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=0.001),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


REFERENCES: dict[str, Callable[[], keras.Model]] = {
    "transformer_encoder": ref_transformer_encoder,
    "unet": ref_unet,
    "seq2seq": ref_seq2seq,
    "segmentation_unet": ref_segmentation_unet,
    "siamese_distance": ref_siamese_distance,
    "convnext_block": ref_convnext_block,
}
NAMES = sorted(REFERENCES)


def spec_path(name: str) -> Path:
    return EXAMPLES / f"{name}.yaml"


def load_spec(name: str) -> dict[str, Any]:
    data = yaml.safe_load(spec_path(name).read_text("utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def models() -> ModelCache:
    return ModelCache(REFERENCES, spec_path)


# --------------------------------------------------------------------------
# Every example against its reference
# --------------------------------------------------------------------------


def test_every_example_has_a_reference() -> None:
    assert sorted(p.stem for p in EXAMPLES.glob("*.yaml")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_example_has_the_same_structure(models: ModelCache, name: str) -> None:
    """Layers, configs, edges, inputs and outputs (names, shapes, dtypes): tests/oracle.py."""
    found = oracle.structure_differences(models.graphspec(name), models.reference(name))
    oracle.assert_no_differences(found, f"{name}: structure")


@pytest.mark.parametrize("name", NAMES)
def test_example_has_the_same_parameters(models: ModelCache, name: str) -> None:
    found = oracle.param_differences(models.graphspec(name), models.reference(name))
    oracle.assert_no_differences(found, f"{name}: parameters")


@pytest.mark.parametrize("name", NAMES)
def test_example_computes_the_same_function(models: ModelCache, name: str) -> None:
    """With the reference's randomised weights copied onto it, the spec's model predicts the same."""
    found = oracle.function_differences(models.graphspec(name), models.reference(name))
    oracle.assert_no_differences(found, f"{name}: function")


@pytest.mark.parametrize("name", NAMES)
def test_example_facts(models: ModelCache, name: str) -> None:
    """Its name and ids, the spec's `expect:` facts (true of the reference), its loss."""
    spec = load_spec(name)
    model, ref = models.graphspec(name), models.reference(name)
    assert model.name == spec["name"] == name
    assert [t.name for t in model.inputs] == list(spec["inputs"])
    assert list(model.output_names) == list(spec["outputs"])

    expect = spec["expect"]
    assert oracle.param_counts(ref) == (
        expect["params"],
        expect["trainable_params"],
        expect["non_trainable_params"],
    )
    assert [list(t.shape) for t in ref.outputs] == [
        expect["output_shapes"][o] for o in spec["outputs"]
    ]

    # Compiled, with the spec's loss (a name, or {name: Class, <arguments>}).
    assert model.compiled
    loss = spec["compile"]["loss"]
    if isinstance(loss, dict):
        arguments = {k: v for k, v in loss.items() if k != "name"}
        assert isinstance(model.loss, getattr(keras.losses, loss["name"]))
        assert arguments.items() <= model.loss.get_config().items()
    else:
        assert model.loss == loss


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
    ref = ref_unet()
    found = oracle.structure_differences(model, ref) + oracle.param_differences(model, ref)
    oracle.assert_no_differences(found, "the expanded unet")
    assert model.count_params() == load_spec("unet")["expect"]["params"]
