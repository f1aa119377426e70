"""A drawing as Mermaid flowchart text (.mmd: GitHub and most Markdown viewers render it)."""

from __future__ import annotations

import json
import re

from graphspec.views.facts import count_text
from graphspec.views.plot_dot import COLOURS, ERROR, Members, edge_label
from graphspec.views.plot_graph import Box, Drawing

SHAPES = {"input": ('(["', '"])'), "output": ('[/"', '"\\]')}
"""Mermaid's brackets for each kind of box (others: a rounded box)."""


def text(s: str) -> str:
    """Text inside a quoted Mermaid label: its entity codes for the characters that end or
    begin markup."""
    return (
        s.replace("#", "#35;")
        .replace('"', "#quot;")
        .replace("&", "#38;")
        .replace("<", "#60;")
        .replace(">", "#62;")
    )


def label(box: Box) -> str:
    first = f"<b>{text(box.title)}</b>" + (f" <i>{text(box.what)}</i>" if box.what else "")
    facts = " · ".join(t for t in (box.shape, count_text(box.params, box.counted)) if t)
    lines = [first, *([text(facts)] if facts else []), *(text(line) for line in box.lines)]
    return "<br/>".join(lines + [f"⚠ {text(e)}" for e in box.errors])


class Names:
    """Mermaid ids for box and cluster keys: letters, digits and `_`, unique, never a keyword."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}
        self.taken: set[str] = set()

    def __call__(self, key: str, prefix: str = "n_") -> str:
        if key not in self.ids:
            base = prefix + re.sub(r"[^A-Za-z0-9_]", "_", key)
            name, n = base, 1
            while name in self.taken:
                n += 1
                name = f"{base}_{n}"
            self.taken.add(name)
            self.ids[key] = name
        return self.ids[key]


def _members(
    parent: str | None, inside: Members, names: Names, indent: str, out: list[str]
) -> None:
    boxes, clusters = inside[parent]
    for box in boxes:
        opening, closing = SHAPES.get(box.kind, ('("', '")'))
        out.append(f"{indent}{names(box.key)}{opening}{label(box)}{closing}")
    for cluster in clusters:
        out.append(f'{indent}subgraph {names(cluster.key, "c_")}["{text(cluster.title)}"]')
        out.append(f"{indent}  direction TB")
        _members(cluster.key, inside, names, indent + "  ", out)
        out.append(f"{indent}end")


def to_mermaid(drawing: Drawing) -> str:
    """Mermaid text, deterministic: boxes, clusters and edges in the program's order."""
    names = Names()
    out = ["---", f"title: {json.dumps(drawing.title, ensure_ascii=False)}", "---", "flowchart TB"]
    for kind, (fill, border) in {**COLOURS, "error": ERROR}.items():
        width = ",stroke-width:2px" if kind == "error" else ""
        out.append(f"  classDef {kind} fill:{fill},stroke:{border}{width}")
    _members(None, drawing.members(), names, "  ", out)
    for e in drawing.edges:
        said = edge_label(e, drawing)
        arrow = f' -->|"{text(said)}"| ' if said else " --> "
        out.append(f"  {names(e.tail)}{arrow}{names(e.head)}")
    for box in drawing.boxes.values():
        out.append(f"  class {names(box.key)} {'error' if box.errors else box.kind}")
    for cluster in drawing.clusters.values():
        sub = cluster.kind == "submodel"
        fill, border = ("#fff8ee", "#fb8c00") if sub else ("#f4f6f9", "#90a4ae")
        out.append(f"  style {names(cluster.key, 'c_')} fill:{fill},stroke:{border}")
    return "\n".join(out) + "\n"
