"""The eight seed specs (specs/seed/*.yaml) against hand-written Keras models.

Each seed spec reproduces one model of the Keras functional-API tutorial
(/work/shared/seed-keras-functional-api-tutorial.txt). For every spec, a
reference model is written here in plain Keras (keras.Input / keras.layers /
keras.Model, following the tutorial's code) and the model that
``graphspec.build`` compiles from the spec must be the same model by the oracle
of tests/oracle.py: the same graph in canonical order (every layer's class and
config, every edge with the order of a merge's inputs and the output index it
takes, shared layers shared, the nested Xception compared layer by layer), the
same parameter counts, and the same predictions once the reference's
randomised weights are copied onto it. The figures the tutorial (and the
issue) quote are asserted as well, and so are the ``expect:`` facts written in
each spec. tests/test_oracle.py shows that mutated seed specs fail the oracle.
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

from tests import oracle
from tests.conftest import ROOT
from tests.model_cache import ModelCache

SEED_DIR = ROOT / "specs" / "seed"


# --------------------------------------------------------------------------
# Reference models, written as the tutorial writes them (with the two
# corrections the seed specs document: the multi-output Embedding's swapped
# arguments, and the Inception branches padded so that they concatenate).
# Names are given only where the tutorial gives them or where they are the
# spec's ids for inputs and outputs (which graphspec must use as names).
# --------------------------------------------------------------------------


def ref_mlp() -> keras.Model:
    input_tensor = keras.Input(shape=(64,), name="input_tensor")
    x = layers.Dense(32, activation="relu")(input_tensor)
    x = layers.Dense(32, activation="relu")(x)
    output_tensor = layers.Dense(10, activation="softmax", name="dense_3")(x)
    model = keras.Model(input_tensor, output_tensor)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    return model


def ref_question_answering() -> keras.Model:
    text_vocabulary_size = 10000
    question_vocabulary_size = 10000
    answer_vocabulary_size = 500

    text_input = keras.Input(shape=(None,), dtype="int32", name="text")
    embedded_text = layers.Embedding(text_vocabulary_size, 64)(text_input)
    encoded_text = layers.LSTM(32)(embedded_text)

    question_input = keras.Input(shape=(None,), dtype="int32", name="question")
    embedded_question = layers.Embedding(question_vocabulary_size, 32)(question_input)
    encoded_question = layers.LSTM(16)(embedded_question)

    concatenated = layers.concatenate([encoded_text, encoded_question], axis=-1)
    answer = layers.Dense(answer_vocabulary_size, activation="softmax", name="answer")(concatenated)

    model = keras.Model([text_input, question_input], answer)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["acc"])
    return model


def ref_multi_output() -> keras.Model:
    vocabulary_size = 50000
    num_income_groups = 10

    posts_input = keras.Input(shape=(None,), dtype="int32", name="posts")
    # The tutorial has Embedding(256, vocabulary_size): arguments swapped.
    embedded_posts = layers.Embedding(vocabulary_size, 256)(posts_input)
    x = layers.Conv1D(128, 5, activation="relu")(embedded_posts)
    x = layers.MaxPooling1D(5)(x)
    x = layers.Conv1D(256, 5, activation="relu")(x)
    x = layers.Conv1D(256, 5, activation="relu")(x)
    x = layers.MaxPooling1D(5)(x)
    x = layers.Conv1D(256, 5, activation="relu")(x)
    x = layers.Conv1D(256, 5, activation="relu")(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(128, activation="relu")(x)

    age_prediction = layers.Dense(1, name="age")(x)
    income_prediction = layers.Dense(num_income_groups, activation="softmax", name="income")(x)
    gender_prediction = layers.Dense(1, activation="sigmoid", name="gender")(x)

    model = keras.Model(posts_input, [age_prediction, income_prediction, gender_prediction])
    model.compile(
        optimizer="rmsprop",
        loss={"age": "mse", "income": "categorical_crossentropy", "gender": "binary_crossentropy"},
        loss_weights={"age": 0.25, "income": 1.0, "gender": 10.0},
    )
    return model


def ref_inception_module() -> keras.Model:
    x = keras.Input(shape=(64, 64, 256), name="x")
    # The tutorial's version uses 'valid' padding everywhere, which leaves the
    # branches at 32, 31, 30 and 30 pixels: not concatenable. 'same' padding on
    # the 3x3 convolutions and on the pooling brings all of them to 32x32.
    branch_a = layers.Conv2D(128, 1, activation="relu", strides=2)(x)

    branch_b = layers.Conv2D(128, 1, activation="relu")(x)
    branch_b = layers.Conv2D(128, 3, activation="relu", strides=2, padding="same")(branch_b)

    branch_c = layers.AveragePooling2D(3, strides=2, padding="same")(x)
    branch_c = layers.Conv2D(128, 3, activation="relu", padding="same")(branch_c)

    branch_d = layers.Conv2D(128, 1, activation="relu")(x)
    branch_d = layers.Conv2D(128, 3, activation="relu", padding="same")(branch_d)
    branch_d = layers.Conv2D(128, 3, activation="relu", strides=2, padding="same")(branch_d)

    output = layers.concatenate([branch_a, branch_b, branch_c, branch_d], axis=-1, name="output")
    return keras.Model(x, output)


def ref_residual() -> keras.Model:
    x = keras.Input(shape=(32, 32, 128), name="x")
    y = layers.Conv2D(128, 3, activation="relu", padding="same")(x)
    y = layers.Conv2D(128, 3, activation="relu", padding="same")(y)
    y = layers.Conv2D(128, 3, activation="relu", padding="same")(y)
    y = layers.add([y, x], name="residual")
    return keras.Model(x, y)


def ref_residual_projection() -> keras.Model:
    x = keras.Input(shape=(32, 32, 64), name="x")
    y = layers.Conv2D(128, 3, activation="relu", padding="same")(x)
    y = layers.Conv2D(128, 3, activation="relu", padding="same")(y)
    y = layers.MaxPooling2D(2, strides=2)(y)
    residual = layers.Conv2D(128, 1, strides=2, padding="same")(x)
    y = layers.add([y, residual], name="residual")
    return keras.Model(x, y)


def ref_siamese_lstm() -> keras.Model:
    lstm = layers.LSTM(32)

    left_input = keras.Input(shape=(None, 128), name="left")
    left_output = lstm(left_input)

    right_input = keras.Input(shape=(None, 128), name="right")
    right_output = lstm(right_input)

    merged = layers.concatenate([left_output, right_output], axis=-1)
    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(merged)

    model = keras.Model([left_input, right_input], predictions)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"])
    return model


def ref_dual_camera() -> keras.Model:
    xception_base = keras.applications.Xception(weights=None, include_top=False)

    left_input = keras.Input(shape=(250, 250, 3), name="left")
    right_input = keras.Input(shape=(250, 250, 3), name="right")

    left_features = xception_base(left_input)
    right_features = xception_base(right_input)

    merged_features = layers.concatenate(
        [left_features, right_features], axis=-1, name="merged_features"
    )
    return keras.Model([left_input, right_input], merged_features)


REFERENCES: dict[str, Callable[[], keras.Model]] = {
    "mlp": ref_mlp,
    "question_answering": ref_question_answering,
    "multi_output": ref_multi_output,
    "inception_module": ref_inception_module,
    "residual": ref_residual,
    "residual_projection": ref_residual_projection,
    "siamese_lstm": ref_siamese_lstm,
    "dual_camera": ref_dual_camera,
}

# The totals the tutorial and the issue quote (and three derived by hand).
TUTORIAL_PARAMS = {
    "mlp": 3_466,
    "question_answering": 1_000_052,
    "multi_output": 14_146_316,
    "siamese_lstm": 20_673,
    "dual_camera": 20_861_480,
    # Not quoted by the tutorial; worked out by hand (a Conv2D has
    # k*k*c_in*filters + filters parameters). Inception: three 1x1 convolutions
    # on 256 channels (32,896 each), three 3x3 on 128 channels (147,584 each),
    # one 3x3 on the pooled 256 channels (295,040).
    "inception_module": 3 * 32_896 + 3 * 147_584 + 295_040,  # 836,480
    "residual": 3 * 147_584,  # 442,752
    "residual_projection": 73_856 + 147_584 + 8_320,  # 229,760
}

SEED_NAMES = sorted(REFERENCES)


def spec_path(name: str) -> Path:
    return SEED_DIR / f"{name}.yaml"


def load_spec(name: str) -> dict[str, Any]:
    with spec_path(name).open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    assert isinstance(data, dict)
    return data


def output_ids(spec: dict[str, Any]) -> list[str]:
    # The list form and the mapping form alike: the ids, in the written order.
    return list(spec["outputs"])


def input_ids(spec: dict[str, Any]) -> list[str]:
    return list(spec["inputs"])


# --------------------------------------------------------------------------
# Model facts
# --------------------------------------------------------------------------


def count_weights(weights: list[Any]) -> int:
    return int(sum(int(np.prod(w.shape)) for w in weights))


def shape_list(tensor: Any) -> list[int | None]:
    return [None if d is None else int(d) for d in tensor.shape]


def output_shapes(model: keras.Model) -> list[list[int | None]]:
    return [shape_list(t) for t in model.outputs]


def model_input_names(model: keras.Model) -> list[str]:
    return [t.name for t in model.inputs]


def facts(model: keras.Model) -> dict[str, Any]:
    return {
        "params": model.count_params(),
        "trainable_params": count_weights(model.trainable_weights),
        "non_trainable_params": count_weights(model.non_trainable_weights),
        "output_shapes": output_shapes(model),
    }


# --------------------------------------------------------------------------
# Building: each model once per module (Xception takes a few seconds).
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def models() -> ModelCache:
    return ModelCache(REFERENCES, spec_path)


@pytest.fixture(scope="module")
def dual_camera_model(models: ModelCache) -> keras.Model:
    return models.graphspec("dual_camera")


# --------------------------------------------------------------------------
# The specs themselves, and the reference models alone (no graphspec needed)
# --------------------------------------------------------------------------


def test_every_seed_spec_has_a_reference() -> None:
    assert sorted(p.stem for p in SEED_DIR.glob("*.yaml")) == SEED_NAMES


@pytest.mark.parametrize("name", SEED_NAMES)
def test_spec_shape_of_file(name: str) -> None:
    spec = load_spec(name)
    assert spec["graphspec"] == 1
    assert spec["name"] == name
    assert spec.get("description")
    expect = spec["expect"]
    assert set(expect) == {"params", "trainable_params", "non_trainable_params", "output_shapes"}
    assert list(expect["output_shapes"]) == output_ids(spec)


@pytest.mark.parametrize("name", SEED_NAMES)
def test_reference_matches_spec_expect(models: ModelCache, name: str) -> None:
    """The spec's `expect:` facts are true of the hand-written Keras model."""
    spec = load_spec(name)
    ref = models.reference(name)
    expect = spec["expect"]
    got = facts(ref)
    assert got["params"] == expect["params"]
    assert got["trainable_params"] == expect["trainable_params"]
    assert got["non_trainable_params"] == expect["non_trainable_params"]
    assert got["output_shapes"] == [expect["output_shapes"][o] for o in output_ids(spec)]
    if name in TUTORIAL_PARAMS:
        assert got["params"] == TUTORIAL_PARAMS[name]
    assert model_input_names(ref) == input_ids(spec)
    assert list(ref.output_names) == output_ids(spec)


