"""Stage 3, order: topological sort (ties by declaration order), cycles, what nothing needs."""

from __future__ import annotations

from graphspec.diagnostics import Diagnostic, SpecError, sorted_diagnostics
from graphspec.ir import GraphIR, Program, SubGraphIR
from graphspec.order.topological import with_depth
from graphspec.order.unused import shared_uses, unused


def order(program: Program) -> Program:
    """Sort every graph of the program in place (with its depth, where one pass finds it:
    GraphIR.depth); SpecError on cycles; collect warnings."""
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    graphs: list[GraphIR] = [program.graph] + [
        s.graph for s in program.shared.values() if isinstance(s, SubGraphIR)
    ]
    for graph in graphs:
        ordered, cycles, depth = with_depth(graph)
        errors += cycles
        if cycles:
            warnings += unused(graph)
            graph.nodes = ordered
        else:
            graph.nodes = ordered
            warnings += unused(graph, ordered=True)
        graph.depth = depth
    warnings = sorted_diagnostics([*warnings, *shared_uses(program, graphs)])
    if errors:
        raise SpecError([*errors, *warnings])
    program.warnings += warnings
    return program
