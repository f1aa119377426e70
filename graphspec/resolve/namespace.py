"""Ids and Keras names: one namespace per graph, and unique Keras layer names in a model."""

from __future__ import annotations

from graphspec.diagnostics import SpecPath, codes
from graphspec.ir import InputIR, LayerIR, NodeIR, OpIR, Origin, Use
from graphspec.resolve.context import Context
from graphspec.resolve.unchecked import UNCHECKED
from graphspec.syntax.document import Document
from graphspec.syntax.schema import Graph
from graphspec.syntax.sections import NAMESPACES


def check_namespace(ctx: Context, graph: Graph, doc: Document, base: SpecPath) -> set[str]:
    """Inputs, nodes, shared and blocks share one namespace per graph; returns the ids given
    twice (each reported at its second use, in file order)."""
    ids = [(section, gid) for section in NAMESPACES for gid in getattr(graph, section)]
    if len({gid for _, gid in ids}) == len(ids):
        return set()  # no id twice (the common case): no position needed
    entries = [(doc.locate((*base, section, gid), key=True), section, gid) for section, gid in ids]
    seen: dict[str, tuple[str, int]] = {}
    duplicates: set[str] = set()
    for pos, section, gid in sorted(entries, key=lambda e: (e[0].line, e[0].column)):
        if gid in seen:
            first, line = seen[gid]
            duplicates.add(gid)
            ctx.report(
                [
                    doc.diagnostic(
                        (*base, section, gid),
                        f"duplicate id '{gid}': already used in {first} (line {line})",
                        code=codes.DUPLICATE_ID,
                        id=gid,
                        key=True,
                    )
                ]
            )
        else:
            seen[gid] = (section, pos.line)
    return duplicates


def check_names(
    ctx: Context, inputs: list[InputIR], nodes: list[NodeIR], duplicates: set[str]
) -> list[NodeIR]:
    """Keras names must be unique in a model: expanded names may collide with other ids.
    Returns the nodes without the later of two of one id (reported)."""
    names: dict[str, Origin] = {i.id: i.origin for i in inputs}
    flat_ids = set(names)
    kept: list[NodeIR] = []
    used: set[str] = set()  # shared layers: one name however often they are called
    for node in nodes:
        unique = node.id not in flat_ids
        flat_ids.add(node.id)
        name = _keras_name(node, used)
        if name is None:  # a stand-in is never built; a use shares a name
            if unique:
                kept.append(node)
            continue
        first = names.setdefault(name, node.origin)
        if first is not node.origin and name not in duplicates:
            _taken(ctx, node, name, first)
        if type(node.callable) is Use:
            used.add(name)
        if unique:
            kept.append(node)
    return kept


def _keras_name(node: NodeIR, used: set[str]) -> str | None:
    """The Keras name the node's call makes; None when it makes none (a stand-in, or a call
    of a shared layer already named)."""
    call = node.callable
    if type(call) is LayerIR:  # most nodes
        return None if call.class_name == UNCHECKED else node.id
    if type(call) is Use:
        return None if call.shared_id in used else call.shared_id
    return call.keras_name if type(call) is OpIR else node.id


def _taken(ctx: Context, node: NodeIR, name: str, first: Origin) -> None:
    pos = first.doc.locate(first.path)
    ctx.error(
        node.origin,
        f"the Keras layer name '{name}' is already taken by "
        f"{first.label()} ({first.doc.file}:{pos.line})",
        code=codes.KERAS_NAME_TAKEN,
        hint="rename one of the two: an expanded node is named `NODE_INNER`",
    )