# --------------------------------------------------------------------------
# graphspec.build against the references
# --------------------------------------------------------------------------


# Options of the function check: the multi-output model's five convolutions and two
# poolings need sequences of at least 269 steps; one dual-camera pair is enough.
FUNCTION_OPTIONS: dict[str, dict[str, Any]] = {
    "multi_output": {"free_dim": 300},
    "dual_camera": {"batch": 1},
}


@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_model_has_the_same_structure(models: ModelCache, name: str) -> None:
    """Layers, configs, edges, sharing, nesting, inputs and outputs: see tests/oracle.py."""
    found = oracle.structure_differences(models.graphspec(name), models.reference(name))
    oracle.assert_no_differences(found, f"{name}: structure")


@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_model_has_the_same_parameters(models: ModelCache, name: str) -> None:
    found = oracle.param_differences(models.graphspec(name), models.reference(name))
    oracle.assert_no_differences(found, f"{name}: parameters")


@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_model_computes_the_same_function(models: ModelCache, name: str) -> None:
    """The reference's randomised weights, copied on, give the same predictions."""
    model, ref = models.graphspec(name), models.reference(name)
    found = oracle.function_differences(model, ref, **FUNCTION_OPTIONS.get(name, {}))
    oracle.assert_no_differences(found, f"{name}: function")


