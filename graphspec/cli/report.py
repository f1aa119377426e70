"""What the command line prints and how it exits: diagnostics, text or JSON, and exit codes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from graphspec.diagnostics import Diagnostic
from graphspec.diagnostics.text import lines, printable

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
"""Success; an invalid spec (or warnings under --strict); a usage error."""


class UsageError(Exception):
    """A command-line mistake: exit status 2."""


def spec_file(spec: str) -> Path:
    """A spec argument that names a readable file; UsageError saying why not otherwise."""
    try:
        path = Path(spec)
        if path.is_file():
            return path
        problem = "no such spec file"
    except (OSError, ValueError) as e:  # a name too long for the system, a NUL…
        problem = f"cannot use the spec path: {getattr(e, 'strerror', None) or e}"
    shown = spec if len(spec) <= 80 else f"{spec[:60]}…({len(spec):,} characters)"
    raise UsageError(f"{problem}: {shown}")


class Reporter:
    """Prints diagnostics compiler-style (or, `json`, as one object at the end) and remembers
    whether any failed the run."""

    def __init__(
        self,
        out: TextIO,
        strict: bool,
        show_source: bool,
        format: str = "text",
        quiet: bool = False,
    ) -> None:
        self.out, self.strict, self.show_source, self.format = out, strict, show_source, format
        self.quiet = quiet
        """`-q`: print nothing but what fails the run."""
        self.failed = False
        self.reported: list[Diagnostic] = []
        self.results: dict[str, Any] = {}
        """What a command found, printed (`json`) in the same object as the diagnostics."""
        self._sources: dict[str, list[str] | None] = {}

    def source(self, file: str) -> list[str] | None:
        """The lines of `file`, read and split once however many diagnostics it has."""
        if file not in self._sources:
            try:
                self._sources[file] = lines(Path(file).read_bytes().decode("utf-8-sig"))
            except (OSError, UnicodeDecodeError, ValueError):
                self._sources[file] = None
        return self._sources[file]

    def fails(self, diagnostics: Sequence[Diagnostic]) -> bool:
        """Whether any of `diagnostics` fails the run (an error; a warning under --strict)."""
        return any(
            d.severity == "error" or (d.severity == "warning" and self.strict) for d in diagnostics
        )

    def report(self, diagnostics: Sequence[Diagnostic]) -> bool:
        """Print (or keep, for JSON) each diagnostic; True when any of them fails the run."""
        failed = self.fails(diagnostics)
        self.failed = self.failed or failed
        for d in diagnostics:
            self.reported.append(d)
            if self.format == "text" and (self.fails([d]) or not self.quiet):
                src = self.source(d.file) if self.show_source else None
                print(d.format(src), file=self.out)
        return failed

    def say(self, text: str) -> None:
        """A line of the command's own output (`ok`, `saved …`), control characters escaped;
        nothing with `-q`."""
        if not self.quiet:
            print(printable(text))

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
