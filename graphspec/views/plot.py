"""`graphspec plot`: the checked program as a picture, the format from the file's suffix."""

from __future__ import annotations

from pathlib import Path

from graphspec.diagnostics import Diagnostic
from graphspec.files import write_atomically
from graphspec.ir import Program
from graphspec.shapes import Inferred
from graphspec.syntax.document import Document
from graphspec.views.facts import count_text
from graphspec.views.plot_dot import to_dot
from graphspec.views.plot_graph import Box, Drawing, drawing
from graphspec.views.plot_marks import collapse, mark, subtotals, unresolved
from graphspec.views.plot_mermaid import to_mermaid

RENDERED = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
"""Suffixes Graphviz's `dot` renders, and its format names."""
WRITTEN = {".dot": to_dot, ".mmd": to_mermaid}
"""Suffixes graphspec writes itself."""
SUFFIXES = (*RENDERED, *WRITTEN)

INSTALL = (
    "install Graphviz (Debian or Ubuntu: apt-get install graphviz; macOS: brew install "
    "graphviz; others: https://graphviz.org/download/), or write .dot or .mmd, which need "
    "nothing else"
)


class PlotError(Exception):
    """A picture that cannot be made here (no Graphviz): a usage error, not the spec's."""


def picture(
    program: Program,
    inferred: Inferred,
    diagnostics: list[Diagnostic],
    document: Document | None = None,
    depth: int | None = None,
) -> Drawing:
    """The drawing of a program (one that resolved only in part too: its errors marked on
    the boxes they are about, the nodes that did not resolve drawn as written)."""
    d = drawing(program, inferred)
    unresolved(d, program, document)
    mark(d, diagnostics)
    subtotals(d)
    errors = sum(1 for x in diagnostics if x.severity == "error")
    parts = [program.graph.name, count_text(inferred.params.total)]
    d.title = " · ".join(
        [*parts, *([f"{errors} error{'s' if errors > 1 else ''}"] if errors else [])]
    )
    if depth is not None:
        d = collapse(d, depth)
    if d.notes:
        d.add(Box("errors", "errors", "unresolved", "not on a node", errors=d.notes))
    return d


def render(d: Drawing, suffix: str) -> bytes:
    """The picture's bytes in the format of `suffix`; PlotError when Graphviz is missing."""
    if suffix in WRITTEN:
        return WRITTEN[suffix](d).encode("utf-8")
    try:
        import graphviz
    except ImportError:
        raise PlotError(
            f"a {suffix} picture needs the graphviz Python package (pip install graphviz) "
            f"and Graphviz's dot program: {INSTALL}"
        ) from None
    try:
        data: bytes = graphviz.Source(to_dot(d)).pipe(format=RENDERED[suffix])
    except graphviz.ExecutableNotFound:
        raise PlotError(
            f"a {suffix} picture is rendered by Graphviz's dot program, which is not on PATH: "
            f"{INSTALL}"
        ) from None
    except graphviz.CalledProcessError as e:
        stderr = e.stderr.decode("utf-8", "replace") if isinstance(e.stderr, bytes) else ""
        raise PlotError(f"Graphviz's dot failed: {stderr.strip() or e}") from None
    return data


def write(d: Drawing, target: Path) -> None:
    """Render and write atomically (a failed render leaves an old file as it was)."""
    data = render(d, target.suffix.lower())
    write_atomically(target, lambda tmp: tmp.write_bytes(data))
