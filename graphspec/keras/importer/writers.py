"""One writer per kind of Keras operation (kinds.py): the spec node of one call, or Unwritable
saying why the language cannot express it. A kind the language learns (raw ops as `op:`
nodes, Sequential sub-models, private layers) is one entry here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphspec.catalog import registry
from graphspec.diagnostics import Code, codes
from graphspec.keras import compat
from graphspec.keras.importer import calls
from graphspec.keras.importer.kinds import kind_of
from graphspec.keras.importer.operations import write_op
from graphspec.keras.importer.problems import Unwritable
from graphspec.keras.importer.state import GraphState

Writer = Callable[[GraphState, compat.Call], dict[str, Any]]


def layer_entry(state: GraphState, operation: Any, name: str, checked: bool) -> dict[str, Any]:
    """`{layer: NAME, <arguments that differ from the defaults>}`."""
    kwargs = state.session.arguments.of(operation)
    if checked:
        info = registry.layer(name)
        allowed = (*info.keywords, "wraps") if info is not None else ()
        unknown = [k for k in kwargs if k not in allowed]
        if unknown:
            raise Unwritable(
                f"{name}'s config has {', '.join(map(repr, unknown))}, which its constructor "
                "does not take",
                codes.IMPORT_ARGUMENT,
            )
    return {"layer": name, **kwargs}


def _layer_call(state: GraphState, call: compat.Call, name: str, checked: bool) -> dict[str, Any]:
    operation = call.operation
    io = calls.written(operation, call, state.ref)
    if state.called_more_than_once(operation):
        sid = state.share(operation, lambda: layer_entry(state, operation, name, checked))
        return {"use": sid, **io}
    return {**layer_entry(state, operation, name, checked), **io}


def write_layer(state: GraphState, call: compat.Call) -> dict[str, Any]:
    """A public Keras layer: a `layer:` node, or a shared entry and a `use:` node."""
    return _layer_call(state, call, type(call.operation).__name__, checked=True)


def write_custom(state: GraphState, call: compat.Call) -> dict[str, Any]:
    """A layer class given with --plugin or custom_objects, under the name it was given."""
    return _layer_call(state, call, state.session.custom[type(call.operation)], checked=False)


def write_private(state: GraphState, call: compat.Call) -> dict[str, Any]:
    """A layer keras.applications defines for itself that the catalog has under its name
    (LayerScale, CustomScaleLayer, StochasticDepth): a `layer:` node like a public one."""
    cls = type(call.operation)
    info = registry.layer(cls.__name__)
    if info is None or info.module != cls.__module__:
        raise Unwritable(
            f"{cls.__name__} is a private layer of keras.applications that the language "
            "does not have",
            codes.IMPORT_UNKNOWN_LAYER,
        )
    return _layer_call(state, call, cls.__name__, checked=True)


def _frozen(model: Any) -> dict[str, Any]:
    """`trainable: false` for a frozen sub-model (its layers say so too, in their configs)."""
    return {} if model.trainable else {"trainable": False}


def write_functional(state: GraphState, call: compat.Call) -> dict[str, Any]:
    """A nested functional model: a `graph:` shared entry (one for all its calls), `use:`."""
    model = call.operation
    io = calls.written(model, call, state.ref)
    where = f"{state.where}{model.name} > "

    def entry() -> dict[str, Any]:
        return {"graph": state.session.submodel(model, where), **_frozen(model)}

    return {"use": state.share(model, entry), **io}


def write_sequential(state: GraphState, call: compat.Call) -> dict[str, Any]:
    """A nested Sequential: a `sequential:` shared entry of its layers (no inputs), `use:`."""
    model = call.operation
    io = calls.written(model, call, state.ref)

    def entry() -> dict[str, Any]:
        return {"sequential": [_sequential_layer(state, model, x) for x in model.layers]}

    return {"use": state.share(model, lambda: {**entry(), **_frozen(model)}), **io}


def _sequential_layer(state: GraphState, model: Any, layer: Any) -> dict[str, Any]:
    kind = kind_of(layer, state.session.custom)
    if kind in ("layer", "private"):
        return layer_entry(state, layer, type(layer).__name__, checked=True)
    if kind == "custom":
        return layer_entry(state, layer, state.session.custom[type(layer)], checked=False)
    raise Unwritable(
        f"Sequential '{model.name}' holds {type(layer).__name__} '{layer.name}': a "
        "`sequential:` entry holds layers only",
        codes.IMPORT_SUB_MODEL,
    )


def refuse(message: str, code: Code, hint: str = "") -> Writer:
    """A writer for what the language cannot express: the message names the class."""

    def write(state: GraphState, call: compat.Call) -> dict[str, Any]:
        raise Unwritable(message.format(cls=type(call.operation).__name__), code, hint)

    return write


WRITERS: dict[str, Writer] = {
    "layer": write_layer,
    "custom": write_custom,
    "functional": write_functional,
    "sequential": write_sequential,
    "model": refuse(
        "a subclassed model ({cls}): only functional and Sequential models have a graph to write",
        codes.IMPORT_SUB_MODEL,
    ),
    "private": write_private,
    "unknown": refuse(
        "{cls} is not one of Keras's public layers",
        codes.IMPORT_UNKNOWN_LAYER,
        "give the module that defines it with --plugin MODULE (custom_objects= in Python)",
    ),
    "refused": refuse(
        "{cls} is refused: it runs code the spec cannot show (write the computation as "
        "layers, or as a layer class given with --plugin)",
        codes.IMPORT_REFUSED_LAYER,
    ),
    "op": write_op,
}
"""The writer of each kind (kinds.KINDS)."""


SHARES = frozenset({"functional", "sequential", "model"})
"""Kinds written as a shared entry whatever the number of calls."""
