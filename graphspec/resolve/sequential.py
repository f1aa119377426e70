"""`sequential:` shared entries: a keras.Sequential of layers in the node syntax, no inputs."""

from __future__ import annotations

from typing import Any

from graphspec.diagnostics import SpecPath, codes
from graphspec.ir import LayerIR, Origin, SequentialIR
from graphspec.resolve import layers
from graphspec.resolve.context import Context

NOT_TAKEN = ("inputs", "call", "repeat", "use", "block", "op")
"""Node keys a layer inside a Sequential does not take: the Sequential chains its layers."""


def sequential(ctx: Context, entry: Any, origin: Origin, path: SpecPath) -> SequentialIR | None:
    """Each layer checked as a `layer:` entry is; the Sequential names them `ID_1`, `ID_2`…"""
    found: list[LayerIR] = []
    ok = True
    for i, spec in enumerate(entry.sequential):
        where = (*path, "sequential", i)
        bad = [k for k in NOT_TAKEN if k in spec.kwargs]
        for k in bad:
            ctx.error(
                origin,
                f"a layer of a `sequential:` entry takes no '{k}': the Sequential calls its "
                "layers in order, each on the one before",
                (*where, k),
                key=True,
                code=codes.KEY_NOT_TAKEN_HERE,
            )
        layer = None if bad else layers.layer(ctx, spec, origin, where)
        if layer is None:
            ok = False
        else:
            found.append(layer)
    return SequentialIR(found, origin, entry.trainable) if ok else None
