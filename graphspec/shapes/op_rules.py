"""Static shapes of the keras.ops functions that give one input a new shape."""

from __future__ import annotations

from math import prod
from typing import Any

from graphspec.diagnostics import codes
from graphspec.shapes.core import Shape, ShapeProblem, ShapeTree, Undecided
from graphspec.shapes.ops import OpCall, axes, axis, broadcast


def size_of(dims: Any) -> int | None:
    """The number of values in `dims`, None when one is unknown."""
    return None if None in dims else prod(dims)


def fits(a: Shape, b: Shape, skip: tuple[int, ...] = ()) -> bool:
    """Keras's `shape_equal(..., allow_none=True)`: equal except on `skip`, None fits all."""
    if len(a) != len(b):
        return False
    return all(
        i in skip or x is None or y is None or x == y
        for i, (x, y) in enumerate(zip(a, b, strict=True))
    )


# ---- one input, a new shape ------------------------------------------------------------------


def reshape(call: OpCall) -> ShapeTree:
    """compute_reshape_output_shape (no special batch axis: -1 is inferred over all)."""
    s, target = call.tensor(), call.integers("newshape")
    if any(d < -1 for d in target) or target.count(-1) > 1:
        raise ShapeProblem("reshape's newshape has sizes ≥ 0 and at most one -1")
    if None in s:
        return tuple(None if d == -1 else d for d in target)
    size, known = prod(d for d in s if d is not None), prod(d for d in target if d != -1)
    if -1 not in target and size != known:
        raise ShapeProblem(
            f"reshape cannot make {tuple(target)} of {size} values", codes.SIZES_DO_NOT_FIT
        )
    if -1 in target and (known == 0 or size % known):
        raise ShapeProblem(
            f"reshape cannot fill {tuple(target)} with {size} values", codes.SIZES_DO_NOT_FIT
        )
    return tuple(size // known if d == -1 else d for d in target)


def transpose(call: OpCall) -> ShapeTree:
    s = call.tensor()
    if call.get("axes") is None:
        return tuple(reversed(s))
    order = call.integers("axes")
    if len(order) != len(s) or sorted(axes(order, len(s), "transpose")) != list(range(len(s))):
        raise ShapeProblem(f"transpose's axes must be a permutation of the input's {len(s)} axes")
    return tuple(s[a] for a in axes(order, len(s), "transpose"))


def expand_dims(call: OpCall) -> ShapeTree:
    s, new = call.tensor(), call.integers("axis")
    rank = len(s) + len(new)
    at = axes(new, rank, "expand_dims")
    rest = iter(s)
    return tuple(1 if i in at else next(rest) for i in range(rank))


def squeeze(call: OpCall) -> ShapeTree:
    s = call.tensor()
    if call.get("axis") is None:
        return tuple(d for d in s if d != 1)
    at = axes(call.integers("axis"), len(s), "squeeze")
    if any(s[a] != 1 for a in at):
        raise ShapeProblem("squeeze's axis must have size 1", codes.SIZES_DO_NOT_FIT)
    return tuple(d for i, d in enumerate(s) if i not in at)


def moveaxis(call: OpCall) -> ShapeTree:
    s = call.tensor()
    source = axes(call.integers("source"), len(s), "moveaxis")
    destination = axes(call.integers("destination"), len(s), "moveaxis")
    if len(source) != len(destination):
        raise Undecided
    out: list[Any] = [-1] * len(s)
    for a, b in zip(source, destination, strict=True):
        out[b] = s[a]
    rest = iter(d for i, d in enumerate(s) if i not in source)
    return tuple(next(rest) if d == -1 else d for d in out)


def swapaxes(call: OpCall) -> ShapeTree:
    s = list(call.tensor())
    a, b = axis(call.get("axis1"), len(s), "swapaxes"), axis(call.get("axis2"), len(s), "swapaxes")
    s[a], s[b] = s[b], s[a]
    return tuple(s)


def tile(call: OpCall) -> ShapeTree:
    s, given = call.tensor(), call.integers("repeats")
    repeats = [1] * (len(s) - len(given)) + given
    dims = [1] * (len(repeats) - len(s)) + list(s)
    return tuple(None if d is None else d * r for d, r in zip(dims, repeats, strict=True))


def repeat(call: OpCall) -> ShapeTree:
    s, repeats = list(call.tensor()), call.integers("repeats")
    if call.get("axis") is None:
        return (_repeated(repeats, size_of(s)),)
    at = axis(call.get("axis"), len(s), "repeat")
    s[at] = _repeated(repeats, s[at])
    return tuple(s)


def _repeated(repeats: list[int], size: int | None) -> int | None:
    """A size after `repeat`: each value `repeats[0]` times, or value i `repeats[i]` times."""
    if size is None:
        return None
    if len(repeats) == 1:
        return size * repeats[0]
    if len(repeats) != size:
        raise ShapeProblem(
            f"repeat's {len(repeats)} repeats do not match the size {size}", codes.SIZES_DO_NOT_FIT
        )
    return sum(repeats)


def broadcast_to(call: OpCall) -> ShapeTree:
    target = tuple(call.integers("shape"))
    broadcast("broadcast_to", call.tensor(), target)
    return target


def ravel(call: OpCall) -> ShapeTree:
    return (size_of(call.tensor()),)


def pad(call: OpCall) -> ShapeTree:
    s, width = call.tensor(), call.get("pad_width")
    if type(width) is int:
        pairs = [(width, width)] * len(s)
    elif isinstance(width, list) and width and all(type(w) is int for w in width):
        pairs = [tuple(width)] * len(s)
    elif isinstance(width, list) and all(isinstance(w, list) and len(w) in (1, 2) for w in width):
        pairs = [(w[0], w[-1]) for w in width]
        pairs = pairs * len(s) if len(pairs) == 1 else pairs
    else:
        raise Undecided
    if len(pairs) != len(s) or not all(len(p) == 2 for p in pairs):
        raise ShapeProblem(f"pad's pad_width needs one pair per axis of the input ({len(s)})")
    return tuple(None if d is None else d + a + b for d, (a, b) in zip(s, pairs, strict=True))


def slice_(call: OpCall) -> ShapeTree:
    s, size = call.tensor("inputs"), call.integers("shape")
    start = call.get("start_indices")
    if len(size) != len(s) or (isinstance(start, list) and len(start) != len(s)):
        raise ShapeProblem(f"slice needs start_indices and shape for each of the {len(s)} axes")
    out: list[int | None] = []
    for i, (d, k) in enumerate(zip(s, size, strict=True)):
        if k != -1:
            out.append(k)
        elif d is None or not isinstance(start, list) or type(start[i]) is not int:
            out.append(None)
        else:
            out.append(d - start[i])
    return tuple(out)


def cumulative(call: OpCall) -> ShapeTree:
    s = call.tensor()
    if call.get("axis") is None:
        return (size_of(s),)
    axis(call.get("axis"), len(s), call.name)
    return s


def glu(call: OpCall) -> ShapeTree:
    s = list(call.tensor())
    at = call.integer("axis")
    size = s[at]
    if size is not None and size % 2:
        raise ShapeProblem(f"glu halves axis {at}: its size {size} is odd", codes.SIZES_DO_NOT_FIT)
    s[at] = None if size is None else size // 2
    return tuple(s)


def one_hot(call: OpCall) -> ShapeTree:
    s, at, classes = list(call.tensor()), call.integer("axis"), call.integer("num_classes")
    if at == -1:
        return (*s, classes)
    if not 0 <= at < len(s):
        raise ShapeProblem(f"one_hot's axis must be -1 or in [0, {len(s)})")
    return (*s[:at], classes, *s[at:])
