"""Warnings for what no output needs: unused inputs and nodes, shared entries called once or not."""

from __future__ import annotations

from graphspec.diagnostics import BlockUse, Diagnostic, codes
from graphspec.ir import GraphIR, LayerIR, Program, Ref


def _needed(graph: GraphIR, ordered: bool) -> set[str]:
    """The ids some output depends on. With the nodes in an order that puts every node before
    the nodes reading it (`ordered`), one sweep from the last node back; else a search."""
    needed = {o.ref.target for o in graph.outputs}
    if ordered:
        for node in reversed(graph.nodes):
            if node.id not in needed:
                continue
            if type(node.inputs) is Ref:  # one input (most nodes)
                needed.add(node.inputs.target)
            else:
                needed.update(r.target for r in node.references())
        return needed
    by_id = {n.id: n for n in graph.nodes}
    stack, needed = list(needed), set()
    while stack:
        nid = stack.pop()
        if nid in needed:
            continue
        needed.add(nid)
        if nid in by_id:
            stack.extend(r.target for r in by_id[nid].references())
    return needed


def unused(graph: GraphIR, ordered: bool = False) -> list[Diagnostic]:
    """Warnings for inputs and nodes that no output depends on (`ordered`: graph.nodes are in
    an order with every node before the nodes that read it)."""
    needed = _needed(graph, ordered)
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


def shared_uses(program: Program) -> list[Diagnostic]:
    """Warnings for shared entries no node calls, and shared layers only one node calls."""
    if not program.shared:
        return []  # (most specs: no need to walk the nodes)
    calls = program.shared_calls()
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
