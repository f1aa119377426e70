"""A graph's `outputs:`: each names one value, with its loss, loss weight and metrics."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphspec.diagnostics import SpecPath, codes, suggest
from graphspec.ir import Origin, OutputIR
from graphspec.resolve import layers
from graphspec.resolve.context import Context
from graphspec.resolve.scope import Body
from graphspec.resolve.unchecked import INVALID
from graphspec.syntax.schema import ID_RE, Graph, OutputOptions

_NO_OPTIONS = OutputOptions()
"""The options of an output written without any (frozen: one for all of them)."""


def entries(graph: Graph, base: SpecPath) -> Iterator[tuple[SpecPath, str, OutputOptions]]:
    """(where, id, options) of each output as written, in order (a list may repeat an id)."""
    if isinstance(graph.outputs, list):
        for i, oid in enumerate(graph.outputs):
            yield (*base, "outputs", i), oid, _NO_OPTIONS
    else:
        for oid, options in graph.outputs.items():
            yield (*base, "outputs", oid), oid, options or _NO_OPTIONS


def written(data: Any) -> list[str] | None:
    """The output ids a document's `outputs:` names (None when it is neither list nor mapping)."""
    if not isinstance(data, list | dict):
        return None
    return [o for o in data if isinstance(o, str) and ID_RE.fullmatch(o)]


def outputs(ctx: Context, graph: Graph, body: Body, base: SpecPath) -> list[OutputIR]:
    """Every output that resolves; the others are reported, each on its own."""
    result = []
    first: dict[str, SpecPath] = {}
    for where, oid, options in entries(graph, base):
        origin = Origin(body.doc, where, id=oid)
        if oid in first:
            line = body.doc.locate(first[oid]).line
            ctx.error(
                origin,
                f"output '{oid}' listed more than once (first at line {line})",
                where,
                code=codes.OUTPUT_LISTED_TWICE,
            )
            continue
        first[oid] = where
        loss = (
            layers.named(ctx, "losses", options.loss, origin, (*where, "loss"))
            if options.loss is not None
            else None
        )
        metrics = [
            layers.named(ctx, "metrics", m, origin, (*where, "metrics", i))
            for i, m in enumerate(options.metrics)
        ]
        ref = _value(ctx, oid, body, origin, where, isinstance(graph.outputs, dict))
        if ref is None or loss is INVALID or any(m is INVALID for m in metrics):
            continue
        result.append(OutputIR(oid, ref, loss, options.loss_weight, metrics, origin))
    return result


def _value(ctx: Context, oid: str, body: Body, origin: Origin, where: SpecPath, keyed: bool) -> Any:
    """The one value an output names; None (reported) when it names none or several."""
    if oid not in body.locals:
        if not body.quiet:
            ctx.error(
                origin,
                f"output '{oid}' is not a node or input of the graph{suggest(oid, body.locals)}",
                where,
                key=keyed,
                code=codes.UNKNOWN_OUTPUT,
            )
        return None
    ref = ctx.lookup(oid, body, origin, where, [])
    if isinstance(ref, list):
        ctx.error(
            origin,
            f"output '{oid}' has {len(ref)} values (a block with several "
            "outputs): make each one an output of its own node",
            where,
            code=codes.MULTI_OUTPUT_AS_OUTPUT,
        )
        return None
    return ref
