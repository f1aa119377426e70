"""Static shapes of the keras.ops functions that combine inputs or split one; the rule table."""

from __future__ import annotations

import itertools
from typing import Any

from graphspec.catalog.ops import FAMILIES
from graphspec.diagnostics import codes
from graphspec.ir import OpIR
from graphspec.shapes import op_rules
from graphspec.shapes.core import Shape, ShapeProblem, ShapeTree, Undecided
from graphspec.shapes.op_rules import fits, size_of
from graphspec.shapes.ops import (
    OpCall,
    OpRule,
    along_axis,
    axis,
    binary,
    broadcast,
    make_call,
    reduction,
    same,
)

# ---- several inputs --------------------------------------------------------------------------


def concatenate(call: OpCall) -> ShapeTree:
    shapes = call.shapes("xs")
    first = shapes[0]
    at = axis(call.get("axis"), len(first), "concatenate")
    if not all(fits(s, first, (at,)) for s in shapes):
        raise ShapeProblem(
            f"concatenate needs inputs of one shape except on axis {call.get('axis')}: "
            + ", ".join(map(str, shapes)),
            codes.INPUTS_DO_NOT_MATCH,
        )
    sizes = [s[at] for s in shapes]
    return (*first[:at], _sum(sizes), *first[at + 1 :])


def _sum(sizes: list[int | None]) -> int | None:
    return None if None in sizes else sum(d for d in sizes if d is not None)


def stack(call: OpCall) -> ShapeTree:
    shapes = call.shapes("x")
    first = shapes[0]
    at = axis(call.get("axis"), len(first) + 1, "stack")
    if not all(fits(s, first) for s in shapes):
        raise ShapeProblem(
            "stack needs inputs of one shape: " + ", ".join(map(str, shapes)),
            codes.INPUTS_DO_NOT_MATCH,
        )
    return (*first[:at], len(shapes), *first[at:])


def where(call: OpCall) -> ShapeTree:
    if call.get("x1") is None or call.get("x2") is None:
        raise Undecided  # keras.ops.where(condition) alone is another operation
    both = broadcast("where", call.tensor("condition"), call.tensor("x1"))
    return broadcast("where", both, call.tensor("x2"))


def matmul(call: OpCall) -> ShapeTree:
    """compute_matmul_output_shape: 1-D operands are promoted, then the axis dropped."""
    a, b = call.tensor("x1"), call.tensor("x2")
    if not a or not b:
        raise ShapeProblem("matmul needs tensors of rank 1 or more", codes.WRONG_RANK_OR_AXIS)
    one_a, one_b = len(a) == 1, len(b) == 1
    a, b = ((1, *a) if one_a else a), ((*b, 1) if one_b else b)
    if a[-1] is not None and b[-2] is not None and a[-1] != b[-2]:
        raise ShapeProblem(
            f"matmul needs x1's last size ({a[-1]}) equal to x2's second-last ({b[-2]})",
            codes.SIZES_DO_NOT_FIT,
        )
    out = [*broadcast("matmul", a[:-2], b[:-2]), a[-2], b[-1]]
    if one_a:
        del out[-2]
    if one_b:
        del out[-1]
    return tuple(out)


def dot(call: OpCall) -> ShapeTree:
    a, b = list(call.tensor("x1")), list(call.tensor("x2"))
    if not a or not b:
        return broadcast("dot", tuple(a), tuple(b))  # a scalar: multiply
    if len(a) == 1 and len(b) == 1:
        return ()
    if len(b) == 1:
        if a[-1] != b[0]:
            raise ShapeProblem("dot needs x1's last size equal to x2's", codes.SIZES_DO_NOT_FIT)
        return tuple(a[:-1])
    if a[-1] is None or b[-2] is None or a[-1] == b[-2]:
        return (*a[:-1], *b[:-2], b[-1])
    raise ShapeProblem(
        f"dot needs x1's last size ({a[-1]}) equal to x2's second-last ({b[-2]})",
        codes.SIZES_DO_NOT_FIT,
    )


def tensordot(call: OpCall) -> ShapeTree:
    a, b, given = list(call.tensor("x1")), list(call.tensor("x2")), call.get("axes")
    if type(given) is int:
        return tuple(a + b if given <= 0 else a[:-given] + b[given:])
    if not (isinstance(given, list) and len(given) == 2):
        raise Undecided
    first, second = given
    if not (isinstance(first, list) and isinstance(second, list)):
        raise ShapeProblem("tensordot's axes are an int or two lists of axes: [[…], […]]")
    if not all(type(i) is int for i in [*first, *second]):
        raise Undecided
    if not fits(tuple(a[i] for i in first), tuple(b[i] for i in second)):
        raise ShapeProblem(
            "tensordot needs equal sizes on the axes it sums", codes.SIZES_DO_NOT_FIT
        )
    drop_a, drop_b = {i % len(a) for i in first}, {i % len(b) for i in second}
    rest = [d for i, d in enumerate(a) if i not in drop_a]
    return (*rest, *(d for i, d in enumerate(b) if i not in drop_b))


