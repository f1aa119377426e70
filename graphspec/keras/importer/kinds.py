"""What a Keras operation in a graph is, as the importer writes it: one table of tests, the
first that holds names the kind, and each kind has its writer (writers.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphspec.catalog import registry
from graphspec.keras import compat

CODE_RUNNING = ("Lambda", "TFSMLayer", "TorchModuleWrapper", "JaxLayer", "FlaxLayer")
"""Refused layers (catalog.registry.REFUSED_LAYERS) that are real layer classes of Keras."""

Test = Callable[[Any, Mapping[type, str]], bool]


def _refused(operation: Any, custom: Mapping[type, str]) -> bool:
    layers = compat.keras().layers
    classes = [getattr(layers, n) for n in CODE_RUNNING if hasattr(layers, n)]
    return any(isinstance(operation, c) for c in classes)


def _public_layer(operation: Any, custom: Mapping[type, str]) -> bool:
    name = type(operation).__name__
    found = getattr(compat.keras().layers, name, None)
    return found is type(operation) and name in registry.layer_names()


def _model(operation: Any, custom: Mapping[type, str]) -> bool:
    return isinstance(operation, compat.keras().Model)


def _sequential(operation: Any, custom: Mapping[type, str]) -> bool:
    return isinstance(operation, compat.keras().Sequential)


def _layer(operation: Any, custom: Mapping[type, str]) -> bool:
    return isinstance(operation, compat.keras().layers.Layer)


KINDS: tuple[tuple[str, Test], ...] = (
    ("custom", lambda op, custom: type(op) in custom),
    ("refused", _refused),
    ("functional", lambda op, custom: compat.is_functional(op)),
    ("sequential", _sequential),
    ("model", _model),
    ("layer", _public_layer),
    ("private", lambda op, custom: compat.defined_in_applications(type(op))),
    ("unknown", _layer),
    ("op", lambda op, custom: True),
)
"""In order: a plugin's layer; Lambda and its kin; a functional sub-model; a Sequential one;
another (subclassed) model; a public Keras layer; a private layer of keras.applications
(LayerScale, …); any other layer (user-defined); anything else is a raw keras.ops call."""


def kind_of(operation: Any, custom: Mapping[type, str]) -> str:
    return next(kind for kind, test in KINDS if test(operation, custom))
