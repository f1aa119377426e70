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


def write_functional(state: GraphState, call: compat.Call) -> dict[str, Any]:
    """A nested functional model: a `graph:` shared entry (one for all its calls), `use:`."""
    model = call.operation
    if not model.trainable:
        raise Unwritable(
            f"sub-model '{model.name}' is frozen (trainable=False): `trainable: false` on a "
            "`graph:` entry is not in the language yet",
            codes.IMPORT_SUB_MODEL,
        )
    io = calls.written(model, call, state.ref)
    where = f"{state.where}{model.name} > "
    sid = state.share(model, lambda: {"graph": state.session.submodel(model, where)})
    return {"use": sid, **io}


def refuse(message: str, code: Code, hint: str = "") -> Writer:
    """A writer for what the language cannot express: the message names the class."""

    def write(state: GraphState, call: compat.Call) -> dict[str, Any]:
        raise Unwritable(message.format(cls=type(call.operation).__name__), code, hint)

    return write


WRITERS: dict[str, Writer] = {
    "layer": write_layer,
    "custom": write_custom,
    "functional": write_functional,
    "sequential": refuse(
        "a nested Sequential model: `sequential:` shared entries are not in the language yet",
        codes.IMPORT_SUB_MODEL,
    ),
    "model": refuse(
        "a subclassed model ({cls}): only functional and Sequential models have a graph to write",
        codes.IMPORT_SUB_MODEL,
    ),
    "private": refuse(
        "{cls} is a private layer of keras.applications, not yet in the language",
        codes.IMPORT_UNKNOWN_LAYER,
    ),
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
    "op": refuse(
        "a raw keras.ops call ({cls}) is not a layer: `op:` nodes are not in the language yet",
        codes.IMPORT_RAW_OPERATION,
        "write it with a layer (keras.layers.Add()([a, b]) for a + b, Multiply for a * b)",
    ),
}
"""The writer of each kind (kinds.KINDS)."""


SHARES = frozenset({"functional", "sequential", "model"})
"""Kinds written as a shared entry whatever the number of calls."""
