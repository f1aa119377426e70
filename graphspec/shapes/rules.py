"""Static shape rules of Keras layers: class name → output shape (Keras's arithmetic, in Python)."""

from __future__ import annotations

from math import prod
from typing import Any

from graphspec.catalog import registry
from graphspec.diagnostics import Problem, codes
from graphspec.ir import LayerIR
from graphspec.shapes.app_rules import APPLICATION_LAYER_RULES
from graphspec.shapes.core import (
    Call,
    Rule,
    Shape,
    ShapeProblem,
    ShapeTree,
    Undecided,
    channels_last,
    ints,
    need_rank,
    shape,
)
from graphspec.shapes.spatial import conv, global_pooling, pooling, resized


def make_call(layer: LayerIR, inputs: Any, kwargs: dict[str, Any]) -> Call:
    """Name the positional constructor arguments and the call's inputs as Keras's signatures
    do (`inputs` is what the node passes: one value, a list, or keyword arguments)."""
    try:
        info = registry.layer(layer.class_name)
    except Problem:
        raise Undecided from None
    if info is None:
        raise Undecided
    args = dict(zip(info.positional, layer.args, strict=False)) | layer.kwargs
    primary = info.call[0] if info.call else "inputs"
    given = inputs if isinstance(inputs, dict) else {primary: inputs}
    return Call(layer.class_name, args, given, primary, kwargs)


def nested(call: Call, inputs: Any) -> tuple[Rule, Call]:
    """The rule and call of a wrapper's inner layer (`layer:` of Bidirectional, TimeDistributed)."""
    inner = call.args.get("layer")
    if not isinstance(inner, LayerIR) or inner.custom or inner.class_name not in RULES:
        raise Undecided
    return RULES[inner.class_name], make_call(inner, inputs, {})


# ---- shape-preserving family -----------------------------------------------------------------


def same(call: Call) -> ShapeTree:
    return shape(call.x)


def normalization(call: Call) -> ShapeTree:
    s = shape(call.x)
    axes = call.arg("axis", -1)
    for axis in axes if isinstance(axes, list | tuple) else [axes]:
        if type(axis) is not int:
            raise Undecided
        if not -len(s) <= axis < len(s):
            raise ShapeProblem(
                f"{call.layer}'s axis {axis} is outside its input's {len(s)} axes",
                codes.WRONG_RANK_OR_AXIS,
            )
    return s


# ---- dense, embedding, reshaping -------------------------------------------------------------


def dense(call: Call) -> ShapeTree:
    s = shape(call.x)
    need_rank(call, s, 2, "batch, …, features", at_least=True)
    if s[-1] is None:
        raise ShapeProblem(
            "Dense needs the size of its input's last axis known", codes.SIZES_DO_NOT_FIT
        )
    return (*s[:-1], ints(call.arg("units"), 1)[0])


def embedding(call: Call) -> ShapeTree:
    return (*shape(call.x), ints(call.arg("output_dim"), 1)[0])


def flatten(call: Call) -> ShapeTree:
    s = shape(call.x)
    rest = s[1:]
    return (s[0], None if None in rest else prod(d for d in rest if d is not None))


