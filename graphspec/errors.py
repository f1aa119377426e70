"""The error tree: one base exception carrying located diagnostics."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

Severity = Literal["error", "warning", "note"]
"""Errors fail a run; warnings fail it under --strict; notes never do."""
SpecPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Diagnostic:
    """One problem, located in a spec file as precisely as is known."""

    message: str
    file: str = "<spec>"
    line: int = 0
    column: int = 0
    path: SpecPath = ()
    id: str | None = None
    severity: Severity = "error"
    notes: tuple[str, ...] = field(default=())
    code: str = ""
    """`GSnnn`, stable: one per kind of problem (graphspec/codes.py, docs/diagnostics.md)."""
    hint: str = ""
    """Actionable advice, printed on a line of its own."""
    end_line: int = 0
    end_column: int = 0
    """Where the offending value or key ends: the position just past its last character."""

    def format(self, source: str | None = None) -> str:
        """`FILE:LINE:COL: error: MESSAGE [CODE]`, then the source line with the offending span
        underlined (`^~~~`) when given, then the hint on a line of its own."""
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        text = f"{where}: {self.severity}: {self.message}"
        if self.notes:
            text += f" ({', '.join(self.notes)})"
        if self.code:
            text += f" [{self.code}]"
        if source is not None and self.line:
            lines = source.splitlines()
            if 0 < self.line <= len(lines):
                text += f"\n    {lines[self.line - 1]}\n    {self.caret()}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def caret(self) -> str:
        """`^` under the column, `~` under the rest of the span when it ends on the same line."""
        width = self.end_column - self.column if self.end_line == self.line else 0
        return " " * max(self.column - 1, 0) + "^" + "~" * max(width - 1, 0)

    def to_json(self) -> dict[str, Any]:
        """The fields `--format json` prints; unknown positions and absent hints are null."""
        return {
            "file": self.file,
            "line": self.line or None,
            "column": self.column or None,
            "end_line": self.end_line or None,
            "end_column": self.end_column or None,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "hint": self.hint or None,
            "notes": list(self.notes),
            "path": list(self.path),
            "id": self.id,
        }

    def with_prefix(self, prefix: str) -> Diagnostic:
        return replace(self, message=f"{prefix}{self.message}")


class GraphSpecError(Exception):
    """Base of every error graphspec raises; holds one or more diagnostics."""

    def __init__(self, diagnostics: Diagnostic | Sequence[Diagnostic] | str):
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic(diagnostics)]
        elif isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


class LoadError(GraphSpecError):
    """The file could not be read as a spec document (YAML, caps, tags, keys)."""


class SpecError(GraphSpecError):
    """The document is not a valid spec (schema, references, graph)."""


class BuildError(GraphSpecError):
    """Keras refused to build a node, or the built model breaks a stated fact."""


class ExpectError(GraphSpecError):
    """The built model does not match the spec's `expect` section."""


class Problem(ValueError):
    """A bare message raised by low-level code (and by schema validators: a ValueError, so
    pydantic reports it); the caller adds the location, and the code and hint carried here."""

    def __init__(self, message: str, *, code: str = "", hint: str = "") -> None:
        super().__init__(message)
        self.code, self.hint = code, hint


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """By file, line and column; the same problem once."""
    return sorted(dict.fromkeys(diagnostics), key=lambda d: (d.file, d.line, d.column))


def suggest(name: str, choices: Iterable[str]) -> str:
    """'; did you mean X?' for the closest choice, or the empty string."""
    pool = list(choices)
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in pool}
        close = [lowered[m] for m in difflib.get_close_matches(name.lower(), list(lowered), n=1)]
    return f"; did you mean '{close[0]}'?" if close else ""


def display_path(file: str | Path, base: Path | None = None) -> str:
    """A file name as the user would type it: relative to the working directory when inside."""
    p = Path(file)
    base = base or Path.cwd()
    try:
        return str(p.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(p)
