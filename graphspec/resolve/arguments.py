"""The values of arguments against the types Keras's signatures and docstrings give them (the
catalog): no YAML boolean for a number, no NaN anywhere, no Python object a spec cannot
write; and an optimizer's, loss's or metric's number is a finite number."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from graphspec.diagnostics import SpecPath, codes
from graphspec.ir import Origin
from graphspec.resolve.context import Context

NUMBERS = ("int", "float")


def _has(value: Any, test: Any) -> bool:
    """Whether `value`, or any item of it (lists and mappings, however nested), passes `test`."""
    if not isinstance(value, list | dict):  # most arguments: one number or string
        return bool(test(value))
    stack: list[Any] = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif test(v):
            return True
    return False


def _nan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)


def _bool(v: Any) -> bool:
    return isinstance(v, bool)


def not_a_number(
    ctx: Context, owner: str, key: str, value: Any, origin: Origin, path: SpecPath
) -> bool:
    """Report a NaN in `value` (it never makes sense: a NaN weight or rate trains on NaN)."""
    if not _has(value, _nan):
        return False
    ctx.error(
        origin,
        f"{owner}'s '{key}' holds NaN (.nan), which is not a number any argument can use",
        path,
        code=codes.NON_FINITE_NUMBER,
    )
    return True


def layer_argument(
    ctx: Context, owner: str, key: str, kind: str | None, value: Any, origin: Origin, path: SpecPath
) -> bool:
    """A layer's argument of the catalog's type `kind`: False (reported) when it is wrong."""
    if not_a_number(ctx, owner, key, value, origin, path):
        return False
    if kind in NUMBERS and _has(value, _bool):
        ctx.error(
            origin,
            f"{owner}'s '{key}' takes {'an integer' if kind == 'int' else 'a number'}, "
            f"not {'a list holding ' if isinstance(value, list) else ''}true or false "
            "(a YAML boolean is not a number)",
            path,
            code=codes.WRONG_ARGUMENT_TYPE,
        )
        return False
    return True


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


_WANTED: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "int": ("a finite number", _is_number),  # a default of 2 may still take 1.5 (MaxNorm)
    "float": ("a finite number", _is_number),
    "bool": ("true or false", _bool),
    "str": ("a string", _is_str),
}
"""What a value of each type the catalog names must be, in words and as a test."""


def object_arguments(
    ctx: Context,
    owner: str,
    kwargs: dict[str, Any],
    types: dict[str, str],
    origin: Origin,
    path: SpecPath,
) -> bool:
    """The keyword arguments of an optimizer, loss or metric, each against its type: a value
    Keras would take and break on at the first training step is refused here. False when
    any is wrong (each reported)."""
    ok = True
    for key, value in kwargs.items():
        kind, where = types.get(key), (*path, key)
        if value is None:
            continue
        if kind == "object":
            ctx.error(
                origin,
                f"{owner}'s '{key}' takes a Python object (a function, an instance), which a "
                "spec cannot give",
                where,
                code=codes.WRONG_ARGUMENT_TYPE,
                hint="use a Keras name for the whole object instead (`mse`, `accuracy`, …)",
            )
            ok = False
        elif kind in _WANTED and not _WANTED[kind][1](value):
            code = (
                codes.NON_FINITE_NUMBER if isinstance(value, float) else codes.WRONG_ARGUMENT_TYPE
            )
            ctx.error(
                origin,
                f"{owner}'s '{key}' takes {_WANTED[kind][0]}, got {value!r}",
                where,
                code=code,
            )
            ok = False
        elif not_a_number(ctx, owner, key, value, origin, where):
            ok = False
    return ok
