"""The error tree: one base exception whose diagnostics are located, coded data."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import KW_ONLY, dataclass, replace
from typing import Any, Literal

from graphspec.diagnostics.codes import Code
from graphspec.diagnostics.text import lines, printable, source_line

Severity = Literal["error", "warning", "note"]
"""Errors fail a run; warnings fail it under --strict; notes never do."""
SpecPath = tuple[str | int, ...]


@dataclass(frozen=True)
class BlockUse:
    """One step of the chain of block uses through which a diagnostic's entry was reached:
    node `node` expands block `block` (with `repeat`, as copy `copy` of `copies`)."""

    node: str
    block: str
    copy: int = 0
    copies: int = 0
    at: SpecPath = ()
    """Where the using node is written (its spec path, in the same file)."""

    def __str__(self) -> str:
        tag = f", repeat {self.copy} of {self.copies}" if self.copies else ""
        return f"{self.node} (block {self.block}{tag})"

    def any_copy(self) -> BlockUse:
        """The same use whichever copy of a repeat: one report for an error in every copy."""
        return replace(self, copy=0, copies=0)


@dataclass(frozen=True)
class Inclusion:
    """A `spec:` include on the way to a diagnostic's file: the including file and line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"included from {self.file}:{self.line}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem, located in a spec file as precisely as is known."""

    message: str
    file: str = "<spec>"
    line: int = 0
    column: int = 0
    _: KW_ONLY
    code: Code
    """`GSnnn`, stable: one per kind of problem (graphspec/diagnostics/codes.py)."""
    path: SpecPath = ()
    id: str | None = None
    severity: Severity = "error"
    uses: tuple[BlockUse, ...] = ()
    """The chain of block uses through which the entry was reached, outermost first."""
    included_from: tuple[Inclusion, ...] = ()
    """The `spec:` includes through which the file was reached, innermost first."""
    hint: str = ""
    """Actionable advice, printed on a line of its own."""
    end_line: int = 0
    end_column: int = 0
    """Where the offending value or key ends: the position just past its last character."""

    def __post_init__(self) -> None:
        if not isinstance(self.code, Code):
            raise TypeError(
                f"a Diagnostic needs a code from graphspec.diagnostics.codes, got {self.code!r}"
            )

    @property
    def text(self) -> str:
        """The message as printed: the chain of block uses (a long one shortened), then the
        message itself."""
        uses = [str(u) for u in self.uses]
        if len(uses) > 6:
            uses = [*uses[:2], f"… {len(uses) - 4} more uses …", *uses[-2:]]
        return "".join(f"{use} → " for use in uses) + self.message

    def notes(self) -> list[str]:
        """How the file was reached (`included from FILE:LINE`), a long chain shortened."""
        notes = [str(i) for i in self.included_from]
        if len(notes) > 4:
            notes = [*notes[:2], f"… {len(notes) - 3} more inclusions …", notes[-1]]
        return notes

    def format(self, source: str | Sequence[str] | None = None) -> str:
        """`FILE:LINE:COL: error: MESSAGE [CODE]`, then the source line with the offending span
        underlined (`^~~~`) when given (the file's text, or its lines: text.lines), then the
        hint on a line of its own. Control characters are shown escaped, wherever they come
        from (a spec's values, a file name, a message of Keras's)."""
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        if not self.line and self.path:  # a spec given as data: no lines, a path
            where += " at " + "".join(f"[{p!r}]" for p in self.path)
        text = f"{where}: {self.severity}: {self.text}"
        if self.included_from:
            text += f" ({', '.join(self.notes())})"
        text = printable(text) + f" [{self.code}]"
        all_lines = lines(source) if isinstance(source, str) else source
        if all_lines is not None and 0 < self.line <= len(all_lines):
            raw = all_lines[self.line - 1]
            text += f"\n    {source_line(raw)}\n    {self.caret(raw)}"
        if self.hint:
            text += f"\n    hint: {printable(self.hint)}"
        return text

    def caret(self, raw: str = "") -> str:
        """`^` under the column, `~` under the rest of the span when it ends on the same line
        (counted on the line as printed: `raw` with its control characters escaped)."""
        start = max(self.column - 1, 0)
        end = self.end_column - 1 if self.end_line == self.line else start + 1
        before = len(source_line(raw[:start])) + max(start - len(raw), 0)
        width = len(source_line(raw[start:end])) if raw[start:end] else end - start
        return " " * before + "^" + "~" * max(width - 1, 0)

    def to_json(self) -> dict[str, Any]:
        """The fields `--format json` prints; unknown positions and absent hints are null."""
        return {
            "file": self.file,
            "line": self.line or None,
            "column": self.column or None,
            "end_line": self.end_line or None,
            "end_column": self.end_column or None,
            "severity": self.severity,
            "code": str(self.code),
            "message": self.text,
            "hint": self.hint or None,
            "notes": [str(i) for i in self.included_from],
            "path": list(self.path),
            "id": self.id,
        }

    def same_in_every_copy(self) -> tuple[Any, ...]:
        """What an error in every copy of a repeated block has in common: reported once."""
        uses = tuple(u.any_copy() for u in self.uses)
        return (self.file, self.line, self.column, self.message, self.code, uses)


class GraphSpecError(Exception):
    """Base of every error graphspec raises; holds one or more diagnostics."""

    def __init__(self, diagnostics: Diagnostic | Sequence[Diagnostic]):
        if isinstance(diagnostics, Diagnostic):
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

    def __init__(self, message: str, *, code: Code, hint: str = "") -> None:
        super().__init__(message)
        self.code, self.hint = code, hint


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """By file, line and column; the same problem once."""
    return sorted(dict.fromkeys(diagnostics), key=lambda d: (d.file, d.line, d.column))


def once_per_copy(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """One report for the same error in every copy of a repeated block, in file order."""
    unique: dict[tuple[Any, ...], Diagnostic] = {}
    for d in diagnostics:
        unique.setdefault(d.same_in_every_copy(), d)
    return sorted_diagnostics(unique.values())