@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_model_facts(models: ModelCache, name: str) -> None:
    """Its name, the tutorial's figures, the spec's `expect:` facts, ids, compilation."""
    spec = load_spec(name)
    model = models.graphspec(name)
    assert model.name == name
    got = facts(model)
    if name in TUTORIAL_PARAMS:
        assert got["params"] == TUTORIAL_PARAMS[name]
    outs = output_ids(spec)
    assert model_input_names(model) == input_ids(spec)
    assert list(model.output_names) == outs

    expect = spec["expect"]
    assert got["params"] == expect["params"]
    assert got["trainable_params"] == expect["trainable_params"]
    assert got["non_trainable_params"] == expect["non_trainable_params"]
    assert got["output_shapes"] == [expect["output_shapes"][o] for o in outs]

    # Compiled exactly when the spec gives a loss (model-wide or per output).
    has_loss = "loss" in spec.get("compile", {}) or (
        isinstance(spec["outputs"], dict)
        and any("loss" in (o or {}) for o in spec["outputs"].values())
    )
    assert model.compiled == has_loss
    if has_loss:
        assert model.optimizer is not None
        assert type(model.optimizer).__name__ == "RMSprop"


@pytest.mark.parametrize("name", SEED_NAMES)
def test_input_dtypes(models: ModelCache, name: str) -> None:
    spec = load_spec(name)
    model = models.graphspec(name)
    want = [spec["inputs"][i].get("dtype", "float32") for i in input_ids(spec)]
    assert [t.dtype for t in model.inputs] == want