def outer(call: OpCall) -> ShapeTree:
    a, b = call.values["x1"], call.values["x2"]
    a = a if isinstance(a, tuple) else (1,)
    b = b if isinstance(b, tuple) else (1,)
    return (size_of(a), size_of(b))


def take(call: OpCall) -> ShapeTree:
    s, indices = call.tensor(), call.get("indices")
    index = indices if isinstance(indices, tuple) else _constant_shape(indices)
    if call.get("axis") is None:
        return index
    at = axis(call.get("axis"), len(s), "take")
    return (*s[:at], *index, *s[at + 1 :])


def _constant_shape(value: Any) -> Shape:
    """numpy's shape of a constant (a nested list), as `np.array(indices).shape`."""
    out: list[int] = []
    while isinstance(value, list):
        out.append(len(value))
        value = value[0] if value else None
    return tuple(out)


def take_along_axis(call: OpCall) -> ShapeTree:
    s, indices = list(call.tensor()), call.tensor("indices")
    if call.get("axis") is None:
        s = [size_of(s)]
    if len(s) != len(indices):
        raise ShapeProblem(
            "take_along_axis needs x and indices of the same rank", codes.WRONG_RANK_OR_AXIS
        )
    at = 0 if call.get("axis") is None else axis(call.get("axis"), len(s), "take_along_axis")
    s[at] = indices[at]
    return broadcast("take_along_axis", tuple(s), indices)


# ---- several outputs -------------------------------------------------------------------------


def split(call: OpCall) -> ShapeTree:
    s = list(call.tensor())
    at, sections = axis(call.get("axis"), len(s), "split"), call.get("indices_or_sections")
    size = s[at]
    if type(sections) is int:
        if size is not None and size % sections:
            raise ShapeProblem(
                f"split cannot cut size {size} into {sections} equal parts", codes.SIZES_DO_NOT_FIT
            )
        part = None if size is None else size // sections
        return [(*s[:at], part, *s[at + 1 :]) for _ in range(sections)]
    bounds: list[int | None] = [0, *call.integers("indices_or_sections"), size]
    out: list[ShapeTree] = []
    for start, end in itertools.pairwise(bounds):
        part = None if start is None or end is None else end - start
        out.append((*s[:at], part, *s[at + 1 :]))
    return out


def unstack(call: OpCall) -> ShapeTree:
    s = call.tensor()
    at = axis(call.get("axis"), len(s), "unstack")
    count = s[at] if call.get("num") is None else call.integer("num")
    if count is None:
        raise ShapeProblem("unstack needs `num` where the axis's size is unknown")
    return [(*s[:at], *s[at + 1 :]) for _ in range(count)]


def top_k(call: OpCall) -> ShapeTree:
    s = call.tensor()
    out = (*s[:-1], call.integer("k"))
    return [out, out]


RULES: dict[str, OpRule] = {
    **dict.fromkeys(FAMILIES["elementwise"] + FAMILIES["activation"], same),
    **dict.fromkeys(FAMILIES["along_axis"], along_axis),
    **dict.fromkeys(FAMILIES["broadcast"], binary),
    **dict.fromkeys(FAMILIES["reduction"], reduction),
    **dict.fromkeys(("tril", "triu"), same),
    **dict.fromkeys(("cumsum", "cumprod"), op_rules.cumulative),
    "reshape": op_rules.reshape,
    "transpose": op_rules.transpose,
    "expand_dims": op_rules.expand_dims,
    "squeeze": op_rules.squeeze,
    "moveaxis": op_rules.moveaxis,
    "swapaxes": op_rules.swapaxes,
    "tile": op_rules.tile,
    "repeat": op_rules.repeat,
    "broadcast_to": op_rules.broadcast_to,
    "ravel": op_rules.ravel,
    "pad": op_rules.pad,
    "slice": op_rules.slice_,
    "glu": op_rules.glu,
    "one_hot": op_rules.one_hot,
    "concatenate": concatenate,
    "stack": stack,
    "where": where,
    "matmul": matmul,
    "dot": dot,
    "tensordot": tensordot,
    "outer": outer,
    "take": take,
    "take_along_axis": take_along_axis,
    "split": split,
    "unstack": unstack,
    "top_k": top_k,
}
"""Every allowed keras.ops function → its static shape rule."""


def op_shape(op: OpIR, given: list[Any]) -> ShapeTree:
    """The output shape of one op node, from its inputs' shapes (in order)."""
    return RULES[op.name](make_call(op, given))
