"""The registry of Keras names that `validate` uses without importing TensorFlow."""

from __future__ import annotations

import subprocess
import sys

import keras
import pytest

from graphspec.catalog import registry
from graphspec.diagnostics import Problem
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


def test_every_registered_layer_is_a_public_keras_layer() -> None:
    for name in registry.layer_names():
        assert issubclass(getattr(keras.layers, name), keras.layers.Layer), name


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
