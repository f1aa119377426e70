"""A raw keras.ops call as an `op:` node: the allowed function that makes its operation, its
tensors as `inputs:`, constants in tensor places as `args:`, the operation's constructor
arguments that differ from the function's defaults as keywords."""

from __future__ import annotations

from functools import cache
from typing import Any

from graphspec.catalog import ops, registry
from graphspec.diagnostics import codes
from graphspec.keras import compat
from graphspec.keras.importer import calls
from graphspec.keras.importer.arguments import same
from graphspec.keras.importer.problems import Unwritable
from graphspec.keras.importer.state import GraphState
from graphspec.keras.importer.values import plain, snake


@cache
def _functions() -> dict[str, str]:
    """Each operation class (dotted) → the allowed function that makes it: the one named as
    the class is (`Add` → `add`), else the first by name (`Absolute` → `abs`)."""
    found: dict[str, list[str]] = {}
    for name, entry in sorted(registry.data()["ops"].items()):
        if name in ops.ALLOWED:
            found.setdefault(entry["operation"], []).append(name)
    chosen = {}
    for dotted, names in found.items():
        own = snake(dotted.rsplit(".", 1)[1])
        chosen[dotted] = own if own in names else names[0]
    return chosen


def function_of(operation: Any) -> ops.OpInfo | None:
    """The allowed function whose call made this operation, if there is one."""
    cls = type(operation)
    name = _functions().get(f"{cls.__module__}.{cls.__qualname__}")
    return ops.op(name) if name is not None else None


def _values(info: ops.OpInfo, operation: Any, call: compat.Call) -> dict[str, Any]:
    """Every argument of the function by name: the call's (tensors, constants in their
    places) and the operation's constructor arguments (its config)."""
    given = calls.bound(operation, call)
    config = {k: v for k, v in operation.get_config().items() if k != "name"}
    unknown = [k for k in [*given, *config] if k not in info.names]
    if unknown:
        raise Unwritable(
            f"keras.ops.{info.name} has no argument {', '.join(map(repr, unknown))}, which "
            f"its operation {type(operation).__name__} holds",
            codes.IMPORT_RAW_OPERATION,
        )
    return {**config, **given}


def _tensor(value: Any) -> bool:
    return bool(compat.symbolic_in(value))


def write_op(state: GraphState, call: compat.Call) -> dict[str, Any]:
    """`{op: NAME, inputs: …, args: […], KEY: constant, …}` for one keras.ops call."""
    operation = call.operation
    info = function_of(operation)
    if info is None:
        raise Unwritable(
            f"a raw keras.ops call ({type(operation).__name__}) that no function on the "
            "allow-list of `op:` nodes makes",
            codes.IMPORT_RAW_OPERATION,
            "write it with layers, or as a layer class given with --plugin",
        )
    values = _values(info, operation, call)
    inputs: list[Any] = []
    args: list[Any] = []
    keywords: dict[str, Any] = {}
    for param in info.params:
        if param.name not in values:
            continue
        value = values[param.name]
        if _tensor(value):
            if args or keywords:
                raise Unwritable(
                    f"keras.ops.{info.name} is given tensor '{param.name}' after a constant "
                    "argument: an op node's inputs come first",
                    codes.IMPORT_RAW_OPERATION,
                )
            inputs.append(_reference(state, param, value))
        elif param.tensor and not keywords:
            args.append(_constant(param.name, value))
        elif param.tensor or param.required or not same(value, param.default):
            keywords[param.name] = _constant(param.name, value)
    if not inputs:
        raise Unwritable("it is called on no tensor", codes.IMPORT_GRAPH)
    node: dict[str, Any] = {"op": info.name}
    node["inputs"] = inputs[0] if len(inputs) == 1 and not info.takes_list else inputs
    if args:
        node["args"] = args
    return {**node, **keywords}


def _reference(state: GraphState, param: ops.Param, value: Any) -> Any:
    if compat.producer(value) is not None:
        return state.ref(value)
    if isinstance(value, list | tuple) and all(compat.producer(v) is not None for v in value):
        return [state.ref(v) for v in value]
    raise Unwritable(
        f"its argument '{param.name}' mixes tensors with other values", codes.IMPORT_GRAPH
    )


def _constant(name: str, value: Any) -> Any:
    """A constant as plain data; a constant array (a tensor of values) has no spelling."""
    if hasattr(value, "shape") and getattr(value, "shape", ()) != ():
        raise Unwritable(
            f"its argument '{name}' is a constant array: an op node's constants are numbers, "
            "booleans, strings, null and lists of them",
            codes.IMPORT_RAW_OPERATION,
        )
    written = plain(name, value)
    if isinstance(written, dict):
        raise Unwritable(f"its argument '{name}' is a mapping", codes.IMPORT_RAW_OPERATION)
    return written