def test_layer_names_are_ids(models: ModelCache) -> None:
    """A `layer:` node's Keras name is its id."""
    model = models.graphspec("question_answering")
    names = {layer.name for layer in model.layers}
    assert {
        "text",
        "question",
        "embedded_text",
        "encoded_text",
        "embedded_question",
        "encoded_question",
        "concatenated",
        "answer",
    } <= names


def test_multi_output_repeat_makes_fresh_layers(models: ModelCache) -> None:
    """`repeat: 2` is two Conv1D layers with their own weights, not one called twice."""
    model = models.graphspec("multi_output")
    convs = [layer for layer in model.layers if isinstance(layer, layers.Conv1D)]
    assert len(convs) == 5
    assert len({id(layer) for layer in convs}) == 5
    assert len({layer.name for layer in convs}) == 5
    assert all(len(layer._inbound_nodes) == 1 for layer in convs)


def test_siamese_lstm_shares_one_layer(models: ModelCache) -> None:
    model = models.graphspec("siamese_lstm")
    lstms = [layer for layer in model.layers if isinstance(layer, layers.LSTM)]
    assert len(lstms) == 1
    (lstm,) = lstms
    assert lstm.name == "lstm"  # a shared entry's Keras name is its shared id
    assert lstm is model.get_layer("lstm")
    assert len(lstm._inbound_nodes) == 2
    # Same in the reference, for comparison.
    ref_lstms = [
        layer for layer in models.reference("siamese_lstm").layers if isinstance(layer, layers.LSTM)
    ]
    assert len(ref_lstms) == 1 and len(ref_lstms[0]._inbound_nodes) == 2
    # One set of weights: 4 * (32 * (128 + 32) + 32) = 20,608, plus the Dense(1).
    assert lstm.count_params() == 20_608


