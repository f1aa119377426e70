"""Static shapes of `op:` nodes: each allowed keras.ops function's `compute_output_spec`, in Python.

The shapes include the batch axis, as keras.ops sees its tensors: `sum` without `axis`
reduces the batch axis too, and `concatenate`'s default axis 0 is the batch axis. A value
that is not a tensor (a constant) has the shape `()`, as Keras reads it (`getattr(x,
"shape", [])`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphspec.catalog import ops as catalog
from graphspec.diagnostics import Problem, codes
from graphspec.ir import OpIR
from graphspec.shapes.core import Shape, ShapeProblem, ShapeTree, Undecided


@dataclass
class OpCall:
    """One call of an allowed function: every parameter's value (a tensor's shape, a list of
    shapes for a list argument, or the constant given or defaulted)."""

    name: str
    values: dict[str, Any]
    first: str

    def tensor(self, param: str | None = None) -> Shape:
        """The shape of a tensor argument (`()` for a scalar constant, as Keras reads one; a
        list, of constants or of tensors, is not decided here)."""
        value = self.values[param or self.first]
        if isinstance(value, list):
            raise Undecided
        return value if isinstance(value, tuple) else ()

    def shapes(self, param: str) -> list[Shape]:
        value = self.values[param]
        if not isinstance(value, list) or not value or not all(isinstance(v, tuple) for v in value):
            raise Undecided
        return list(value)

    def integer(self, param: str) -> int:
        value = self.values[param]
        if type(value) is not int:
            raise Undecided
        return value

    def integers(self, param: str) -> list[int]:
        """An int or a list of ints, as a list."""
        value = self.values[param]
        items = value if isinstance(value, list) else [value]
        if not all(type(v) is int for v in items):
            raise Undecided
        return items

    def get(self, param: str) -> Any:
        return self.values[param]


OpRule = Callable[[OpCall], ShapeTree]


def make_call(op: OpIR, given: list[Any]) -> OpCall:
    """Bind the inputs' shapes, `args` and keywords to the function's parameters."""
    try:
        info = catalog.op(op.name)
    except Problem:
        raise Undecided from None
    values = {p.name: p.default for p in info.params}
    values |= dict(zip(info.names, [*given, *op.args], strict=False))
    values |= op.kwargs
    return OpCall(op.name, values, info.names[0])


def axis(value: Any, rank: int, name: str) -> int:
    """Keras's `canonicalize_axis`: an axis in [-rank, rank), as a non-negative index."""
    if type(value) is not int:
        raise Undecided
    if not -rank <= value < rank:
        raise ShapeProblem(
            f"{name}'s axis {value} is outside its input's {rank} axes (batch axis included)",
            codes.WRONG_RANK_OR_AXIS,
        )
    return value % rank


def axes(value: Any, rank: int, name: str) -> list[int]:
    """An axis or a list of axes (`canonicalize_axes`)."""
    items = value if isinstance(value, list) else [value]
    return [axis(a, rank, name) for a in items]


def broadcast(name: str, a: Shape, b: Shape) -> Shape:
    """keras.src.ops.operation_utils.broadcast_shapes (numpy's rules; None stays unknown)."""
    a = (1,) * (len(b) - len(a)) + tuple(a)
    b = (1,) * (len(a) - len(b)) + tuple(b)
    out: list[int | None] = []
    for i, j in zip(a, b, strict=True):
        if i == 1:
            out.append(j)
        elif i is None:
            out.append(None if j == 1 else j)
        elif j in (1, None, i):
            out.append(i)
        else:
            raise ShapeProblem(
                f"{name} cannot broadcast {_shape(a)} with {_shape(b)}: sizes {i} and {j}",
                codes.INPUTS_DO_NOT_MATCH,
            )
    return tuple(out)


def _shape(s: Shape) -> str:
    return str(tuple(s))


def reduce(s: Shape, value: Any, keepdims: Any, name: str) -> Shape:
    """keras.src.ops.operation_utils.reduce_shape."""
    if value is None:
        return (1,) * len(s) if keepdims else ()
    reduced = set(axes(value, len(s), name))
    if keepdims:
        return tuple(1 if i in reduced else d for i, d in enumerate(s))
    return tuple(d for i, d in enumerate(s) if i not in reduced)


# ---- families --------------------------------------------------------------------------------


def same(call: OpCall) -> ShapeTree:
    return call.tensor()


def along_axis(call: OpCall) -> ShapeTree:
    """Same shape; the axis (or axes) must be inside the input."""
    s = call.tensor()
    given = call.get("axis")
    if isinstance(given, list) and call.name in ("softmax", "log_softmax"):
        raise ShapeProblem(
            f"{call.name} takes one axis here: keras.ops.{call.name} works over several only "
            "given a tuple, which a spec (and a saved model) cannot hold"
        )
    if given is not None:
        axes(given, len(s), call.name)
    return s


def binary(call: OpCall) -> ShapeTree:
    first, second = list(call.values)[:2]
    return broadcast(call.name, call.tensor(first), call.tensor(second))


def reduction(call: OpCall) -> ShapeTree:
    s = call.tensor()
    keepdims = call.values.get("keepdims", False)
    if call.name == "norm":
        norm_order(call, s)
    return reduce(s, call.get("axis"), keepdims, call.name)


def norm_order(call: OpCall, s: Shape) -> None:
    """Norm's `ord` against the number of axes it reduces (a vector or a matrix norm)."""
    given = call.get("axis")
    count = len(s) if given is None else len(given) if isinstance(given, list) else 1
    order = call.get("ord")
    if count == 1 and isinstance(order, str):
        raise ShapeProblem(f"norm's ord '{order}' is a matrix norm; axis names one axis")
    matrix = (None, "fro", "nuc", float("inf"), float("-inf"), 1, -1, 2, -2)
    if count == 2 and order not in matrix:
        raise ShapeProblem(f"norm's ord {order!r} is not a matrix norm (two axes)")
