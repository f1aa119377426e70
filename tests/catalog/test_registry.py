"""The registry of Keras names that `validate` uses without importing TensorFlow."""

from __future__ import annotations

import subprocess
import sys

import keras
import pytest

from graphspec.catalog import registry
from graphspec.diagnostics import Problem
from graphspec.keras import compat
from tests.conftest import ROOT


def test_registry_matches_the_installed_keras() -> None:
    """Stale after a Keras upgrade? Run `python tools/gen_registry.py`."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_registry.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert run.returncode == 0, (
        "graphspec/catalog/keras_registry.json is stale: " + run.stderr[-2000:]
    )
    assert registry.data()["keras_version"] == keras.__version__


def test_every_registered_layer_is_a_public_keras_layer_or_one_of_keras_applications() -> None:
    for name in registry.layer_names():
        info = registry.layer(name)
        assert info is not None
        if info.module is None:
            assert issubclass(getattr(keras.layers, name), keras.layers.Layer), name
        else:  # defined by keras.applications for itself, not exported
            assert info.module.startswith("keras.src.applications.")
            assert not hasattr(keras.layers, name)
            assert issubclass(compat.application_layer(info.module, name), keras.layers.Layer)


def test_the_layers_of_keras_applications_are_found_where_they_are_defined() -> None:
    found = {n: registry.layer(n) for n in registry.layer_names()}
    modules = {n: i.module for n, i in found.items() if i is not None and i.module is not None}
    assert modules == {
        "CustomScaleLayer": "keras.src.applications.inception_resnet_v2",
        "LayerScale": "keras.src.applications.convnext",
        "StochasticDepth": "keras.src.applications.convnext",
    }
    scale = found["LayerScale"]
    assert scale is not None and scale.required == ("init_values", "projection_dim")
    depth = found["StochasticDepth"]
    assert depth is not None and depth.required == ("drop_path_rate",)


@pytest.mark.parametrize("name", sorted(registry.REFUSED_LAYERS))
def test_refused_layers(name: str) -> None:
    with pytest.raises(Problem, match=f"layer '{name}' is refused"):
        registry.layer(name)


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("losses", "mse"),
        ("losses", "categorical_crossentropy"),
        ("losses", "Huber"),
        ("metrics", "acc"),
        ("metrics", "accuracy"),
        ("metrics", "AUC"),
        ("optimizers", "rmsprop"),
        ("optimizers", "Adam"),
        ("optimizers", "adamw"),
        ("activations", "relu"),
        ("activations", "swish"),
        ("initializers", "he_normal"),
        ("initializers", "HeNormal"),
        ("regularizers", "l2"),
        ("constraints", "max_norm"),
    ],
)
def test_known_names(kind: str, name: str) -> None:
    registry.check_name(kind, name)


def test_unknown_names_suggest() -> None:
    with pytest.raises(Problem, match="unknown optimizer 'adamm'; did you mean 'adam'"):
        registry.check_name("optimizers", "adamm")
    with pytest.raises(Problem, match="unknown layer 'Conv2d'; did you mean 'Conv2D'"):
        registry.layer("Conv2d")


def test_argument_types_come_from_keras_defaults_and_docstrings() -> None:
    """From the default (`rate=0.5`… none: `units` has none) or the docstring's first words
    (`units: Positive integer`); unknown types are left out, never guessed."""
    dense = registry.layer("Dense")
    assert dense is not None and dense.types["units"] == "int" and dense.types["use_bias"] == "bool"
    dropout = registry.layer("Dropout")
    assert dropout is not None and dropout.types["rate"] == "float"
    reshape = registry.layer("Reshape")
    assert reshape is not None and "target_shape" not in reshape.types  # "Target shape. …"
    assert registry.argument_types("optimizers", "Adam")["beta_1"] == "float"
    assert registry.argument_types("optimizers", "adam")["amsgrad"] == "bool"
    assert registry.argument_types("metrics", "MeanMetricWrapper") == {"fn": "object"}
    assert registry.argument_types("losses", "mse") == {}  # a function: nothing known


def test_input_shape_is_ignored_unless_it_is_the_layers_own_argument() -> None:
    dense, embedding = registry.layer("Dense"), registry.layer("Embedding")
    assert dense is not None and set(dense.ignored) == {"input_dim", "input_shape"}
    assert embedding is not None and embedding.ignored == ("input_shape",)