def test_siamese_lstm_is_symmetric(models: ModelCache) -> None:
    """With one shared LSTM, the two encodings of the same sentence are equal."""
    model = models.graphspec("siamese_lstm")
    encoder = keras.Model(
        model.inputs, [model.get_layer("merged").input[0], model.get_layer("merged").input[1]]
    )
    rng = np.random.default_rng(0)
    sentence = rng.random((2, 7, 128)).astype("float32")
    left, right = encoder.predict([sentence, sentence], verbose=0)
    np.testing.assert_allclose(left, right, rtol=1e-6, atol=1e-6)


def test_dual_camera_shares_one_xception(dual_camera_model: keras.Model) -> None:
    model = dual_camera_model
    subs = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    assert len(subs) == 1
    (xception,) = subs
    assert xception.name == "xception_base"  # a shared entry's Keras name is its shared id
    assert len(xception._inbound_nodes) == 2
    # Shared, so the model holds exactly the one sub-model's weights (the
    # Concatenate has none): 20,861,480, not twice that.
    assert xception.count_params() == 20_861_480
    assert model.count_params() == xception.count_params()


def test_multi_output_trains_with_weighted_losses(models: ModelCache) -> None:
    model = models.graphspec("multi_output")
    rng = np.random.default_rng(0)
    num_samples, max_length = 32, 500  # long enough for 5 convolutions and 2 poolings
    posts = rng.integers(1, 50000, size=(num_samples, max_length)).astype("int32")
    age_targets = rng.integers(18, 80, size=(num_samples, 1)).astype("float32")
    income_targets = keras.utils.to_categorical(
        rng.integers(0, 10, size=num_samples), num_classes=10
    )
    gender_targets = rng.integers(0, 2, size=(num_samples, 1)).astype("float32")
    targets = {"age": age_targets, "income": income_targets, "gender": gender_targets}

    history = model.fit(posts, targets, epochs=1, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"][0])

    result = model.evaluate(posts, targets, batch_size=16, verbose=0, return_dict=True)
    for key in ("loss", "age_loss", "income_loss", "gender_loss"):
        assert key in result, sorted(result)
    weighted = (
        0.25 * result["age_loss"] + 1.0 * result["income_loss"] + 10.0 * result["gender_loss"]
    )
    np.testing.assert_allclose(result["loss"], weighted, rtol=1e-4)


def test_question_answering_fits_with_named_inputs(models: ModelCache) -> None:
    model = models.graphspec("question_answering")
    rng = np.random.default_rng(0)
    num_samples, max_length = 32, 100
    text = rng.integers(1, 10000, size=(num_samples, max_length)).astype("int32")
    question = rng.integers(1, 10000, size=(num_samples, max_length)).astype("int32")
    answers = keras.utils.to_categorical(rng.integers(0, 500, size=num_samples), num_classes=500)

    history = model.fit(
        {"text": text, "question": question}, answers, epochs=1, batch_size=16, verbose=0
    )
    assert np.isfinite(history.history["loss"][0])
    assert "acc" in history.history
    predictions = model.predict({"question": question[:4], "text": text[:4]}, verbose=0)
    assert predictions.shape == (4, 500)
    np.testing.assert_allclose(predictions.sum(axis=-1), 1.0, rtol=1e-5)


def test_mlp_trains_like_the_tutorial(models: ModelCache) -> None:
    model = models.graphspec("mlp")
    rng = np.random.default_rng(0)
    x_train = rng.random((64, 64)).astype("float32")
    y_train = rng.random((64, 10)).astype("float32")
    history = model.fit(x_train, y_train, epochs=1, batch_size=32, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert np.isfinite(model.evaluate(x_train, y_train, verbose=0))
