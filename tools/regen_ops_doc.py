"""Rewrite the allow-list of `op:` functions in docs/language.md from the catalog.

    python tools/regen_ops_doc.py [--check]

The list sits between the markers `<!-- ops: begin -->` and `<!-- ops: end -->`: every allowed
keras.ops function by family, with its arguments as keras.ops declares them (defaults
included) and which of them the operation takes as tensors. tests/resolve/test_ops.py checks
that the docs are current.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "language.md"
BEGIN, END = "<!-- ops: begin -->", "<!-- ops: end -->"
sys.path.insert(0, str(ROOT))

from graphspec.catalog import ops  # noqa: E402

TITLES = {
    "elementwise": "Elementwise math, comparisons of one tensor, casts",
    "activation": "Activations",
    "along_axis": "Along an axis (shape kept)",
    "broadcast": "Two tensors, broadcast (arithmetic, comparisons, logic)",
    "reduction": "Reductions (`axis`: an int, a list, or null for every axis)",
    "shape": "Shape and indexing",
    "combine": "Several tensors: joins, products, selections",
    "several_outputs": "Several outputs (`node.K` picks one)",
}


def allow_list() -> str:
    """The generated Markdown, one line a function."""
    lines = []
    for family, names in ops.FAMILIES.items():
        lines += ["", f"**{TITLES[family]}**", ""]
        for name in names:
            info = ops.op(name)
            tensors = ", ".join(p.name for p in info.params if p.tensor)
            lines.append(f"- `{info.signature()}` — tensors: {tensors}")
    return "\n".join([BEGIN, *lines, "", END])


def main() -> int:
    text = DOC.read_text("utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    fresh = text[:start] + allow_list() + text[end:]
    if "--check" in sys.argv:
        return 0 if fresh == text else 1
    DOC.write_text(fresh, "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
