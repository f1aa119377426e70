"""A drawing as Graphviz DOT text (what `dot` renders to .svg, .png and .pdf)."""

from __future__ import annotations

from graphspec.views.facts import count_text
from graphspec.views.plot_graph import Box, Cluster, Drawing, Edge

COLOURS = {
    "input": ("#e8f5e9", "#43a047"),
    "layer": ("#e3f2fd", "#1e88e5"),
    "op": ("#ede7f6", "#5e35b1"),
    "shared": ("#fff3e0", "#fb8c00"),
    "application": ("#fce4ec", "#d81b60"),
    "output": ("#fffde7", "#f9a825"),
    "collapsed": ("#eceff1", "#546e7a"),
    "unresolved": ("#fafafa", "#9e9e9e"),
}
"""Fill and border of each kind of box."""
ERROR = ("#ffebee", "#e53935")
GREY = "#616161"


def html(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def box_lines(box: Box) -> list[str]:
    """A box's text, line by line, as both DOT and Mermaid show it (HTML-escaped)."""
    first = f"<b>{html(box.title)}</b>"
    if box.what:
        first += f' <font color="{GREY}">{html(box.what)}</font>'
    facts = " · ".join(t for t in (box.shape, count_text(box.params, box.counted)) if t)
    lines = [first, *([html(facts)] if facts else []), *(html(line) for line in box.lines)]
    return lines + [f'<font color="{ERROR[1]}">{html(e)}</font>' for e in box.errors]


def edge_label(edge: Edge, drawing: Drawing) -> str:
    """What an edge says: the call, keyword or output it carries, and its shape where the box
    it comes from does not show that shape."""
    tail = drawing.boxes.get(edge.tail)
    shape = edge.shape if tail is None or tail.shape != edge.shape else ""
    return " · ".join(t for t in (edge.label, shape) if t)


def _box(box: Box, indent: str) -> str:
    fill, border = ERROR if box.errors else COLOURS.get(box.kind, COLOURS["layer"])
    style = "rounded,filled,dashed" if box.kind == "unresolved" else "rounded,filled"
    width = 2 if box.errors or box.kind == "output" else 1
    label = "<br/>".join(box_lines(box))
    return (
        f'{indent}{quoted(box.key)} [label=<{label}>, shape=box, style="{style}", '
        f'fillcolor="{fill}", color="{border}", penwidth={width}];'
    )


Members = dict[str | None, tuple[list[Box], list[Cluster]]]


def _cluster(
    drawing: Drawing,
    cluster: Cluster,
    inside: Members,
    names: dict[str, str],
    indent: str,
    lines: list[str],
) -> None:
    depth = cluster.depth(drawing.clusters)
    sub = cluster.kind == "submodel"
    fill = "#fff8ee" if sub else ("#f4f6f9" if depth % 2 else "#ffffff")
    style = "rounded,dashed,filled" if sub else "rounded,filled"
    border = "#fb8c00" if sub else "#90a4ae"
    lines.append(f"{indent}subgraph {names[cluster.key]} {{")
    lines.append(
        f'{indent}  label=<<b>{html(cluster.title)}</b>>; style="{style}"; '
        f'fillcolor="{fill}"; color="{border}";'
    )
    _members(drawing, cluster.key, inside, names, indent + "  ", lines)
    lines.append(f"{indent}}}")


def _members(
    drawing: Drawing,
    parent: str | None,
    inside: Members,
    names: dict[str, str],
    indent: str,
    lines: list[str],
) -> None:
    boxes, clusters = inside[parent]
    lines.extend(_box(box, indent) for box in boxes)
    for cluster in clusters:
        _cluster(drawing, cluster, inside, names, indent, lines)


def to_dot(drawing: Drawing) -> str:
    """DOT text, deterministic: boxes, clusters and edges in the program's order."""
    names = {key: f"cluster_{i}" for i, key in enumerate(drawing.clusters)}
    title = f"<b>{html(drawing.title)}</b>" + "".join(
        f'<br/><font color="{ERROR[1]}">{html(n)}</font>' for n in drawing.notes
    )
    lines = [
        f"digraph {quoted(drawing.name)} {{",
        f'  graph [rankdir=TB, labelloc=t, fontname="Helvetica", fontsize=12, '
        f"nodesep=0.3, ranksep=0.35, label=<{title}>];",
        '  node [fontname="Helvetica", fontsize=10, margin="0.12,0.05"];',
        f'  edge [fontname="Helvetica", fontsize=9, color="{GREY}", fontcolor="{GREY}", '
        "arrowsize=0.7];",
    ]
    _members(drawing, None, drawing.members(), names, "  ", lines)
    for e in drawing.edges:
        label = edge_label(e, drawing)
        attrs = f" [label={quoted(' ' + label + ' ')}]" if label else ""
        lines.append(f"  {quoted(e.tail)} -> {quoted(e.head)}{attrs};")
    lines.append("}")
    return "\n".join(lines) + "\n"