def reshape(call: Call) -> ShapeTree:
    s = shape(call.x)
    target = call.arg("target_shape")
    if not isinstance(target, list | tuple) or not all(type(d) is int for d in target):
        raise Undecided
    if list(target).count(-1) > 1:
        raise Undecided
    if None in s[1:]:
        return (s[0], *(None if d == -1 else d for d in target))
    size = prod(d for d in s[1:] if d is not None)
    known = prod(d for d in target if d != -1)
    if -1 in target:
        if known == 0 or size % known:
            raise ShapeProblem(
                f"Reshape cannot fill {tuple(target)} with the input's {size} values",
                codes.SIZES_DO_NOT_FIT,
            )
        return (s[0], *(size // known if d == -1 else d for d in target))
    if known != size:
        raise ShapeProblem(
            f"Reshape to {tuple(target)} needs {known} values per sample, not {size}",
            codes.SIZES_DO_NOT_FIT,
        )
    return (s[0], *target)


def repeat_vector(call: Call) -> ShapeTree:
    s = shape(call.x)
    need_rank(call, s, 2, "batch, features")
    return (s[0], ints(call.arg("n"), 1)[0], s[1])


def permute(call: Call) -> ShapeTree:
    s = shape(call.x)
    dims = call.arg("dims")
    if not isinstance(dims, list | tuple) or sorted(dims) != list(range(1, len(s))):
        raise Undecided
    return (s[0], *(s[d] for d in dims))


# ---- merging ---------------------------------------------------------------------------------


def shapes_of(call: Call, exactly: int | None = None) -> list[Shape]:
    value = call.x
    if not isinstance(value, list) or not value:
        raise Undecided
    if exactly is not None and len(value) != exactly:
        raise ShapeProblem(
            f"{call.layer} needs exactly {exactly} inputs", codes.INPUTS_DO_NOT_MATCH
        )
    return [shape(v) for v in value]


def broadcast(call: Call, a: Shape, b: Shape) -> Shape:
    """Keras's `_compute_elemwise_op_output_shape` (the batch axis excluded)."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return a
    out = list(a[: len(a) - len(b)])
    for i, j in zip(a[len(a) - len(b) :], b, strict=True):
        if i is None or j is None:
            out.append(None)
        elif i == 1 or j == 1:
            out.append(j if i == 1 else i)
        elif i != j:
            raise ShapeProblem(
                f"{call.layer} needs inputs of the same shape", codes.INPUTS_DO_NOT_MATCH
            )
        else:
            out.append(i)
    return tuple(out)


def batch(call: Call, shapes: list[Shape]) -> int | None:
    sizes = {s[0] for s in shapes} - {None}
    if len(sizes) > 1:
        raise ShapeProblem(
            f"{call.layer} needs inputs of the same batch size", codes.INPUTS_DO_NOT_MATCH
        )
    return next(iter(sizes), None)


def elementwise(exactly: int | None = None) -> Rule:
    def rule(call: Call) -> ShapeTree:
        shapes = shapes_of(call, exactly)
        out = shapes[0][1:]
        for s in shapes[1:]:
            out = broadcast(call, out, s[1:])
        return (batch(call, shapes), *out)

    return rule


def concatenate(call: Call) -> ShapeTree:
    shapes = shapes_of(call)
    rank = len(shapes[0])
    axis = call.arg("axis", -1)
    if type(axis) is not int:
        raise Undecided
    if -rank <= axis < rank and axis % rank == 0:
        raise Undecided
    if any(len(s) != rank for s in shapes) or not -rank <= axis < rank:
        raise ShapeProblem(
            f"Concatenate needs inputs of the same rank, matching except on axis {axis}",
            codes.INPUTS_DO_NOT_MATCH,
        )
    axis %= rank
    out: list[int | None] = []
    for i, dims in enumerate(zip(*shapes, strict=True)):
        known = {d for d in dims if d is not None}
        if i == axis:
            out.append(None if None in dims else sum(d for d in dims if d is not None))
        elif len(known) > 1:
            raise ShapeProblem(
                f"Concatenate needs inputs of the same shape except on axis {call.arg('axis', -1)}",
                codes.INPUTS_DO_NOT_MATCH,
            )
        else:
            out.append(dims[0])  # Keras keeps the first input's size, even None
    return tuple(out)


def dot(call: Call) -> ShapeTree:
    a, b = (list(s) for s in shapes_of(call, 2))
    axes = call.arg("axes")
    if type(axes) is int:
        pair = [axes % len(a), axes % len(b)] if axes < 0 else [axes, axes]
    else:
        pair = list(ints(axes, 2))
    try:
        x, y = a[pair[0]], b[pair[1]]
    except IndexError:
        raise ShapeProblem(
            f"Dot's axes {axes} are outside its inputs' axes", codes.WRONG_RANK_OR_AXIS
        ) from None
    if x is not None and y is not None and x != y:
        raise ShapeProblem(f"Dot needs equal sizes on axes {axes}", codes.SIZES_DO_NOT_FIT)
    a.pop(pair[0])
    b.pop(pair[1])
    out = a + b[1:]
    return tuple([*out, 1] if len(out) == 1 else out)


# ---- recurrent, wrappers, attention ----------------------------------------------------------

STATES = {"LSTM": 2, "GRU": 1, "SimpleRNN": 1}
"""How many state tensors each recurrent layer returns with `return_state`."""


def rnn(call: Call) -> ShapeTree:
    s = shape(call.x)
    need_rank(call, s, 3, "batch, timesteps, features")
    units = ints(call.arg("units"), 1)[0]
    out = (s[0], s[1], units) if call.arg("return_sequences", False) else (s[0], units)
    if call.arg("return_state", False):
        return [out, *[(s[0], units)] * STATES[call.layer]]
    return out


def bidirectional(call: Call) -> ShapeTree:
    """Keras's Bidirectional.compute_output_shape: from the forward layer alone."""
    rule, inner = nested(call, call.x)
    if inner.layer not in STATES:
        raise Undecided
    forward = rule(inner)
    states: list[ShapeTree] = forward[1:] if isinstance(forward, list) else []
    out = shape(forward[0] if isinstance(forward, list) else forward)
    mode = call.arg("merge_mode", "concat")
    if mode == "concat":
        out = (*out[:-1], None if out[-1] is None else out[-1] * 2)
    elif mode is None:
        return [out, out, *states, *states]
    elif mode not in ("sum", "mul", "ave"):
        raise Undecided
    return [out, *states, *states] if states else out


def time_distributed(call: Call) -> ShapeTree:
    s = shape(call.x)
    need_rank(call, s, 3, "batch, timesteps, …", at_least=True)
    rule, inner = nested(call, (s[0], *s[2:]))
    out = shape(rule(inner))
    return (out[0], s[1], *out[1:])


def attention(call: Call) -> ShapeTree:
    """MultiHeadAttention's compute_output_spec."""
    query, value = shape(call.inputs.get("query")), shape(call.inputs.get("value"))
    key = call.inputs.get("key")
    if key is not None and value[1:-1] != shape(key)[1:-1]:
        raise ShapeProblem(
            "MultiHeadAttention needs value and key equal on every axis but the last",
            codes.SIZES_DO_NOT_FIT,
        )
    size = call.arg("output_shape")
    out = (
        query if size is None else (*query[:-1], *ints(size, 1 if type(size) is int else len(size)))
    )
    if call.kwargs.get("return_attention_scores"):
        heads = ints(call.arg("num_heads"), 1)[0]
        return [out, (query[0], heads, query[1], query[1])]
    return out


def dot_attention(call: Call) -> ShapeTree:
    """Attention's and AdditiveAttention's compute_output_shape: [query, value(, key)]."""
    given = call.x
    if not isinstance(given, list) or len(given) not in (2, 3):
        received = len(given) if isinstance(given, list) else 1
        raise ShapeProblem(
            f"{call.layer} needs inputs [query, value] or [query, value, key]; "
            f"received {received} input{'s' if received != 1 else ''}",
            codes.INPUTS_DO_NOT_MATCH,
        )
    query, value = shape(given[0]), shape(given[1])
    out = (*query[:-1], value[-1])
    if call.kwargs.get("return_attention_scores"):
        return [out, (*query[:-1], value[-2])]
    return out


def image_size(call: Call) -> ShapeTree:
    """Resizing and CenterCrop: the spatial axes become `height` by `width`."""
    s = shape(call.x)
    size = (ints(call.arg("height"), 1)[0], ints(call.arg("width"), 1)[0])
    if len(s) not in (3, 4):
        raise ShapeProblem(
            f"{call.layer} needs an image or a batch of images", codes.WRONG_RANK_OR_AXIS
        )
    if channels_last(call):
        return (*s[:-3], *size, s[-1])
    return (*s[:-2], *size)


def _family(names: str, rule: Rule) -> dict[str, Rule]:
    return dict.fromkeys(names.split(), rule)


RULES: dict[str, Rule] = {
    **_family(
        "Activation ActivityRegularization AlphaDropout Dropout ELU GaussianDropout "
        "GaussianNoise Identity LeakyReLU Masking Normalization PReLU ReLU Rescaling Softmax "
        "SpatialDropout1D SpatialDropout2D SpatialDropout3D UnitNormalization",
        same,
    ),
    **_family(
        "BatchNormalization LayerNormalization GroupNormalization RMSNormalization", normalization
    ),
    "Dense": dense,
    "Embedding": embedding,
    "Flatten": flatten,
    "Reshape": reshape,
    "RepeatVector": repeat_vector,
    "Permute": permute,
    **{f"{prefix}{n}D": conv(n) for n in (1, 2, 3) for prefix in ("Conv", "Convolution")},
    **{f"{p}{n}D": conv(n) for n in (1, 2) for p in ("SeparableConv", "SeparableConvolution")},
    **{f"DepthwiseConv{n}D": conv(n, "depthwise") for n in (1, 2)},
    **{
        f"{p}{n}DTranspose": conv(n, "transpose")
        for n in (1, 2, 3)
        for p in ("Conv", "Convolution")
    },
    **{
        f"{p}{n}D": pooling(n)
        for n in (1, 2, 3)
        for p in ("MaxPooling", "AveragePooling", "MaxPool", "AvgPool")
    },
    **{
        f"Global{p}{n}D": global_pooling(n)
        for n in (1, 2, 3)
        for p in ("MaxPooling", "AveragePooling", "MaxPool", "AvgPool")
    },
    **{f"ZeroPadding{n}D": resized(n, "pad") for n in (1, 2, 3)},
    **{f"Cropping{n}D": resized(n, "crop") for n in (1, 2, 3)},
    **{f"UpSampling{n}D": resized(n, "up") for n in (1, 2, 3)},
    **_family("Add Multiply Average Maximum Minimum", elementwise()),
    "Subtract": elementwise(2),
    "Concatenate": concatenate,
    "Dot": dot,
    **_family("LSTM GRU SimpleRNN", rnn),
    "Bidirectional": bidirectional,
    "TimeDistributed": time_distributed,
    "MultiHeadAttention": attention,
    **_family("Attention AdditiveAttention", dot_attention),
    **_family("Resizing CenterCrop", image_size),
    **APPLICATION_LAYER_RULES,
}
"""Keras layer class name → its static shape rule."""
