"""Stage 3, order: topological sort (ties by declaration order), cycles, what nothing needs."""

from __future__ import annotations

from graphspec.diagnostics import Diagnostic, SpecError, sorted_diagnostics
from graphspec.ir import Program
from graphspec.order.topological import with_depth
from graphspec.order.unused import shared_uses, unused


def order(program: Program, warn: bool = True) -> Program:
    """Sort every graph of the program in place (with its depth, where one pass finds it:
    GraphIR.depth); SpecError on cycles; collect warnings (not looked for without `warn`:
    a caller that would drop them, as checking a spec with errors does)."""
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    graphs = program.graphs()
    for graph in graphs:
        ordered, cycles, depth, all_needed = with_depth(graph)
        errors += cycles
        if not cycles:  # a callable order: what no output needs is one sweep back over it
            graph.nodes = ordered
        if warn and not all_needed:  # (most graphs are: the one pass found it, no sweep)
            warnings += unused(graph, ordered=not cycles)
        graph.nodes, graph.depth = ordered, depth
    if warn:
        warnings = sorted_diagnostics([*warnings, *shared_uses(program)])
    if errors:
        raise SpecError([*errors, *warnings])
    program.warnings += warnings
    return program
