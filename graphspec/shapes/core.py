"""The ground of the static shape rules: shapes, a layer call, and the helpers rules share."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

from graphspec.diagnostics import Code, Problem, codes
from graphspec.ir import LayerIR

T = TypeVar("T")

Shape = tuple[int | None, ...]
"""A value's shape with the batch axis first, as Keras prints it: (None, 32, 32, 64)."""
ShapeTree = Shape | list["ShapeTree"] | None
"""A list for multi-output callables; None when unknown."""


class ShapeProblem(Problem):
    """A call Keras would refuse: the message states what was expected; `code` is GS5xx."""

    def __init__(self, message: str, code: Code = codes.WRONG_RANK_OR_AXIS) -> None:
        super().__init__(message, code=code)


class Undecided(Exception):
    """The rule does not cover this call (an unusual argument or input structure)."""


@dataclass
class Call:
    """One call of a layer: its constructor arguments by name, its inputs by call argument
    (`primary` names the first, what `layer(x)` passes), literal call keywords."""

    layer: str
    args: dict[str, Any]
    inputs: dict[str, Any]
    primary: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def x(self) -> Any:
        if self.primary not in self.inputs:
            raise Undecided
        return self.inputs[self.primary]

    def arg(self, name: str, default: Any = None) -> Any:
        """A constructor argument, or `default` when the spec does not give it."""
        return self.args.get(name, default)


Rule = Callable[[Call], ShapeTree]

# ---- helpers ---------------------------------------------------------------------------------


def shape(value: Any) -> Shape:
    """One tensor's shape; Undecided for a list or a mapping of tensors."""
    if not isinstance(value, tuple):
        raise Undecided
    return value


def need_rank(call: Call, s: Shape, rank: int, what: str, at_least: bool = False) -> None:
    if len(s) == rank or (at_least and len(s) > rank):
        return
    more = "at least " if at_least else ""
    raise ShapeProblem(
        f"{call.layer} needs an input of rank {more}{rank} ({what})", codes.WRONG_RANK_OR_AXIS
    )


def ints(value: Any, n: int) -> tuple[int, ...]:
    """An int or a sequence of n ints (Keras's `standardize_tuple`)."""
    if isinstance(value, bool):
        raise Undecided
    if isinstance(value, int):
        return (value,) * n
    if isinstance(value, list | tuple) and len(value) == n and all(type(v) is int for v in value):
        return tuple(value)
    raise Undecided


def pair(value: Any) -> tuple[int, int]:
    a, b = ints(value, 2)
    return a, b


def pairs(value: Any, n: int) -> tuple[tuple[int, int], ...]:
    """Padding or cropping: an int, a pair (one axis), n ints (symmetric) or n pairs."""
    if type(value) is int:
        return ((value, value),) * n
    if not isinstance(value, list | tuple):
        raise Undecided
    if n == 1:
        return (pair(value),)
    if len(value) != n:
        raise Undecided
    if all(type(v) is int for v in value):
        return tuple((v, v) for v in value)
    return tuple(pair(v) for v in value)


@cache
def default_format() -> str:
    """Keras's `image_data_format()` as its config file sets it (read without importing Keras)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    try:
        with open(os.path.join(home, "keras.json"), encoding="utf-8") as f:
            config = json.load(f)
    except (OSError, ValueError):
        return "channels_last"
    fmt = config.get("image_data_format") if isinstance(config, dict) else None
    return fmt if isinstance(fmt, str) else "channels_last"


def channels_last(call: Call) -> bool:
    fmt = call.arg("data_format") or default_format()
    if fmt not in ("channels_last", "channels_first"):
        raise Undecided
    return bool(fmt == "channels_last")


def split(s: Shape, last: bool) -> tuple[list[int | None], int | None]:
    """(spatial dims, channels) of a batch-first shape."""
    return (list(s[1:-1]), s[-1]) if last else (list(s[2:]), s[1])


def join(s: Shape, spatial: list[int | None], channels: int | None, last: bool) -> Shape:
    return (s[0], *spatial, channels) if last else (s[0], channels, *spatial)


def windowed(
    call: Call, n: int | None, k: int, stride: int, padding: str, dilation: int = 1
) -> int | None:
    """One spatial size after a sliding window (convolution or pooling)."""
    if n is None:
        return None
    if padding in ("same", "causal"):
        return (n - 1) // stride + 1
    if padding != "valid":
        raise Undecided
    out = (n - dilation * (k - 1) - 1) // stride + 1
    if out <= 0:
        raise ShapeProblem(
            f"{call.layer}'s output would be empty: window {k} (dilation {dilation}, stride "
            f"{stride}, padding 'valid') is larger than the input",
            codes.EMPTY_OUTPUT,
        )
    return out


def per_config(
    memo: dict[tuple[Any, ...], T],
    layer: LayerIR,
    given: Any,
    call: dict[str, Any],
    compute: Callable[[LayerIR, Any, dict[str, Any]], T],
) -> T:
    """`compute(layer, given, call)`, once per layer configuration (LayerIR.config) and input
    shape (or list of shapes, as Add's): layers configured alike, called alike on the same
    shapes, give the same result."""
    if layer.config is None or call:
        return compute(layer, given, call)
    key: tuple[Any, ...]
    if type(given) is tuple:
        key = (layer.config, given)
    elif type(given) is list and all(type(g) is tuple for g in given):
        key = (layer.config, tuple(given), "list")
    else:
        return compute(layer, given, call)
    found = memo.get(key)
    if found is None:
        found = memo[key] = compute(layer, given, call)
    return found
