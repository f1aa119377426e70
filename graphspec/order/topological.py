"""Topological order of a flat graph (Kahn's algorithm, ties by declaration order) and cycles."""

from __future__ import annotations

import heapq

from graphspec.diagnostics import Diagnostic, codes
from graphspec.ir import GraphIR, NodeIR


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
                    code=codes.CYCLE,
                )
            )
        reported.update(cycle)
        reported.update(path)
    return out
