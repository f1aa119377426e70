"""graphspec import on hand-written functional models: the round trip is the test.

Each model is written in plain Keras (the independent twin); `from_keras` writes its spec,
graphspec builds the spec, and the oracle (tests/oracle.py) finds no difference in graph,
configs, parameters or predictions with copied weights. Flat and with `blocks=True`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import pytest
import yaml
from keras import layers

import graphspec
from tests.conftest import Write
from tests.oracle import assert_same_model


def multi_input() -> keras.Model:
    text = keras.Input((None,), dtype="int32", name="text")
    image = keras.Input((8, 8, 3), name="image")
    t = layers.Embedding(50, 8, name="embedded")(text)
    t = layers.GlobalAveragePooling1D(name="pooled_text")(t)
    i = layers.Conv2D(4, 3, padding="same", activation="relu", name="conv")(image)
    i = layers.GlobalMaxPooling2D(name="pooled_image")(i)
    joined = layers.Concatenate(name="joined")([t, i])
    out = layers.Dense(3, activation="softmax", name="answer")(joined)
    return keras.Model([text, image], out, name="multi_input")


def multi_output() -> keras.Model:
    posts = keras.Input((16,), name="posts")
    h = layers.Dense(8, activation="relu", name="features")(posts)
    age = layers.Dense(1, name="age")(h)
    income = layers.Dense(4, activation="softmax", name="income")(h)
    gender = layers.Dense(1, activation="sigmoid", name="gender")(h)
    model = keras.Model(posts, [age, income, gender], name="multi_output")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss={
            "age": "mse",
            "income": keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
            "gender": "binary_crossentropy",
        },
        loss_weights={"age": 0.25, "income": 1.0, "gender": 10.0},
        metrics={"income": ["accuracy"], "gender": [keras.metrics.AUC(num_thresholds=50)]},
    )
    return model


def shared_layers() -> keras.Model:
    left, right = keras.Input((None, 6), name="left"), keras.Input((None, 6), name="right")
    lstm = layers.LSTM(5, name="lstm")
    merged = layers.Concatenate(name="merged")([lstm(left), lstm(right)])
    out = layers.Dense(1, activation="sigmoid", name="score")(merged)
    return keras.Model([left, right], out, name="siamese")


def nested_models() -> keras.Model:
    x = keras.Input((6,), name="x")
    tower = keras.Model(x, layers.Dense(4, activation="relu", name="dense")(x), name="tower")
    y = keras.Input((4,), name="y")
    head = keras.Model(y, layers.Dense(2, name="dense")(y), name="head")
    a, b = keras.Input((6,), name="a"), keras.Input((6,), name="b")
    summed = layers.Add(name="summed")([tower(a), tower(b)])
    out = layers.Activation("softmax", name="out")(head(summed))
    return keras.Model([a, b], out, name="nested")


def lstm_states() -> keras.Model:
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    target = keras.Input((None, 7), name="target")
    embedded = layers.Embedding(30, 8, mask_zero=True, name="embedded")(tokens)
    _, h, c = layers.LSTM(6, return_state=True, name="encoder")(embedded)
    decoded = layers.LSTM(6, return_sequences=True, name="decoder")(target, initial_state=[h, c])
    probs = layers.TimeDistributed(layers.Dense(7, activation="softmax"), name="probs")(decoded)
    return keras.Model([tokens, target], probs, name="seq2seq")


def attention() -> keras.Model:
    q, v = keras.Input((5, 8), name="q"), keras.Input((7, 8), name="v")
    by_keyword = layers.MultiHeadAttention(2, 4, name="by_keyword")(query=q, value=v, key=v)
    by_position = layers.MultiHeadAttention(2, 4, name="by_position")(q, v, training=False)
    both = layers.Add(name="both")([by_keyword, by_position])
    norm = layers.LayerNormalization(epsilon=1e-6, name="norm")(both)
    return keras.Model([q, v], norm, name="attention")


def objects() -> keras.Model:
    x = keras.Input((6,), name="x")
    h = layers.Dense(
        5,
        kernel_initializer=keras.initializers.HeNormal(seed=1),
        kernel_regularizer=keras.regularizers.L2(1e-3),
        bias_constraint=keras.constraints.NonNeg(),
        name="dense",
    )(x)
    h = layers.Dense(8, kernel_initializer="he_uniform", activation="gelu", name="plain")(h)
    pooled = layers.Reshape((8, 1), name="as_sequence")(h)
    pooled = layers.MaxPooling1D(3, strides=2, name="pool")(pooled)
    pooled = layers.MaxPooling1D(3, name="pool_default_strides")(pooled)
    out = layers.Bidirectional(layers.GRU(3), merge_mode="sum", name="bi")(pooled)
    return keras.Model(x, out, name="objects")


def sequential() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((10,), name="features"),
            layers.Dense(8, activation="relu", name="hidden"),
            layers.Dropout(0.25, name="dropout"),
            layers.Dense(8, activation="relu", name="hidden_2"),
            layers.Dropout(0.25, name="dropout_2"),
            layers.Dense(2, name="logits"),
        ],
        name="mlp",
    )


def frozen_layers() -> keras.Model:
    x = keras.Input((4, 4, 3), name="x")
    h = layers.Conv2D(2, 3, name="conv", trainable=False)(x)
    h = layers.BatchNormalization(name="bn")(h, training=False)
    out = layers.Flatten(name="flat")(h)
    return keras.Model(x, out, name="frozen_layers")


def raw_ops() -> keras.Model:
    """Tensor math as keras.ops calls (and operators): a distance, a hard sigmoid, shapes."""
    ops = keras.ops
    a, b = keras.Input((6,), name="a"), keras.Input((6,), name="b")
    distance = ops.norm(a - b, axis=-1, keepdims=True)
    gate = ops.multiply(ops.relu6(ops.add(a, 3.0)), 1 / 6)
    joined = ops.concatenate([gate * b, distance], axis=-1)
    grid = ops.transpose(ops.reshape(joined, (-1, 7, 1)), (0, 2, 1))
    pooled = ops.mean(ops.squeeze(grid, axis=1), axis=-1, keepdims=True)
    total = ops.expand_dims(ops.sum(a, axis=-1), -1)
    out = layers.Dense(2, name="out")(ops.concatenate([pooled, total], 1))
    return keras.Model([a, b], out, name="raw_ops")


def sub_models() -> keras.Model:
    """A nested Sequential (as ConvNeXt's stem) and a frozen functional model called twice."""
    image = keras.Input((8, 8, 3), name="image")
    stem = keras.Sequential(
        [layers.Conv2D(4, 2, strides=2), layers.LayerNormalization(epsilon=1e-6)], name="stem"
    )
    inner = keras.Input((4, 4, 4), name="inner")
    frozen = keras.Model(inner, layers.Conv2D(4, 1, name="mix")(inner), name="frozen")
    frozen.trainable = False
    h = stem(image)
    h = layers.Add(name="residual")([h, frozen(frozen(h))])
    return keras.Model(image, layers.GlobalAveragePooling2D(name="pool")(h), name="sub_models")


MODELS: dict[str, Callable[[], keras.Model]] = {
    "multi_input": multi_input,
    "multi_output": multi_output,
    "shared_layers": shared_layers,
    "nested_models": nested_models,
    "lstm_states": lstm_states,
    "attention": attention,
    "objects": objects,
    "sequential": sequential,
    "frozen_layers": frozen_layers,
    "raw_ops": raw_ops,
    "sub_models": sub_models,
}


def imported(model: keras.Model, write_spec: Write, **options: Any) -> tuple[str, keras.Model]:
    text = graphspec.from_keras(model, **options)
    return text, graphspec.build(write_spec(text))


@pytest.mark.parametrize("blocks", [False, True], ids=["flat", "blocks"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_round_trip_builds_the_same_model(name: str, blocks: bool, write_spec: Write) -> None:
    model = MODELS[name]()
    text, rebuilt = imported(model, write_spec, blocks=blocks)
    # the oracle reads output_names, which a Sequential lacks: its graph as a functional twin
    twin = keras.Model(model.inputs, model.outputs) if name == "sequential" else model
    assert_same_model(rebuilt, twin, names=name != "sequential")
    assert [t.name for t in rebuilt.inputs] == [t.name for t in model.inputs]
    assert graphspec.from_keras(rebuilt, blocks=blocks) == text, "import is a fixed point"


def compile_summary(model: keras.Model) -> dict[str, Any]:
    """Per output name: loss, loss weight, metrics, as Keras serializes them."""
    config = model.get_compile_config()
    names = list(model.output_names)

    def per_output(value: Any, default: Any = None) -> dict[str, Any]:
        if isinstance(value, dict):
            return {n: value.get(n, default) for n in names}
        return dict.fromkeys(names, value if value is not None else default)

    def plain(value: Any) -> Any:
        if isinstance(value, dict) and "class_name" in value:
            return (value["class_name"], {k: v for k, v in value["config"].items() if k != "name"})
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    optimizer = config["optimizer"]
    return {
        "optimizer": (optimizer["class_name"], optimizer["config"]["learning_rate"]),
        "loss": {n: plain(v) for n, v in per_output(config["loss"]).items()},
        "loss_weights": per_output(config["loss_weights"], 1.0),
        "metrics": {n: plain(v) for n, v in per_output(config["metrics"], []).items()},
    }


def test_compile_settings_carry_over_per_output(write_spec: Write) -> None:
    model = multi_output()
    text, rebuilt = imported(model, write_spec)
    assert "income: {loss: {name: CategoricalCrossentropy, label_smoothing: 0.1}" in text
    assert "optimizer: {name: Adam, learning_rate: 0.01}" in text
    assert compile_summary(rebuilt) == compile_summary(model)


def test_model_wide_compile_settings_stay_model_wide(write_spec: Write) -> None:
    model = multi_input()
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    text, rebuilt = imported(model, write_spec)
    assert "  optimizer: sgd\n  loss: categorical_crossentropy\n  metrics: [accuracy]\n" in text
    assert rebuilt.get_compile_config()["loss"] == "categorical_crossentropy"
    assert rebuilt.get_compile_config()["optimizer"]["class_name"] == "SGD"


def test_written_forms(write_spec: Write) -> None:
    """Arguments that differ from the defaults, in the forms the contract spells."""
    text, _ = imported(objects(), write_spec)
    nodes = yaml.safe_load(text)["nodes"]
    assert nodes["dense"]["kernel_initializer"] == {"name": "HeNormal", "seed": 1}
    assert nodes["dense"]["kernel_regularizer"] == {"name": "L2", "l2": 0.001}
    assert nodes["dense"]["bias_constraint"] == "non_neg"
    assert nodes["plain"]["kernel_initializer"] == "he_uniform"
    # strides equal to the default layer's are kept where leaving them out changes the layer
    # (MaxPooling1D()'s strides are 2: a naive comparison with it would drop strides=2 here)
    assert nodes["pool"] == {
        "layer": "MaxPooling1D",
        "pool_size": 3,
        "strides": 2,
        "inputs": "as_sequence",
    }
    assert nodes["pool_default_strides"] == {
        "layer": "MaxPooling1D",
        "pool_size": 3,
        "inputs": "pool",
    }
    assert nodes["bi"]["wraps"] == {"layer": "GRU", "units": 3}
    seq2seq, _ = imported(lstm_states(), write_spec)
    assert "inputs: {sequences: target, initial_state: [encoder.1, encoder.2]}" in seq2seq
    assert "mask:" not in seq2seq, "the mask Keras propagates is left for Keras to propagate"
    attended, _ = imported(attention(), write_spec)
    assert "inputs: {query: q, value: v, key: v}" in attended
    assert "inputs: {query: q, value: v}, call: {training: false}" in attended


def test_shared_layers_and_sub_models_are_shared_entries(write_spec: Write) -> None:
    text, _ = imported(shared_layers(), write_spec)
    assert "shared:\n  lstm: {layer: LSTM, units: 5}\n" in text
    assert "{use: lstm, inputs: left}" in text and "{use: lstm, inputs: right}" in text
    nested, rebuilt = imported(nested_models(), write_spec)
    assert nested.count("graph:") == 2, "a sub-model called twice is one shared entry"
    assert rebuilt.get_layer("tower") is not None


def test_an_output_that_is_one_output_of_a_call(write_spec: Write) -> None:
    x = keras.Input((None, 3), name="x")
    _, h, c = layers.LSTM(4, return_state=True, name="lstm")(x)
    model = keras.Model(x, [h, c])
    text, rebuilt = imported(model, write_spec)
    assert "{layer: Identity, inputs: lstm.1}" in text
    assert "{layer: Identity, inputs: lstm.2}" in text
    assert_same_model(rebuilt, model, names=False)  # Keras names both outputs 'lstm'


def test_names_that_are_not_ids_are_mapped_without_collisions(write_spec: Write) -> None:
    x = keras.Input((3,), name="in-put")
    a = layers.Dense(2, name="dense-1")(x)
    b = layers.Dense(2, name="dense_1")(a)
    c = layers.Dense(2, name="2nd")(b)
    d = layers.Dense(2, name="true")(c)
    model = keras.Model(x, d)
    text, rebuilt = imported(model, write_spec)
    ids = [line.split(":")[0].strip() for line in text.splitlines() if "{layer: Dense" in line]
    assert ids == ["dense_1_2", "dense_1", "_2nd", "true_"]
    assert "in_put: {shape: [3]}" in text
    assert_same_model(rebuilt, model, names=False)
