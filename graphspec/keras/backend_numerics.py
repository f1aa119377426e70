"""What Keras computes differently on some backends, found before building (GS641, a warning):
Keras 3.15's torch average pooling with uneven "same" padding. Imports no Keras."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphspec.diagnostics import Diagnostic, codes, once_per_copy
from graphspec.ir import LayerIR, NodeIR, Program
from graphspec.shapes.core import ShapeTree

POOLS = {"AveragePooling1D": 1, "AveragePooling2D": 2, "AveragePooling3D": 3}
"""The average pooling layers → their spatial rank."""

WHY = (
    "pads {what} unevenly (one more row or column at the end) and then averages padding copied "
    "from the border, where tensorflow and jax leave the padding out: the outputs at the "
    "border differ from theirs (Keras 3.15's torch average_pool, keras-team/keras#18452)"
)


def _tuple(value: Any, rank: int) -> tuple[int, ...] | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * rank
    if not isinstance(value, list | tuple) or len(value) != rank:
        return None
    if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return tuple(value)
    return None


def _argument(layer: LayerIR, index: int, key: str, default: Any) -> Any:
    if len(layer.args) > index:
        return layer.args[index]
    return layer.kwargs.get(key, default)


def _uneven(size: int | None, pool: int, stride: int) -> bool | None:
    """Whether Keras's torch backend pads `size` unevenly (None: it depends on the size)."""
    if stride == 1:
        return (pool - 1) % 2 == 1
    if size is None:
        return None
    out = (size + stride - 1) // stride
    return max(0, (out - 1) * stride + pool - size) % 2 == 1


def _spatial(shape: ShapeTree, rank: int, channels_first: bool) -> tuple[int | None, ...]:
    if not isinstance(shape, tuple) or len(shape) != rank + 2:
        return (None,) * rank
    return shape[2:] if channels_first else shape[1:-1]


def pool_warning(node: NodeIR, layer: LayerIR, given: ShapeTree) -> Diagnostic | None:
    """GS641 when the node's average pooling is padded unevenly on torch (or may be)."""
    rank = POOLS[layer.class_name]
    pool = _tuple(_argument(layer, 0, "pool_size", 2), rank)
    strides = _argument(layer, 1, "strides", None)
    stride = pool if strides is None else _tuple(strides, rank)
    if _argument(layer, 2, "padding", "valid") != "same" or pool is None or stride is None:
        return None
    first = layer.kwargs.get("data_format") == "channels_first"
    sizes = _spatial(given, rank, first)
    uneven = [_uneven(n, k, s) for n, k, s in zip(sizes, pool, stride, strict=True)]
    if not any(u is not False for u in uneven):
        return None
    known = all(u is not None for u in uneven) or any(uneven)
    what = "this input" if known else "an input of some sizes (those its strides do not fit)"
    path = (*layer.origin.path, "padding") if "padding" in layer.kwargs else layer.origin.path
    return layer.origin.diagnostic(
        f'on the torch backend, {layer.class_name} with padding "same" {WHY.format(what=what)}; '
        'padding "valid", or a pool size and strides that pad evenly, predict the same everywhere',
        code=codes.DIFFERS_ON_THIS_BACKEND,
        path=path,
        severity="warning",
    )


def warnings(program: Program, shapes: Mapping[str, ShapeTree], backend: str) -> list[Diagnostic]:
    """What the backend computes differently from the others, for the top graph's layers."""
    if backend != "torch":
        return []
    found = []
    for node in program.graph.nodes:
        layer, refs = node.callable, node.references()
        if not isinstance(layer, LayerIR) or layer.class_name not in POOLS or len(refs) != 1:
            continue
        given = shapes.get(refs[0].target)
        if refs[0].index is not None:
            given = given[refs[0].index] if isinstance(given, list) else None
        warning = pool_warning(node, layer, given)
        found += [warning] if warning is not None else []
    return once_per_copy(found)
