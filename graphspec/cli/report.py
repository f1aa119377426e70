"""What the command line prints and how it exits: diagnostics, text or JSON, and exit codes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from graphspec.diagnostics import Diagnostic

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
"""Success; an invalid spec (or warnings under --strict); a usage error."""


class UsageError(Exception):
    """A command-line mistake: exit status 2."""


class Reporter:
    """Prints diagnostics compiler-style (or, `json`, as one object at the end) and remembers
    whether any failed the run."""

    def __init__(self, out: TextIO, strict: bool, show_source: bool, format: str = "text") -> None:
        self.out, self.strict, self.show_source, self.format = out, strict, show_source, format
        self.failed = False
        self.reported: list[Diagnostic] = []
        self.results: dict[str, Any] = {}
        """What a command found, printed (`json`) in the same object as the diagnostics."""
        self._sources: dict[str, str | None] = {}

    def source(self, file: str) -> str | None:
        if file not in self._sources:
            try:
                self._sources[file] = Path(file).read_text("utf-8")
            except (OSError, UnicodeDecodeError):
                self._sources[file] = None
        return self._sources[file]

    def report(self, diagnostics: Sequence[Diagnostic]) -> None:
        for d in diagnostics:
            if d.severity == "error" or (d.severity == "warning" and self.strict):
                self.failed = True
            self.reported.append(d)
            if self.format == "text":
                src = self.source(d.file) if self.show_source else None
                print(d.format(src), file=self.out)

    def finish(self) -> None:
        """`json`: print every diagnostic reported, with the counts, as one object."""
        if self.format != "json":
            return
        counts = Counter(d.severity for d in self.reported)
        summary = {
            **self.results,
            "diagnostics": [d.to_json() for d in self.reported],
            "errors": counts["error"],
            "warnings": counts["warning"],
            "notes": counts["note"],
        }
        print(json.dumps(summary, ensure_ascii=False), file=self.out)
