"""The oracle's parameter counts and function check: randomised weights copied, predictions compared."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import keras
import numpy as np

from tests.oracle.graph import (
    Graph,
    Ref,
    bound_arguments,
    canonical_graph,
    flat_tensors,
    is_graph_model,
    producer,
)
from tests.oracle.structure import operation_weights, skippable_outputs, weight_specs

# --------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------


class ParamCounts(NamedTuple):
    total: int
    trainable: int
    non_trainable: int


def _count(weights: Iterable[Any]) -> int:
    return int(sum(int(np.prod(w.shape)) for w in weights))


def param_counts(model: Any) -> ParamCounts:
    """Total, trainable and non-trainable parameters (shared weights counted once)."""
    trainable, frozen = _count(model.trainable_weights), _count(model.non_trainable_weights)
    return ParamCounts(trainable + frozen, trainable, frozen)


def param_differences(actual: Any, expected: Any) -> list[str]:
    a, e = param_counts(actual), param_counts(expected)
    found = [
        f"{kind} parameters: expected {want:,}, actual {got:,}"
        for kind, got, want in zip(ParamCounts._fields, a, e, strict=True)
        if got != want
    ]
    return found


# --------------------------------------------------------------------------------------
# Function
# --------------------------------------------------------------------------------------

POSITIVE = {"gamma", "moving_variance", "variance"}  # scales: U(0.5, 1.5)
CENTRED = {"beta", "moving_mean", "mean", "bias"}  # offsets: U(-0.2, 0.2)


def randomise_weights(model: Any, seed: int = 0) -> None:
    """Give every floating-point weight a fresh random value (shared weights once).

    Scales (BatchNormalization / LayerNormalization gamma, moving variances) are drawn from
    U(0.5, 1.5), offsets (biases, betas, moving means) from U(-0.2, 0.2), everything else
    (kernels, embeddings, ...) from U(-a, a) with the variance the weight had (a = sqrt(3)
    times its standard deviation; 0.05 if it was constant), so that deep models neither
    explode nor vanish. Uniform float32 draws keep VGG16's 138M parameters quick.
    """
    rng = np.random.default_rng(seed)
    for w in model.weights:
        try:
            dtype = np.dtype(str(w.dtype))
        except TypeError:
            continue
        if not np.issubdtype(dtype, np.floating):
            continue
        leaf = w.name.split("/")[-1]
        if leaf in POSITIVE:
            low, width = 0.5, 1.0
        elif leaf in CENTRED:
            low, width = -0.2, 0.4
        else:
            half = 3**0.5 * (float(keras.ops.std(keras.ops.cast(w, "float32"))) or 0.05)
            low, width = -half, 2 * half
        value = rng.random(tuple(w.shape), dtype=np.float32)
        value *= np.float32(width)
        value += np.float32(low)
        w.assign(value.astype(dtype, copy=False))


def weighted_layers(model: Any) -> list[tuple[str, Any]]:
    """``(canonical path, layer)`` of every layer with weights, nested models opened."""
    found = []
    for i, layer in enumerate(canonical_graph(model).layers):
        if is_graph_model(layer):
            found += [(f"layer #{i} > {path}", sub) for path, sub in weighted_layers(layer)]
        elif operation_weights(layer):
            found.append((f"layer #{i}", layer))
    return found


def copy_weights(source: Any, target: Any) -> list[str]:
    """Copy ``source``'s weights onto ``target``, layer by layer in canonical order.

    Layers are paired by position among the weighted layers (so an extra naming Identity
    does not shift them); a pair must have the same class and weight names and shapes.
    Returns the differences that stopped the copy (empty: every weight of ``target`` set).
    """
    ours, theirs = weighted_layers(target), weighted_layers(source)
    if len(ours) != len(theirs):
        return [f"weighted layers: expected {len(theirs)}, actual {len(ours)}"]
    for (path, a), (_, e) in zip(ours, theirs, strict=True):
        if type(a) is not type(e) or weight_specs(a) != weight_specs(e):
            return [
                f"weighted {path}: actual {type(a).__name__} '{a.name}' {weight_specs(a)}, "
                f"expected {type(e).__name__} '{e.name}' {weight_specs(e)}"
            ]
    assigned = set()
    for (_, a), (_, e) in zip(ours, theirs, strict=True):
        for wa, we in zip(operation_weights(a), operation_weights(e), strict=True):
            wa.assign(we.value)  # backend to backend: no copy through numpy
            assigned.add(id(wa))
    missing = [w.path for w in target.weights if id(w) not in assigned]
    return [f"weights not reached by the canonical walk: {missing}"] if missing else []


def _int_bound(graph: Graph, ref: Ref, default: int) -> int:
    """Integer inputs stay below what the layers reading them accept."""
    bounds = []
    for call in graph.calls:
        if ref in [r for _, v in call.arguments for r in _refs(v)]:
            layer = call.operation
            if isinstance(layer, keras.layers.Embedding):
                bounds.append(int(layer.input_dim))
            elif isinstance(layer, keras.layers.CategoryEncoding):
                bounds.append(int(layer.num_tokens))
    return min(bounds, default=default)


def _refs(value: Any) -> list[Ref]:
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, dict):
        return [r for v in value.values() for r in _refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    return []


def sample_inputs(
    model: Any,
    *,
    seed: int = 1,
    batch: int = 2,
    free_dim: int | Mapping[str, int] = 8,
    int_high: int = 10,
) -> list[np.ndarray]:
    """One deterministic random batch for ``model.inputs``, in input order.

    Unknown dimensions become ``free_dim`` (per input name when a mapping; 8 for a name it
    does not have). A fixed batch size is kept, else ``batch`` is used. Floats are
    drawn from U(-1, 1); integers from [0, bound) (see ``_int_bound``); booleans 0/1.
    """
    rng, graph = np.random.default_rng(seed), canonical_graph(model)
    batch_data = []
    for tensor, ref in zip(model.inputs, graph.inputs, strict=True):
        free = free_dim.get(tensor.name, 8) if isinstance(free_dim, Mapping) else free_dim
        dims = [batch if tensor.shape[0] is None else int(tensor.shape[0])]
        dims += [free if d is None else int(d) for d in tensor.shape[1:]]
        dtype = np.dtype(str(tensor.dtype))
        if np.issubdtype(dtype, np.floating):
            value = rng.uniform(-1.0, 1.0, dims)
        elif np.issubdtype(dtype, np.integer):
            value = rng.integers(0, _int_bound(graph, ref, int_high), dims)
        elif dtype == np.bool_:
            value = rng.integers(0, 2, dims)
        else:
            raise TypeError(f"no random data for input '{tensor.name}' of dtype {dtype}")
        batch_data.append(np.asarray(value).astype(dtype))
    return batch_data


def probes(model: Any, skip_outputs: Iterable[int] = ()) -> list[tuple[str, Any]]:
    """The tensors compared: each output, then the tensors its producing call reads
    (the features a classifier head sees; through naming Identities in ``skip_outputs``)."""
    graph = canonical_graph(model, skip_outputs=skip_outputs)
    found = [(f"output '{n}'", t) for n, t in zip(model.output_names, model.outputs, strict=True)]
    seen = {id(t) for _, t in found}
    for name, ref in zip(model.output_names, graph.outputs, strict=True):
        call = graph.calls[ref.call]
        for tensor in flat_tensors([v for _, v in bound_arguments(call.node)]):
            operation = producer(tensor)[0]
            if id(tensor) not in seen and not isinstance(operation, keras.layers.InputLayer):
                seen.add(id(tensor))
                found.append((f"an input of the {call.kind} that makes output '{name}'", tensor))
    return found


def _evaluate(model: Any, tensors: list[Any], data: list[np.ndarray]) -> list[np.ndarray]:
    probe = keras.Model(model.inputs, tensors)
    return [np.asarray(y) for y in keras.tree.flatten(probe(data, training=False))]


def mismatch(
    label: str, got: np.ndarray, want: np.ndarray, rtol: float, atol_scale: float
) -> str | None:
    if got.shape != want.shape:
        return f"{label}: shape: expected {want.shape}, actual {got.shape}"
    if not np.all(np.isfinite(want)):
        return f"{label}: the expected model gives non-finite values; nothing is proven"
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    if scale == 0.0:
        return f"{label}: the expected model gives only zeros; nothing is proven"
    error = np.abs(got.astype(np.float64) - want)
    allowed = rtol * np.abs(want) + atol_scale * scale
    if np.all(error <= allowed):
        return None
    worst = np.unravel_index(int(np.argmax(error - allowed)), error.shape)
    return (
        f"{label}: {int(np.sum(error > allowed))} of {error.size} values differ beyond "
        f"rtol={rtol:g}, atol={atol_scale:g}*max|expected|={atol_scale * scale:.3g}; worst at "
        f"{tuple(int(i) for i in worst)}: expected {want[worst]:.6g}, actual {got[worst]:.6g}"
    )


def function_differences(
    actual: Any,
    expected: Any,
    *,
    seed: int = 0,
    batch: int = 2,
    free_dim: int | Mapping[str, int] = 8,
    rtol: float = 1e-4,
    atol_scale: float = 1e-5,
) -> list[str]:
    """Randomise ``expected``, copy its weights onto ``actual``, compare predictions.

    Both models are called (``training=False``) on ``sample_inputs(expected, ...)``; the
    outputs and the tensors feeding each output's call (``probes``) must agree elementwise
    within ``rtol * |expected| + atol_scale * max|expected|``.
    """
    randomise_weights(expected, seed)
    found = copy_weights(expected, actual)
    if found:
        return found
    data = sample_inputs(expected, seed=seed + 1, batch=batch, free_dim=free_dim)
    ours = probes(actual, skippable_outputs(actual, expected))
    theirs = probes(expected)
    if len(ours) != len(theirs):
        found.append(f"compared tensors: expected {len(theirs)}, actual {len(ours)}")
        ours, theirs = ours[: len(actual.outputs)], theirs[: len(expected.outputs)]
    got = _evaluate(actual, [t for _, t in ours], data)
    want = _evaluate(expected, [t for _, t in theirs], data)
    for (label, _), g, w in zip(theirs, got, want, strict=False):
        message = mismatch(label, g, w, rtol, atol_scale)
        found += [message] if message else []
    return found
