"""The layer families a fuzzed spec draws from: each draws its arguments and says what it makes."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

Shape = tuple[int | None, ...]
"""A value's shape without the batch axis."""
Draw = Callable[..., Any]


@dataclass(frozen=True)
class Out:
    """What one layer call makes: its output shape and the weights it declares."""

    shape: Shape
    params: int = 0
    frozen: int = 0


Step = Callable[[Shape], Out | None]
"""A layer's effect on one input shape; None when the layer cannot take that shape."""


def known(s: Shape, rank: int | None = None, last: bool = True) -> bool:
    return (rank is None or len(s) == rank) and (not last or (bool(s) and s[-1] is not None))


def last_axis(s: Shape) -> int:
    """The last axis, known (callers checked it with `known`)."""
    assert s and s[-1] is not None
    return s[-1]


def _prod(s: Shape) -> int | None:
    dims = [d for d in s if d is not None]
    return math.prod(dims) if len(dims) == len(s) else None


def _conv_len(n: int | None, k: int, stride: int, padding: str) -> int | None:
    if n is None:
        return None
    out = -(-n // stride) if padding == "same" else (n - k) // stride + 1
    return out if out >= 1 and (padding == "same" or n >= k) else -1


def _spatial(s: Shape, rank: int, k: int, stride: int, padding: str) -> Shape | None:
    if len(s) != rank + 1:
        return None
    dims = tuple(_conv_len(d, k, stride, padding) for d in s[:-1])
    return None if -1 in dims else dims


def _dense(draw: Draw, s: Shape) -> tuple[dict[str, Any], Step] | None:
    units = draw(st.integers(1, 8))
    bias = draw(st.booleans())
    node: dict[str, Any] = {"layer": "Dense"} | (
        {"args": [units]} if draw(st.booleans()) else {"units": units}
    )
    if not bias:
        node["use_bias"] = False
    act = draw(st.sampled_from([None, "relu", "tanh", "softmax"]))
    if act is not None:
        node["activation"] = act

    def step(s: Shape) -> Out | None:
        if not known(s):
            return None
        return Out((*s[:-1], units), (last_axis(s) + bias) * units)

    return node, step


def _same(node: dict[str, Any], params: Callable[[int], tuple[int, int]] | None = None) -> Any:
    def step(s: Shape) -> Out | None:
        if params is None:
            return Out(s)
        if not known(s):
            return None
        total, frozen = params(last_axis(s))
        return Out(s, total, frozen)

    return node, step


def _dropout(draw: Draw, s: Shape) -> Any:
    node: dict[str, Any] = {"layer": "Dropout", "rate": draw(st.sampled_from([0.0, 0.1, 0.5]))}
    if draw(st.integers(0, 4)) == 0:
        node["call"] = {"training": False}
    return _same(node)


def _activation(draw: Draw, s: Shape) -> Any:
    act = draw(st.sampled_from(["relu", "tanh", "sigmoid", "softmax", "linear"]))
    return _same(
        {"layer": "Activation"} | ({"args": [act]} if draw(st.booleans()) else {"activation": act})
    )


def _batch_norm(draw: Draw, s: Shape) -> Any:
    return _same({"layer": "BatchNormalization"}, lambda c: (4 * c, 2 * c))


def _layer_norm(draw: Draw, s: Shape) -> Any:
    node = {"layer": "LayerNormalization"} | draw(st.sampled_from([{}, {"epsilon": 1.0e-5}]))
    return _same(node, lambda c: (2 * c, 0))


def _flatten(draw: Draw, s: Shape) -> Any:
    def step(s: Shape) -> Out | None:
        n = _prod(s)
        return Out((n,)) if len(s) >= 2 and n is not None else None

    return {"layer": "Flatten"}, step


def _reshape(draw: Draw, s: Shape) -> Any:
    total = _prod(s)
    if total is None:
        return None
    dims: list[int] = []
    rest = total
    for _ in range(draw(st.integers(0, 2))):
        d = draw(st.sampled_from([d for d in range(1, rest + 1) if rest % d == 0]))
        dims.append(d)
        rest //= d
    dims.append(rest)
    target = list(dims)
    if draw(st.booleans()):
        target[draw(st.integers(0, len(dims) - 1))] = -1

    def step(s: Shape) -> Out | None:
        return Out(tuple(dims)) if _prod(s) == total else None

    return {"layer": "Reshape", "target_shape": target}, step


def _conv(rank: int) -> Callable[[Draw, Shape], Any]:
    def rule(draw: Draw, s: Shape) -> Any:
        filters, k = draw(st.integers(1, 6)), draw(st.integers(1, 3))
        stride, padding = draw(st.integers(1, 2)), draw(st.sampled_from(["same", "valid"]))
        node: dict[str, Any] = {"layer": f"Conv{rank}D"}
        if draw(st.booleans()):
            node |= {"args": [filters, k]}
        else:
            node |= {"filters": filters, "kernel_size": k}
        node |= {"strides": stride, "padding": padding}
        if draw(st.booleans()):
            node["activation"] = "relu"

        def step(s: Shape) -> Out | None:
            dims = _spatial(s, rank, k, stride, padding)
            if dims is None or not known(s):
                return None
            return Out((*dims, filters), k**rank * last_axis(s) * filters + filters)

        return node, step

    return rule


def _pool(rank: int) -> Callable[[Draw, Shape], Any]:
    def rule(draw: Draw, s: Shape) -> Any:
        kind = draw(st.sampled_from(["Max", "Average"]))
        padding = draw(st.sampled_from(["same", "valid"]))
        node = {"layer": f"{kind}Pooling{rank}D", "pool_size": 2, "padding": padding}

        def step(s: Shape) -> Out | None:
            dims = _spatial(s, rank, 2, 2, padding)
            return None if dims is None else Out((*dims, s[-1]))

        return node, step

    return rule


def _global_pool(rank: int) -> Callable[[Draw, Shape], Any]:
    def rule(draw: Draw, s: Shape) -> Any:
        kind = draw(st.sampled_from(["Max", "Average"]))

        def step(s: Shape) -> Out | None:
            return Out((s[-1],)) if len(s) == rank + 1 else None

        return {"layer": f"Global{kind}Pooling{rank}D"}, step

    return rule


_GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}


def _rnn(draw: Draw, s: Shape) -> Any:
    kind = draw(st.sampled_from(sorted(_GATES)))
    units, seqs = draw(st.integers(1, 8)), draw(st.booleans())
    node = {"layer": kind, "units": units, "return_sequences": seqs}

    def step(s: Shape) -> Out | None:
        if not known(s, 2):
            return None
        f = last_axis(s)
        bias = 2 * units if kind == "GRU" else units  # GRU: reset_after, two biases
        params = _GATES[kind] * (units * (f + units) + bias)
        return Out((s[0], units) if seqs else (units,), params)

    return node, step


UNARY: dict[str, Callable[[Draw, Shape], Any]] = {
    "Dense": _dense,
    "Dropout": _dropout,
    "Activation": _activation,
    "BatchNormalization": _batch_norm,
    "LayerNormalization": _layer_norm,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Conv1D": _conv(1),
    "Conv2D": _conv(2),
    "Pooling1D": _pool(1),
    "Pooling2D": _pool(2),
    "GlobalPooling1D": _global_pool(1),
    "GlobalPooling2D": _global_pool(2),
    "RNN": _rnn,
}
"""Layers of one float input, by family: each draws its arguments and says what it makes."""
