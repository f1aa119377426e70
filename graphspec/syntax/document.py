"""A loaded spec document: its values and where each key and value was written."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from graphspec.diagnostics import BlockUse, Code, Diagnostic, Inclusion, Severity, SpecPath


@dataclass(frozen=True, slots=True)
class Pos:
    """A 1-based line and column, and the position just past the end (0 when unknown)."""

    line: int
    column: int
    end_line: int = 0
    end_column: int = 0


@dataclass
class Document:
    """A loaded spec file: its values and where each one was written."""

    file: str
    text: str
    data: Any
    path: Path | None = None
    positions: dict[SpecPath, Pos] = field(default_factory=dict)
    key_positions: dict[SpecPath, Pos] = field(default_factory=dict)
    included_from: tuple[Inclusion, ...] = ()
    """The `spec:` includes through which this file was reached, innermost first."""

    def locate(self, path: SpecPath, key: bool = False) -> Pos:
        """The position of `path`, or of its nearest located ancestor."""
        p = tuple(path)
        if key and p in self.key_positions:
            return self.key_positions[p]
        while p:
            if p in self.positions:
                return self.positions[p]
            p = p[:-1]
        return self.positions.get((), Pos(1, 1))

    def diagnostic(
        self,
        path: SpecPath,
        message: str,
        *,
        code: Code,
        id: str | None = None,
        key: bool = False,
        severity: str = "error",
        hint: str = "",
        uses: tuple[BlockUse, ...] = (),
    ) -> Diagnostic:
        """A diagnostic at `path` (its key with `key`), or at its nearest located ancestor."""
        pos = self.locate(path, key)
        return Diagnostic(
            message,
            self.file,
            pos.line,
            pos.column,
            code=code,
            path=tuple(path),
            id=id,
            severity=cast(Severity, severity if severity in ("warning", "note") else "error"),
            uses=uses,
            included_from=self.included_from,
            hint=hint,
            end_line=pos.end_line,
            end_column=pos.end_column,
        )
