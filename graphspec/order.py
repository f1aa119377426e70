"""Stage 4, order: topological sort (ties by declaration order), cycles, what nothing needs."""

from __future__ import annotations

import heapq
from collections import Counter

from graphspec.errors import Diagnostic, SpecError, sorted_diagnostics
from graphspec.ir import GraphIR, LayerIR, NodeIR, Program, SubGraphIR, Use


def topological(graph: GraphIR) -> tuple[list[NodeIR], list[Diagnostic]]:
    """Kahn's algorithm with a heap keyed by declaration order: O((V + E) log V), deterministic.

    Returns the ordered nodes and, when the graph has cycles, one diagnostic per cycle found.
    """
    by_id = {n.id: n for n in graph.nodes}
    users: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    waiting: dict[str, int] = {}
    for n in graph.nodes:
        deps = {r.target for r in n.references() if r.target in by_id}
        waiting[n.id] = len(deps)
        for d in deps:
            users[d].append(n.id)
    ready = [(n.order, n.id) for n in graph.nodes if waiting[n.id] == 0]
    heapq.heapify(ready)
    ordered: list[NodeIR] = []
    while ready:
        _, nid = heapq.heappop(ready)
        ordered.append(by_id[nid])
        for user in users[nid]:
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, (by_id[user].order, user))
    if len(ordered) == len(graph.nodes):
        return ordered, []
    return ordered, _cycles(graph, {nid for nid, w in waiting.items() if w > 0})


def _cycles(graph: GraphIR, stuck: set[str]) -> list[Diagnostic]:
    """Report each cycle among the nodes Kahn's algorithm could not place, with its path."""
    by_id = {n.id: n for n in graph.nodes}
    reported: set[str] = set()
    out = []
    for n in sorted((by_id[s] for s in stuck), key=lambda n: n.order):
        if n.id in reported:
            continue
        path = [n.id]
        seen = {n.id: 0}
        current = n
        while True:
            nxt = next(r.target for r in current.references() if r.target in stuck)
            if nxt in seen:
                cycle = [*path[seen[nxt] :], nxt]
                break
            seen[nxt] = len(path)
            path.append(nxt)
            current = by_id[nxt]
        if reported.isdisjoint(cycle):
            first = min((by_id[c] for c in cycle[:-1]), key=lambda x: x.order)
            start = cycle.index(first.id)
            rotated = [*cycle[start:-1], *cycle[:start], first.id]
            out.append(
                first.origin.diagnostic(
                    "cycle: " + " → ".join(rotated),
                    path=(*first.origin.path, "inputs"),
                    code="GS401",
                )
            )
        reported.update(cycle)
        reported.update(path)
    return out


def unused(graph: GraphIR) -> list[Diagnostic]:
    """Warnings for inputs and nodes that no output depends on."""
    by_id = {n.id: n for n in graph.nodes}
    needed: set[str] = set()
    stack = [o.ref.target for o in graph.outputs]
    while stack:
        nid = stack.pop()
        if nid in needed:
            continue
        needed.add(nid)
        if nid in by_id:
            stack.extend(r.target for r in by_id[nid].references())
    out = [
        i.origin.diagnostic(
            "no output depends on this input",
            severity="warning",
            code="GS405",
            hint="remove the input, or feed a node from it",
        )
        for i in graph.inputs
        if i.id not in needed
    ]
    warned: set[tuple[str | None, str]] = set()
    for n in graph.nodes:
        if n.id in needed or (n.origin.trace, n.origin.id or n.id) in warned:
            continue
        warned.add((n.origin.trace, n.origin.id or n.id))
        out.append(
            n.origin.diagnostic(
                "no output depends on this node",
                severity="warning",
                code="GS404",
                hint="make it an output, or remove it",
            )
        )
    return out


def shared_uses(program: Program, graphs: list[GraphIR]) -> list[Diagnostic]:
    """Warnings for shared entries no node calls, and shared layers only one node calls."""
    calls = Counter(n.callable.key for g in graphs for n in g.nodes if isinstance(n.callable, Use))
    out = []
    for key, entry in program.shared.items():
        if calls[key] == 0:
            out.append(
                entry.origin.diagnostic(
                    "no node calls this shared entry",
                    severity="warning",
                    code="GS407",
                    hint="call it from a node with `use:`, or remove it",
                )
            )
        elif calls[key] == 1 and isinstance(entry, LayerIR):
            out.append(
                entry.origin.diagnostic(
                    "only one node calls this shared layer, so it shares nothing",
                    severity="warning",
                    code="GS406",
                    hint="give the node the layer itself (`layer:`), or call it from another node",
                )
            )
    return out


def order(program: Program) -> Program:
    """Sort every graph of the program in place; SpecError on cycles; collect warnings."""
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    graphs = [program.graph] + [
        s.graph for s in program.shared.values() if isinstance(s, SubGraphIR)
    ]
    for graph in graphs:
        ordered, cycles = topological(graph)
        errors += cycles
        warnings += unused(graph)
        graph.nodes = ordered
    warnings = sorted_diagnostics([*warnings, *shared_uses(program, graphs)])
    if errors:
        raise SpecError([*errors, *warnings])
    program.warnings += warnings
    return program
