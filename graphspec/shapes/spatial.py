"""Static shape rules of convolution, pooling, padding, cropping and up-sampling layers."""

from __future__ import annotations

from graphspec.diagnostics import codes
from graphspec.shapes.core import (
    Call,
    Rule,
    ShapeProblem,
    ShapeTree,
    Undecided,
    channels_last,
    ints,
    join,
    need_rank,
    pairs,
    shape,
    split,
    windowed,
)

# ---- convolutions and pooling ----------------------------------------------------------------


def conv(rank: int, kind: str = "conv") -> Rule:
    """Conv, SeparableConv, DepthwiseConv and ConvTranspose of `rank` spatial axes."""
    names = ("rows", "cols", "depth")[:rank] if rank > 1 else ("steps",)

    def rule(call: Call) -> ShapeTree:
        s = shape(call.x)
        last = channels_last(call)
        what = ", ".join(["batch", *names, "channels"] if last else ["batch", "channels", *names])
        need_rank(call, s, rank + 2, what)
        spatial, channels = split(s, last)
        if channels is None:
            raise ShapeProblem(
                f"{call.layer} needs the size of its channels axis known", codes.SIZES_DO_NOT_FIT
            )
        kernel = ints(call.arg("kernel_size"), rank)
        strides = ints(call.arg("strides", 1), rank)
        dilation = ints(call.arg("dilation_rate", 1), rank)
        padding = str(call.arg("padding", "valid")).lower()
        if kind == "transpose":
            out = transposed(call, spatial, kernel, strides, dilation, padding)
        else:
            out = [
                windowed(call, n, k, st, padding, d)
                for n, k, st, d in zip(spatial, kernel, strides, dilation, strict=True)
            ]
        if kind == "depthwise":
            filters: int | None = channels * ints(call.arg("depth_multiplier", 1), 1)[0]
        else:
            filters = ints(call.arg("filters"), 1)[0]
        return join(s, out, filters, last)

    return rule


def transposed(
    call: Call,
    spatial: list[int | None],
    kernel: tuple[int, ...],
    strides: tuple[int, ...],
    dilation: tuple[int, ...],
    padding: str,
) -> list[int | None]:
    given = call.arg("output_padding")
    extra = [None] * len(spatial) if given is None else list(ints(given, len(spatial)))
    out: list[int | None] = []
    for n, k, st, d, op in zip(spatial, kernel, strides, dilation, extra, strict=True):
        k = (k - 1) * d + 1
        if n is None:
            out.append(None)
        elif padding == "valid":
            out.append((n - 1) * st + k + (max(k, st) - k if op is None else op))
        elif padding == "same":
            out.append(n * st if op is None else (n - 1) * st + k % 2 + op)
        else:
            raise Undecided
    return out


def pooling(rank: int) -> Rule:
    def rule(call: Call) -> ShapeTree:
        s = shape(call.x)
        last = channels_last(call)
        need_rank(call, s, rank + 2, "batch, spatial axes…, channels")
        spatial, channels = split(s, last)
        size = ints(call.arg("pool_size", 2), rank)
        given = call.arg("strides")
        strides = size if given is None else ints(given, rank)
        padding = str(call.arg("padding", "valid")).lower()
        out = [
            windowed(call, n, k, st, padding)
            for n, k, st in zip(spatial, size, strides, strict=True)
        ]
        return join(s, out, channels, last)

    return rule


def global_pooling(rank: int) -> Rule:
    def rule(call: Call) -> ShapeTree:
        s = shape(call.x)
        last = channels_last(call)
        need_rank(call, s, rank + 2, "batch, spatial axes…, channels")
        _, channels = split(s, last)
        if call.arg("keepdims", False):
            return join(s, [1] * rank, channels, last)
        return (s[0], channels)

    return rule


def resized(rank: int, op: str) -> Rule:
    """ZeroPadding (`pad`), Cropping (`crop`) and UpSampling (`up`) of `rank` spatial axes."""
    default = {"pad": 1, "crop": 0, "up": 2}[op]
    key = {"pad": "padding", "crop": "cropping", "up": "size"}[op]

    def rule(call: Call) -> ShapeTree:
        s = shape(call.x)
        last = True if rank == 1 else channels_last(call)
        need_rank(call, s, rank + 2, "batch, spatial axes…, channels")
        spatial, channels = split(s, last)
        value = call.arg(key, default)
        if op == "up":
            return join(
                s,
                [
                    n if n is None else n * f
                    for n, f in zip(spatial, ints(value, rank), strict=True)
                ],
                channels,
                last,
            )
        amounts = [a + b for a, b in pairs(value, rank)]
        sign = 1 if op == "pad" else -1
        out = [None if n is None else n + sign * a for n, a in zip(spatial, amounts, strict=True)]
        if any(n is not None and n <= 0 for n in out):
            raise ShapeProblem(f"{call.layer} would crop away the whole input", codes.EMPTY_OUTPUT)
        return join(s, out, channels, last)

    return rule
