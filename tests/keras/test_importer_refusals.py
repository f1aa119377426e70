"""What the language cannot express is refused, naming each layer and why (GS8xx), all in
one run; a layer class given with custom_objects (--plugin) is imported under its name."""

from __future__ import annotations

from typing import Any

import keras
import pytest
from keras import layers

import graphspec
from graphspec.diagnostics import GraphSpecError
from graphspec.keras import compat
from tests.conftest import Write
from tests.oracle import assert_same_model


class Scale(layers.Layer):
    """A user-defined layer (not one of Keras's)."""

    def __init__(self, factor: float = 2.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x: Any) -> Any:
        return x * self.factor

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor}


class Subclassed(keras.Model):
    def __init__(self) -> None:
        super().__init__(name="subclassed")
        self.dense = layers.Dense(3)

    def call(self, x: Any) -> Any:
        return self.dense(x)


def problems(model: Any, **options: Any) -> list[tuple[str, str | None, str]]:
    with pytest.raises(GraphSpecError) as e:
        graphspec.from_keras(model, **options)
    return [(d.code, d.id, d.message) for d in e.value.diagnostics]


def test_lambda_is_refused_naming_the_layer() -> None:
    x = keras.Input((3,), name="x")
    y = layers.Lambda(lambda t: t * 2, name="double")(x)
    [(code, layer, message)] = problems(keras.Model(x, y))
    assert (code, layer) == ("GS802", "double")
    assert message.startswith("layer 'double': Lambda is refused: it runs code")


def test_custom_layer_needs_a_plugin_and_is_imported_with_one(write_spec: Write) -> None:
    x = keras.Input((3,), name="x")
    y = Scale(3.0, name="scaled")(layers.Dense(3, name="d")(x))
    model = keras.Model(x, y)
    [(code, layer, message)] = problems(model)
    assert (code, layer) == ("GS801", "scaled")
    assert "Scale is not one of Keras's public layers" in message
    text = graphspec.from_keras(model, custom_objects={"MyScale": Scale})
    assert "scaled: {layer: MyScale, factor: 3.0, inputs: d}" in text
    rebuilt = graphspec.build(write_spec(text), custom_objects={"MyScale": Scale})
    assert_same_model(rebuilt, model)


def test_a_raw_op_off_the_allow_list_is_refused() -> None:
    with compat.fresh_names():  # ops are named by Keras's counters: `add`, `sort`, …
        x = keras.Input((3,), name="x")
        y = keras.ops.sort(layers.Dense(3, name="d")(x) + 1.0)
    [(code, layer, message)] = problems(keras.Model(x, y))
    assert (code, layer) == ("GS803", "sort")
    assert "a raw keras.ops call (Sort) that no function on the allow-list" in message


def test_an_op_given_a_tensor_after_a_constant_is_refused() -> None:
    with compat.fresh_names():
        x = keras.Input((3,), name="x")
        y = keras.ops.subtract(1.0, x)  # `inputs:` come first in an op node: no spelling
    [(code, layer, message)] = problems(keras.Model(x, y))
    assert (code, layer) == ("GS803", "subtract")
    assert "given tensor 'x2' after a constant argument" in message


def test_a_subclassed_sub_model_cannot_be_written() -> None:
    x = keras.Input((3,), name="x")
    out = layers.Add(name="sum")([layers.Dense(3, name="d")(x), Subclassed()(x)])
    found = {n: (c, m) for c, n, m in problems(keras.Model(x, out))}
    assert list(found) == ["subclassed"]
    assert found["subclassed"][0] == "GS804" and "subclassed model" in found["subclassed"][1]


def test_a_subclassed_model_has_no_graph() -> None:
    model = Subclassed()
    model(keras.ops.ones((1, 3)))
    [(code, layer, message)] = problems(model)
    assert (code, layer) == ("GS804", "subclassed")
    assert message.startswith("model 'subclassed': a Subclassed is not a functional")


def test_a_sequential_model_without_an_input_has_no_graph() -> None:
    [(code, layer, message)] = problems(keras.Sequential([layers.Dense(2)], name="unbuilt"))
    assert (code, layer) == ("GS806", "unbuilt")
    assert "no input yet has no graph" in message


def test_arguments_and_compile_settings_the_language_cannot_write() -> None:
    x = keras.Input((3,), name="x")
    y = layers.Dense(2, activation=lambda t: t, name="own_activation")(x)
    model = keras.Model(x, y, name="m")
    model.compile(loss="mse", weighted_metrics=["mae"])
    found = problems(model)
    assert [(c, n) for c, n, _ in found] == [("GS805", "own_activation"), ("GS807", "m")]
    assert found[1][2] == "model 'm': compile's 'weighted_metrics' is not in the language"


def test_every_problem_is_reported_in_one_run() -> None:
    with compat.fresh_names():
        x = keras.Input((3,), name="x")
        a = layers.Lambda(lambda t: t, name="first")(x)
        b = Scale(name="second")(a)
        c = keras.ops.sort(b * 2.0)
    found = problems(keras.Model(x, c))
    assert [(code, n) for code, n, _ in found] == [
        ("GS802", "first"),
        ("GS801", "second"),
        ("GS803", "sort"),
    ]
