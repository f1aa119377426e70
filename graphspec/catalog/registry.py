"""The names a spec may use: Keras's public layers, applications, losses… (no TensorFlow)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, NoReturn

from graphspec.diagnostics import Problem, codes, suggest

REFUSED_LAYERS = {
    "Lambda": "it runs arbitrary Python code",
    "TFSMLayer": "it loads a saved model from disk",
    "TorchModuleWrapper": "it wraps and runs foreign code",
    "JaxLayer": "it wraps and runs foreign code",
    "FlaxLayer": "it wraps and runs foreign code",
    "InputLayer": "inputs are declared under `inputs:`",
    "Layer": "it is the abstract base class",
    "Wrapper": "it is an abstract base class",
}
"""Layers no spec may name, with the reason the error gives."""

FILE_ARGUMENTS = {"vocabulary", "idf_weights", "stop_words"}
"""Keyword arguments that make a preprocessing layer read a file when given as a string."""

NAMED_KINDS = {
    "_initializer": "initializers",
    "_regularizer": "regularizers",
    "_constraint": "constraints",
}
"""Keyword-argument suffixes whose values are looked up among Keras's public objects."""

ACTIVATION_KEYWORDS = {"activation", "recurrent_activation", "classifier_activation"}


@dataclass(frozen=True)
class LayerInfo:
    """What Keras's constructor and call of one layer class accept."""

    name: str
    positional: tuple[str, ...]
    keywords: tuple[str, ...]
    required: tuple[str, ...]
    varargs: bool
    bools: tuple[str, ...]
    call: tuple[str, ...]
    call_required: tuple[str, ...]
    call_varkw: bool
    module: str | None = None
    """Where keras.applications defines a layer Keras does not export (LayerScale, …)."""
    types: dict[str, str] = field(default_factory=dict)
    """Argument → `int`, `float`, `bool` or `str`, where its default or docstring says it."""
    ignored: tuple[str, ...] = ()
    """Keywords Keras's Layer takes and a functional model ignores (`input_shape`)."""


@cache
def data() -> dict[str, Any]:
    text = resources.files("graphspec.catalog").joinpath("keras_registry.json").read_text("utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


def layer_names() -> list[str]:
    return [n for n in data()["layers"] if n not in REFUSED_LAYERS]


def layer(name: str, custom: frozenset[str] = frozenset()) -> LayerInfo | None:
    """The registered layer `name`; None for a custom layer; Problem when unknown or refused."""
    if name in custom:
        return None
    if name in REFUSED_LAYERS or name not in data()["layers"]:
        _unregistered(name, custom)
    return _layer(name)


@cache
def _layer(name: str) -> LayerInfo:
    """One LayerInfo per layer class, made once (every node and every shape rule asks)."""
    return _info(name, data()["layers"][name])


def _unregistered(name: str, custom: frozenset[str]) -> NoReturn:
    if name in REFUSED_LAYERS:
        raise Problem(
            f"layer '{name}' is refused: {REFUSED_LAYERS[name]}", code=codes.REFUSED_LAYER
        )
    hint = suggest(name, [*layer_names(), *custom]) or (
        " (a user-defined layer comes in with --plugin MODULE or --custom-objects "
        "MODULE:NAME, or custom_objects= in Python)"
    )
    raise Problem(f"unknown layer '{name}'{hint}", code=codes.UNKNOWN_LAYER)


def _info(name: str, entry: dict[str, Any]) -> LayerInfo:
    return LayerInfo(
        name,
        tuple(entry["positional"]),
        tuple(entry["keywords"]),
        tuple(entry["required"]),
        entry["varargs"],
        tuple(entry["bools"]),
        tuple(entry["call"]),
        tuple(entry["call_required"]),
        entry["call_varkw"],
        entry.get("module"),
        dict(entry.get("types", {})),
        tuple(entry.get("ignored", ())),
    )


def application(name: str) -> tuple[str, ...]:
    """The keyword arguments of keras.applications.`name`; Problem when unknown."""
    entry = data()["applications"].get(name)
    if entry is None:
        raise Problem(
            f"unknown application '{name}'{suggest(name, data()['applications'])}",
            code=codes.UNKNOWN_APPLICATION,
        )
    return tuple(entry["keywords"])


UNKNOWN_NAME = {
    "activations": codes.UNKNOWN_ACTIVATION,
    "initializers": codes.UNKNOWN_INITIALIZER,
    "regularizers": codes.UNKNOWN_REGULARIZER,
    "constraints": codes.UNKNOWN_CONSTRAINT,
    "losses": codes.UNKNOWN_LOSS,
    "metrics": codes.UNKNOWN_METRIC,
    "optimizers": codes.UNKNOWN_OPTIMIZER,
}
"""The diagnostic code of an unknown name, by kind."""


def check_name(kind: str, name: str) -> None:
    """Check a loss, metric, optimizer, activation, initializer… name; Problem when unknown."""
    if name in _name_set(kind):
        return
    names: list[str] = data()[kind]
    pool = names
    if kind == "optimizers":
        pool = [*names, *data()["optimizer_classes"]]
        if name.lower() in names:
            return
    singular = kind.removesuffix("es") if kind == "losses" else kind.removesuffix("s")
    raise Problem(f"unknown {singular} '{name}'{suggest(name, pool)}", code=UNKNOWN_NAME[kind])


@cache
def _name_set(kind: str) -> frozenset[str]:
    """The names of `kind` as a set (every activation, initializer… of every node is looked up)."""
    return frozenset(data()[kind])


@cache
def kind_of_keyword(keyword: str) -> str | None:
    """'initializers', 'regularizers', 'constraints' or 'activations' for such a keyword."""
    if keyword in ACTIVATION_KEYWORDS:
        return "activations"
    for suffix, kind in NAMED_KINDS.items():
        if keyword.endswith(suffix):
            return kind
    return None


def argument_types(kind: str, name: str) -> dict[str, str]:
    """The argument types Keras's signature or docstring gives the loss, metric or optimizer
    class `name` (`int`, `float`, `bool`, `str`; `object`: a Python object no spec can
    write); empty when unknown (a function, an unlisted name)."""
    known: dict[str, dict[str, str]] = data().get("object_arguments", {}).get(kind, {})
    return known.get(name) or known.get(name.lower()) or {}
