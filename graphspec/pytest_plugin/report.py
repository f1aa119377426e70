"""The plugin's failure reports: the spec's file and line, each fact expected against actual,
and graphspec's diagnostics compiler-style, each with its source line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # loading the plugin imports no more of graphspec than its package
    from graphspec.diagnostics import Diagnostic, GraphSpecError
    from graphspec.syntax.document import Document
    from graphspec.syntax.schema import Spec


class Sources:
    """The text of each file diagnostics point into, read once."""

    def __init__(self) -> None:
        self._texts: dict[str, str | None] = {}

    def text(self, file: str) -> str | None:
        if file not in self._texts:
            try:
                self._texts[file] = Path(file).read_text("utf-8")
            except (OSError, UnicodeDecodeError):
                self._texts[file] = None
        return self._texts[file]

    def format(self, diagnostics: Sequence[Diagnostic]) -> list[str]:
        return [d.format(self.text(d.file)) for d in diagnostics]


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def spec_failure(name: str, what: str, error: GraphSpecError, sources: Sources) -> str:
    """The spec could not be checked or built: graphspec's diagnostics, as `validate` prints."""
    errors = len(error.errors) or len(error.diagnostics)
    head = f"{name}: the spec {what} ({_count(errors, 'error')})"
    return "\n".join([head, *sources.format(error.diagnostics)])


@dataclass(frozen=True)
class Fact:
    """One fact `expect:` states, with what the built model has."""

    line: int
    name: str
    expected: str
    actual: str
    holds: bool


def _shape(shape: Sequence[int | None] | None) -> str:
    if shape is None:
        return "(not an output)"
    return "[" + ", ".join("null" if d is None else str(d) for d in shape) + "]"


def facts(spec: Spec, doc: Document, model: Any) -> list[Fact]:
    """Every fact the spec's `expect:` states, in the order written, against the model."""
    from graphspec.keras.expect import measured

    if spec.expect is None:
        return []
    got = measured(model)
    found = []
    for key in ("params", "trainable_params", "non_trainable_params"):
        want = getattr(spec.expect, key)
        if want is not None:
            line = doc.locate(("expect", key)).line
            found.append(Fact(line, key, f"{want:,}", f"{got[key]:,}", want == got[key]))
    for oid, shape in spec.expect.output_shapes.items():
        actual = got["output_shapes"].get(oid)
        line = doc.locate(("expect", "output_shapes", oid)).line
        holds = actual == list(shape)
        found.append(Fact(line, f"output_shapes.{oid}", _shape(shape), _shape(actual), holds))
    return sorted(found, key=lambda f: f.line)


def table(rows: Sequence[Fact]) -> list[str]:
    """`line  fact  expected  actual`, each fact a row, the ones that do not hold marked."""
    cells = [("line", "fact", "expected", "actual")]
    cells += [(str(f.line), f.name, f.expected, f.actual) for f in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    marks = ["", *("" if f.holds else "  <- differs" for f in rows)]
    lines = []
    for (line, *rest), mark in zip(cells, marks, strict=True):
        text = "  ".join([line.rjust(widths[0]), *map(str.ljust, rest, widths[1:])])
        lines.append(f"  {text}{mark}".rstrip())
    return lines


def expect_failure(spec: Spec, model: Any, sources: Sources) -> str | None:
    """The report of the facts the model breaks, or None when every one holds."""
    from graphspec.keras.expect import verify

    doc = spec.document
    assert doc is not None  # the plugin loads specs from files
    problems = verify(spec, doc, model)
    if not problems:
        return None
    rows = facts(spec, doc, model)
    broken = sum(not f.holds for f in rows)
    line = doc.locate(("expect",), key=True).line
    head = f"{doc.file}:{line}: expect: {broken} of {_count(len(rows), 'fact')} differ"
    return "\n".join([head, *table(rows), "", *sources.format(problems)])
