"""A loaded spec document: its values and where each key and value was written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, cast

from graphspec.diagnostics import BlockUse, Code, Diagnostic, Inclusion, Severity, SpecPath


class Pos(NamedTuple):
    """A 1-based line and column, and the position just past the end (0 when unknown); a
    named tuple: the loader makes one per value when it indexes a file, so it must be cheap."""

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
    included_from: tuple[Inclusion, ...] = ()
    """The `spec:` includes through which this file was reached, innermost first."""
    problems: list[Diagnostic] = field(default_factory=list)
    """Problems found loading it that left it whole (a duplicate key: the first value kept)."""
    spoiled: set[SpecPath] = field(default_factory=set)
    """Entries (a node, an output, a compile setting…) holding a value that had problems and
    was replaced by null: later stages' diagnostics about them are artefacts of that."""
    index: Callable[[], tuple[dict[SpecPath, Pos], dict[SpecPath, Pos]]] | None = field(
        default=None, repr=False, compare=False
    )
    """Makes the positions of every value and key on first use (the loader reads the text
    again: a spec that has no problem never needs them)."""
    _positions: dict[SpecPath, Pos] | None = field(default=None, repr=False, compare=False)
    _key_positions: dict[SpecPath, Pos] = field(default_factory=dict, repr=False, compare=False)

    @property
    def positions(self) -> dict[SpecPath, Pos]:
        """Where each value was written, by its path."""
        if self._positions is None:
            self._index()
        assert self._positions is not None
        return self._positions

    @property
    def key_positions(self) -> dict[SpecPath, Pos]:
        """Where each key of a mapping was written, by the path of its value."""
        if self._positions is None:
            self._index()
        return self._key_positions

    def indexed(self, positions: dict[SpecPath, Pos], keys: dict[SpecPath, Pos]) -> None:
        """Set the positions (the loader knows them when it had to read them)."""
        self._positions, self._key_positions, self.index = positions, keys, None

    def _index(self) -> None:
        if self.index is None:
            self.indexed({}, {})
        else:
            self.indexed(*self.index())

    def spoils(self, d: Diagnostic) -> bool:
        """Whether `d` is about an entry whose value was replaced by null."""
        if not self.spoiled or d.file != self.file:
            return False
        return any(d.path[:i] in self.spoiled for i in range(len(d.path) + 1))

    def locate(self, path: SpecPath, key: bool = False) -> Pos:
        """The position of `path`, or of its nearest located ancestor (0, 0 for a spec given
        as data: it has no lines; its diagnostics say the path instead)."""
        if self.path is None and not self.text and not self.positions:
            return Pos(0, 0)
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
