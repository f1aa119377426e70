"""How deep a flat graph is: Keras builds a model by recursing once per layer along its
longest chain, so a chain longer than Python's recursion allows is refused before building."""

from __future__ import annotations

from graphspec.caps import MAX_GRAPH_DEPTH
from graphspec.diagnostics import Diagnostic, codes
from graphspec.ir import GraphIR, Program, Ref


def too_deep(graph: GraphIR) -> Diagnostic | None:
    """The first node past MAX_GRAPH_DEPTH calls in a chain from an input (the graph's nodes
    in topological order: one pass); None when the graph is shallow enough."""
    depth = {i.id: 0 for i in graph.inputs}
    for node in graph.nodes:
        if type(node.inputs) is Ref:  # one input (most nodes)
            here = 1 + depth.get(node.inputs.target, 0)
        else:
            here = 1 + max([depth.get(r.target, 0) for r in node.references()], default=0)
        depth[node.id] = here
        if here > MAX_GRAPH_DEPTH:
            return node.origin.diagnostic(
                f"this node ends a chain of more than {MAX_GRAPH_DEPTH:,} layers: Keras builds "
                "(and loads) a model by recursing once per layer of its longest chain, and "
                "would run out of recursion (a cap of graphspec's)",
                code=codes.GRAPH_TOO_DEEP,
                hint="split the chain into sub-models (`graph:`), each a layer of the one around",
            )
    return None


def deep_graphs(program: Program) -> list[Diagnostic]:
    """One diagnostic for each graph of the program (sub-models included) that is too deep;
    a graph whose depth ordering found (GraphIR.depth) is walked only when it is too deep."""
    graphs = program.graphs()
    found = (too_deep(g) for g in graphs if g.depth is None or g.depth > MAX_GRAPH_DEPTH)
    return [d for d in found if d is not None]
