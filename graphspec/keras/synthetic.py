"""`fit --synthetic N`: N random examples of the shapes and dtypes the model takes and gives,
integers inside its Embeddings' ranges, targets of the kind each output's loss wants."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from graphspec.keras import compat
from graphspec.keras.data import Arrays, DataError
from graphspec.keras.signature import Signature, Target, Tensor

DEFAULT_LENGTH = 32
"""The size of an unknown (null) input dimension, unless the model cannot take it…"""
MAX_LENGTH = 4096
"""…then the smallest power of two up to this that it takes."""
UNBOUNDED_INTEGERS = 2
"""Integer inputs that feed no Embedding hold 0 and 1."""

Rng = np.random.Generator


def lengths(model: Any, sig: Signature, length: int | None) -> tuple[int | None, tuple[Any, ...]]:
    """The length for unknown dimensions (None when every input's shape is known) and the
    output shapes the model gives then, from Keras's symbolic shape inference (no data)."""
    unknown = any(d is None for t in sig.inputs for d in t.shape)
    if not unknown:
        return None, _outputs(model, sig, 1)
    candidates = [length] if length else _powers(DEFAULT_LENGTH, MAX_LENGTH)
    last: Exception | None = None
    for n in candidates:
        try:
            return n, _outputs(model, sig, n)
        except (ValueError, TypeError) as e:  # Keras: "output size would be zero or negative"
            last = e
    if length:
        raise DataError(f"--length {length}: the model cannot take it: {_first_line(last)}")
    raise DataError(
        f"--synthetic: no length from {DEFAULT_LENGTH} to {MAX_LENGTH} for the unknown (null) "
        f"dimensions fits the model ({_first_line(last)}); give one with --length N"
    )


def _powers(low: int, high: int) -> list[int]:
    found = []
    while low <= high:
        found.append(low)
        low *= 2
    return found


def _first_line(e: BaseException | None) -> str:
    return str(e).strip().splitlines()[0] if e is not None and str(e).strip() else "no reason"


def _outputs(model: Any, sig: Signature, length: int) -> tuple[Any, ...]:
    """Every output's shape without the batch axis, for inputs whose unknown sizes are `length`."""
    keras = compat.keras()
    spec = [
        keras.KerasTensor((1, *(length if d is None else d for d in t.shape)), dtype=t.dtype)
        for t in sig.inputs
    ]
    out = model.compute_output_spec(spec[0] if len(spec) == 1 else spec)
    outs = out if isinstance(out, list | tuple) else [out]
    return tuple(tuple(o.shape[1:]) for o in outs)


def synthetic(model: Any, sig: Signature, rows: int, seed: int, length: int | None) -> Arrays:
    """`rows` random examples for every input and every output with a loss; the same seed
    gives the same arrays."""
    rng = np.random.default_rng(seed)
    size, shapes = lengths(model, sig, length)
    x = {}
    for t in sig.inputs:
        shape = (rows, *(d if d is not None else size or 1 for d in t.shape))
        bound = sig.bounds.get(t.name, (UNBOUNDED_INTEGERS, ""))[0]
        x[t.name] = input_array(rng, t, shape, bound)
    y = {}
    for target, shape in zip(sig.targets, shapes, strict=True):
        if target.kind != "none":
            y[target.name] = target_array(rng, target, (rows, *shape))
    return Arrays(x, y, rows)


def input_array(rng: Rng, t: Tensor, shape: tuple[int, ...], bound: int) -> Any:
    """Integers in [0, bound), booleans, strings of words, or floats in [0, 1)."""
    if t.dtype == "string":
        words = rng.integers(0, 100, shape)
        return np.char.add("w", words.astype(str))
    if t.dtype == "bool":
        return rng.random(shape) < 0.5
    if t.dtype.startswith(("int", "uint")):
        return rng.integers(0, bound, shape).astype(t.dtype)
    if t.dtype.startswith("complex"):
        return (rng.random(shape) + 1j * rng.random(shape)).astype(t.dtype)
    numpy_dtype = t.dtype if t.dtype in ("float16", "float32", "float64") else "float32"
    return rng.random(shape, dtype="float64").astype(numpy_dtype)


def _sparse(rng: Rng, t: Target, shape: tuple[int, ...]) -> Any:
    return rng.integers(0, _classes(t, shape), shape[:-1]).astype("int32")


def _categorical(rng: Rng, t: Target, shape: tuple[int, ...]) -> Any:
    classes = _classes(t, shape)
    return np.eye(classes, dtype="float32")[rng.integers(0, classes, shape[:-1])]


def _distribution(rng: Rng, t: Target, shape: tuple[int, ...]) -> Any:
    p = rng.random(shape) + 1e-3
    return (p / p.sum(axis=-1, keepdims=True)).astype("float32")


def _unsupported(rng: Rng, t: Target, shape: tuple[int, ...]) -> Any:
    raise DataError(
        f"--synthetic cannot make targets for output '{t.name}' (loss {t.loss}): give --data"
    )


def _classes(t: Target, shape: tuple[int, ...]) -> int:
    if not shape[1:]:
        raise DataError(f"--synthetic: output '{t.name}' has no class axis for loss {t.loss}")
    return int(shape[-1])


TARGETS: dict[str, Callable[[Rng, Target, tuple[int, ...]], Any]] = {
    "sparse": _sparse,
    "categorical": _categorical,
    "binary": lambda rng, t, shape: rng.integers(0, 2, shape).astype("float32"),
    "distribution": _distribution,
    "regression": lambda rng, t, shape: rng.random(shape).astype("float32"),
    "unsupported": _unsupported,
}
"""Targets by the kind of loss: class numbers below the output's size, one-hot rows, 0/1,
probability rows, or floats in [0, 1)."""


def target_array(rng: Rng, t: Target, shape: tuple[int, ...]) -> Any:
    return TARGETS[t.kind](rng, t, shape)
