"""A call's arguments as a node's `inputs:` and `call:`: tensors as references, by position
or by keyword as the contract writes them, constants as call keywords; what Keras added by
itself (a propagated mask, the default `training`) is left for Keras to add again."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from graphspec.diagnostics import codes
from graphspec.keras import compat
from graphspec.keras.importer.problems import Unwritable
from graphspec.keras.importer.values import plain

Reference = Callable[[Any], str]
"""The reference (`id`, `id.K`) of a symbolic tensor of the graph being written."""
CONTEXT_ARGUMENTS = ("training",)
"""Call arguments Keras fills in from the signature's default when they are not given."""


def bound(operation: Any, call: compat.Call) -> dict[str, Any]:
    """The call's arguments by parameter name, in the order of the operation's `call`."""
    try:
        signature = inspect.signature(operation.call)
        arguments = signature.bind(*call.args, **call.kwargs).arguments
    except (TypeError, ValueError) as e:
        raise Unwritable(
            f"its call arguments do not bind to {type(operation).__name__}.call: {e}",
            codes.IMPORT_GRAPH,
        ) from e
    defaults = {
        n: p.default
        for n, p in signature.parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    return {k: v for k, v in arguments.items() if not _added_by_keras(k, v, arguments, defaults)}


def _added_by_keras(
    name: str, value: Any, arguments: dict[str, Any], defaults: dict[str, Any]
) -> bool:
    """Whether Keras would pass this argument by itself: `training` as the signature's
    default, `mask` (`query_mask`, …) as the mask of the tensors of the argument it masks."""
    if name in CONTEXT_ARGUMENTS:
        return name in defaults and type(value) is type(defaults[name]) and value == defaults[name]
    if name == "mask":
        sources = [v for k, v in arguments.items() if k != name and compat.symbolic_in(v)]
        return len(sources) == 1 and _masks_match(sources[0], value)
    if name.endswith("_mask") and name.removesuffix("_mask") in arguments:
        return _masks_match(arguments[name.removesuffix("_mask")], value)
    return False


def _masks_match(source: Any, mask: Any) -> bool:
    """Whether `mask` is, in structure and identity, the masks Keras attached to `source`."""
    if compat.producer(source) is not None:
        return compat.keras_mask(source) is mask
    if isinstance(source, list | tuple):
        return (
            isinstance(mask, list | tuple)
            and len(mask) == len(source)
            and all(_masks_match(s, m) for s, m in zip(source, mask, strict=True))
        )
    return mask is None


def reads(call: compat.Call) -> list[Any]:
    """The tensors a call reads that its node will name (not the masks Keras added)."""
    try:
        arguments = bound(call.operation, call)
    except Unwritable:  # reported when the node is written
        return compat.symbolic_in([list(call.args), call.kwargs])
    return compat.symbolic_in(list(arguments.values()))


def written(operation: Any, call: compat.Call, ref: Reference) -> dict[str, Any]:
    """`{inputs: …}` and, when there are constants, `{call: {…}}` for one call."""
    arguments = bound(operation, call)
    tensors = {k: v for k, v in arguments.items() if compat.symbolic_in(v)}
    constants = {k: v for k, v in arguments.items() if k not in tensors}
    if not tensors:
        raise Unwritable("it is called on no tensor", codes.IMPORT_GRAPH)
    first = next(iter(arguments))
    if list(tensors) == [first]:
        inputs: Any = _tree(first, tensors[first], ref)
    else:
        inputs = {k: _tree(k, v, ref) for k, v in tensors.items()}
    out: dict[str, Any] = {"inputs": inputs}
    if constants:
        out["call"] = {k: plain(k, v) for k, v in constants.items()}
    return out


def _tree(name: str, value: Any, ref: Reference) -> Any:
    """One argument: a tensor, or a flat list of tensors."""
    if compat.producer(value) is not None:
        return ref(value)
    if isinstance(value, list | tuple) and all(compat.producer(v) is not None for v in value):
        return [ref(v) for v in value]
    raise Unwritable(
        f"its call argument '{name}' mixes tensors with other values or nests them "
        "deeper than a list",
        codes.IMPORT_GRAPH,
    )
