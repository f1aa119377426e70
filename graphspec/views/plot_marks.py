"""What a drawing adds for an invalid spec (errors on the boxes they are about, the nodes that
did not resolve, as written), and `--depth`: clusters below a depth collapsed into one box."""

from __future__ import annotations

from typing import Any

from graphspec.diagnostics import Diagnostic
from graphspec.ir import Origin, Program
from graphspec.shapes import Count
from graphspec.syntax.document import Document
from graphspec.views.facts import count_text
from graphspec.views.plot_graph import Box, Cluster, Drawing, Edge

LONGEST = 72
"""Characters of an error's message a box shows."""


def short(d: Diagnostic) -> str:
    """`GS501: Add needs inputs of the same shape`: the code, the message's first clause."""
    message = d.message.removeprefix(f"{d.id}: ") if d.id else d.message
    message = message.split("; ", 1)[0]
    if len(message) > LONGEST:
        message = message[: LONGEST - 1].rstrip() + "…"
    return f"{d.code}: {message}"


def mark(drawing: Drawing, diagnostics: list[Diagnostic]) -> None:
    """Put each error on the boxes of the elements it is about (every copy of a block when it
    was reported once for all); errors about no drawn box become the drawing's notes."""
    by_place: dict[tuple[str, tuple[Any, ...]], list[Box]] = {}
    for box in drawing.boxes.values():
        if box.origin is not None and box.origin.path:
            by_place.setdefault((box.origin.doc.file, tuple(box.origin.path)), []).append(box)
    for d in diagnostics:
        if d.severity != "error":
            continue
        text = short(d)
        found = [
            box
            for n in range(len(d.path), 0, -1)
            for box in by_place.get((d.file, tuple(d.path[:n])), [])
            if box.origin is not None and _same_uses(box.origin, d)
        ]
        for box in found:
            if text not in box.errors:
                box.errors.append(text)
        if not found:
            where = f"line {d.line}: " if d.line else ""
            drawing.notes.append(f"{where}{text}")


def _same_uses(origin: Origin, d: Diagnostic) -> bool:
    return d.uses == origin.uses or d.uses == tuple(u.any_copy() for u in origin.uses)


def unresolved(drawing: Drawing, program: Program | None, doc: Document | None) -> None:
    """A box for each top-level node the program lacks (it, or one of its inputs, has errors),
    drawn from the spec as written, with edges from the drawn values it names."""
    data = doc.data if doc is not None else None
    nodes = data.get("nodes") if isinstance(data, dict) else None
    if doc is None or not isinstance(nodes, dict):
        return
    resolved: set[str] = set()
    for node in program.graph.nodes if program is not None else []:
        uses = node.origin.uses
        resolved.add(uses[0].node if uses else str(node.origin.path[-1]))
    drawn = {
        i: box.key
        for box in drawing.boxes.values()
        if box.cluster is None and box.kind != "output"
        for i in box.ids
    }
    missing = {
        nid: raw if isinstance(raw, dict) else {}
        for nid, raw in nodes.items()
        if isinstance(nid, str) and nid not in resolved and nid not in drawn
    }
    for nid, raw in missing.items():
        what = next((f"{k} {raw[k]}" for k in ("layer", "op", "use", "block") if k in raw), "?")
        box = Box(nid, nid, "unresolved", what.removeprefix("layer "), ids=[nid])
        box.lines = ["not resolved"]
        box.origin = Origin(doc, ("nodes", nid), (), nid)
        drawn[nid] = drawing.add(box).key
    for nid, raw in missing.items():  # once every box is there: a cycle's edges too
        for target in _raw_references(raw.get("inputs")):
            if target.split(".", 1)[0] in drawn:
                drawing.edges.append(Edge(drawn[target.split(".", 1)[0]], nid))
        if f"output:{nid}" in drawing.boxes:
            drawing.edges.append(Edge(nid, f"output:{nid}"))


def _raw_references(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [r for v in value.values() for r in _raw_references(v)]
    if isinstance(value, list):
        return [r for v in value for r in _raw_references(v)]
    return []


def subtotals(drawing: Drawing) -> None:
    """Each block copy's title gets the parameters of what it holds (` · 7,456 params`)."""
    totals: dict[str, Count | None] = {k: Count() for k in drawing.clusters}
    for box in drawing.boxes.values():
        if not box.counted:
            continue
        for key in _ancestors(drawing.clusters, box.cluster):
            known = totals[key]
            totals[key] = None if known is None or box.params is None else known + box.params
    for key, cluster in drawing.clusters.items():
        if cluster.kind == "block":
            cluster.title += f" · {count_text(totals[key])}"


def collapse(drawing: Drawing, depth: int) -> Drawing:
    """The drawing with every cluster deeper than `depth` folded into one box at depth
    `depth + 1`: its parameters summed, its errors kept, edges into and out of it merged."""
    clusters = drawing.clusters
    out = Drawing(drawing.name, drawing.title, notes=list(drawing.notes))
    out.clusters = {k: c for k, c in clusters.items() if c.depth(clusters) <= depth}
    moved: dict[str, str] = {}
    for box in drawing.boxes.values():
        chain = _ancestors(clusters, box.cluster)
        if len(chain) <= depth:
            out.add(box)
            continue
        folded = clusters[chain[depth]]
        moved[box.key] = folded.key
        _fold(out, folded, box)
    seen: set[tuple[str, str, str, str]] = set()
    for e in drawing.edges:
        tail, head = moved.get(e.tail, e.tail), moved.get(e.head, e.head)
        if tail == head or (tail, head, e.label, e.shape) in seen:
            continue
        seen.add((tail, head, e.label, e.shape))
        out.edges.append(Edge(tail, head, e.label, e.shape))
    leaving: dict[str, set[str]] = {key: set() for key in moved.values()}
    for e in out.edges:
        if e.tail in leaving:
            leaving[e.tail].add(e.shape)
    for key, shapes in leaving.items():
        out.boxes[key].shape = shapes.pop() if len(shapes) == 1 else ""
    return out


def _ancestors(clusters: dict[str, Cluster], key: str | None) -> list[str]:
    """The cluster `key` and those around it, outermost first."""
    chain: list[str] = []
    while key is not None:
        chain.append(key)
        key = clusters[key].parent
    return chain[::-1]


def _fold(out: Drawing, cluster: Cluster, box: Box) -> None:
    """Add `box` to the box that stands for the collapsed `cluster`."""
    title = cluster.title.split(" · ", 1)[0]
    folded = out.add(Box(cluster.key, title, "collapsed", "", params=Count(), counted=True))
    folded.cluster = cluster.parent
    folded.ids += box.ids
    folded.errors += [e for e in box.errors if e not in folded.errors]
    if box.counted and folded.params is not None:
        folded.params = None if box.params is None else folded.params + box.params
    n = len(folded.ids)
    folded.lines = [f"{n} node{'s' if n != 1 else ''}"]
