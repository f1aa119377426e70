"""Warnings for what no output needs: unused inputs and nodes, shared entries called once or not."""

from __future__ import annotations

from collections import Counter

from graphspec.diagnostics import BlockUse, Diagnostic, codes
from graphspec.ir import GraphIR, LayerIR, Program, Ref, Use


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
        node = by_id.get(nid)
        if node is None:
            continue
        if type(node.inputs) is Ref:  # one input (most nodes)
            stack.append(node.inputs.target)
        else:
            stack.extend(r.target for r in node.references())
    out = [
        i.origin.diagnostic(
            "no output depends on this input",
            severity="warning",
            code=codes.UNUSED_INPUT,
            hint="remove the input, or feed a node from it",
        )
        for i in graph.inputs
        if i.id not in needed
    ]
    warned: set[tuple[tuple[BlockUse, ...], str]] = set()
    for n in graph.nodes:
        if n.id in needed or (n.origin.uses, n.origin.id or n.id) in warned:
            continue
        warned.add((n.origin.uses, n.origin.id or n.id))
        out.append(
            n.origin.diagnostic(
                "no output depends on this node",
                severity="warning",
                code=codes.UNUSED_NODE,
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
                    code=codes.UNUSED_SHARED_ENTRY,
                    hint="call it from a node with `use:`, or remove it",
                )
            )
        elif calls[key] == 1 and isinstance(entry, LayerIR):
            out.append(
                entry.origin.diagnostic(
                    "only one node calls this shared layer, so it shares nothing",
                    severity="warning",
                    code=codes.SHARED_LAYER_USED_ONCE,
                    hint="give the node the layer itself (`layer:`), or call it from another node",
                )
            )
    return out
