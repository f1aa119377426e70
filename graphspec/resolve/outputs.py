"""A graph's `outputs:`: each names one value, with its loss, loss weight and metrics."""

from __future__ import annotations

from graphspec.diagnostics import SpecPath, codes, suggest
from graphspec.ir import Origin, OutputIR
from graphspec.resolve import layers
from graphspec.resolve.context import Context
from graphspec.resolve.scope import Body
from graphspec.syntax.schema import Graph


def outputs(ctx: Context, graph: Graph, body: Body, base: SpecPath) -> list[OutputIR]:
    """Every output that resolves; the others are reported."""
    result = []
    for idx, (oid, options) in enumerate(graph.output_options().items()):
        where = (*base, "outputs", oid if isinstance(graph.outputs, dict) else idx)
        origin = Origin(body.doc, where, id=oid)
        loss = (
            layers.named(ctx, "losses", options.loss, origin, (*where, "loss"))
            if options.loss is not None
            else None
        )
        metrics = [
            layers.named(ctx, "metrics", m, origin, (*where, "metrics", i))
            for i, m in enumerate(options.metrics)
        ]
        if oid not in body.locals:
            ctx.error(
                origin,
                f"output '{oid}' is not a node or input of the graph{suggest(oid, body.locals)}",
                where,
                key=isinstance(graph.outputs, dict),
                code=codes.UNKNOWN_OUTPUT,
            )
            continue
        ref = ctx.lookup(oid, body, origin, where, [])
        if isinstance(ref, list):
            ctx.error(
                origin,
                f"output '{oid}' has {len(ref)} values (a block with several "
                "outputs): make each one an output of its own node",
                where,
                code=codes.MULTI_OUTPUT_AS_OUTPUT,
            )
            continue
        if ref is None or loss is layers.INVALID or layers.INVALID in metrics:
            continue
        result.append(OutputIR(oid, ref, loss, options.loss_weight, metrics, origin))
    return result
