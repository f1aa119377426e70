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
        timeout=300,
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
