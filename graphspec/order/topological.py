"""Topological order of a flat graph (Kahn's algorithm, ties by declaration order) and cycles."""

from __future__ import annotations

import heapq
from typing import NamedTuple

from graphspec.diagnostics import Diagnostic, codes
from graphspec.ir import GraphIR, NodeIR, Ref
from graphspec.resolve.unchecked import UNRESOLVED


class Sorted(NamedTuple):
    """A graph's nodes in a callable order, its cycles, and what the one pass found on the way
    (where it could: the nodes as written were in a callable order)."""

    nodes: list[NodeIR]
    cycles: list[Diagnostic]
    depth: int | None
    """The graph's longest chain of calls (order.depth), None when not known."""
    all_needed: bool
    """Every input and node is read by a node after it or is an output, so that some output
    needs each (False: some are not, or not known)."""


def topological(graph: GraphIR) -> tuple[list[NodeIR], list[Diagnostic]]:
    """Kahn's algorithm with a heap keyed by declaration order: O((V + E) log V), deterministic.

    Returns the ordered nodes and, when the graph has cycles, one diagnostic per cycle found.
    """
    found = with_depth(graph)
    return found.nodes, found.cycles


def with_depth(graph: GraphIR) -> Sorted:
    """`topological`, with what the one pass found where the nodes are written in order."""
    one_pass = _written_in_order(graph)
    if one_pass is not None:
        return Sorted(list(graph.nodes), [], *one_pass)
    ordered, cycles = kahn(graph)
    return Sorted(ordered, cycles, None, False)


def kahn(graph: GraphIR) -> tuple[list[NodeIR], list[Diagnostic]]:
    """`topological` by Kahn's algorithm alone (what the one-pass check stands in for)."""
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


def _written_in_order(graph: GraphIR) -> tuple[int, bool] | None:
    """Whether every node comes after the nodes it reads, in declaration order (as most specs
    are written): then that order is the one Kahn's algorithm would give, in one pass, and
    this returns the graph's depth (its longest chain of calls: order.depth) and whether
    every input and node is read (Sorted.all_needed); else None."""
    # each input's and node's depth + 1 so far, negated once something reads it (in place:
    # no set of what was read)
    seen = dict.fromkeys((i.id for i in graph.inputs), 1)
    seen[UNRESOLVED.target] = -1
    last, deepest = -1, 1
    for n in graph.nodes:
        if n.order <= last:
            return None
        if type(n.inputs) is Ref:  # one input (most nodes): _read, inline
            here = seen.get(target := n.inputs.target, 0)
            if here > 0:
                seen[target] = -here
            else:
                here = -here
        else:
            reads = [_read(seen, r.target) for r in n.references()]
            here = 0 if 0 in reads else max(reads, default=1)
        if not here:
            return None
        seen[n.id] = here = here + 1
        if here > deepest:
            deepest = here
        last = n.order
    for o in graph.outputs:
        if o.ref.target in seen:
            _read(seen, o.ref.target)
    return deepest - 1, all(v < 0 for v in seen.values())


def _read(seen: dict[str, int], target: str) -> int:
    """The depth + 1 of what `target` names, marked read; 0 when it names nothing yet."""
    here = seen.get(target, 0)
    if here > 0:
        seen[target] = -here
        return here
    return -here


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
            out.append(_cycle_error(cycle, [by_id[c] for c in cycle[:-1]]))
        reported.update(cycle)
        reported.update(path)
    return out


def _cycle_error(cycle: list[str], members: list[NodeIR]) -> Diagnostic:
    """The cycle, from its first node as written in the spec: a node of the graph itself if
    one is on it, else the use of the block whose copy it is entirely inside."""
    written = [n for n in members if not n.origin.uses]  # not inside a block's copy
    first = min(written or members, key=lambda x: x.order)
    start = cycle.index(first.id)
    message = "cycle: " + " → ".join([*cycle[start:-1], *cycle[:start], first.id])
    if written or not first.origin.uses[0].at:
        return first.origin.diagnostic(
            message, path=(*first.origin.path, "inputs"), code=codes.CYCLE
        )
    use = first.origin.uses[0]
    return first.origin.doc.diagnostic(
        (*use.at, "inputs"), f"{use.node}: {message}", code=codes.CYCLE, id=use.node
    )
