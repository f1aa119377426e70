"""Stage 1, load: YAML text → plain values with the line/column of every key and value."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import yaml

from graphspec.caps import MAX_BYTES, MAX_DEPTH, paused_gc
from graphspec.diagnostics import Diagnostic, Inclusion, LoadError, SpecPath, codes
from graphspec.diagnostics.text import position
from graphspec.files import display_path
from graphspec.syntax.document import Document, Pos
from graphspec.syntax.indexed import Indexed, Positions, plain_positions, read_indexed
from graphspec.syntax.lenient import entry_of
from graphspec.syntax.reader import CapExceeded, Retry, check_bounds, plain, read

_MAY_ALIAS = re.compile(r"(?:\A|[\s\[{,:?-])\*")
"""Where an alias may be written (a superset: `2 * x` in a string matches too)."""


class _Bounds:
    """The whole event stream counted against the caps first, for a document that may have
    aliases: what they would expand to is refused before a value is built."""

    @staticmethod
    def see(text: str) -> None:
        check_bounds(text)


def _index(text: str, file: str) -> Callable[[], tuple[dict[SpecPath, Pos], dict[SpecPath, Pos]]]:
    """The positions of `text`, read once however many copies of its Document ask (a file
    included several times is one Document, copied per inclusion)."""
    made: list[tuple[dict[SpecPath, Pos], dict[SpecPath, Pos]]] = []

    def index() -> tuple[dict[SpecPath, Pos], dict[SpecPath, Pos]]:
        if not made:
            with paused_gc():
                found: Indexed | Positions
                if plain(text):
                    found = plain_positions(text)
                else:  # maybe an anchor or alias: read it all again
                    _, found = read_indexed(text, file)
            made.append((found.positions, found.key_positions))
        return made[0]

    return index


def _yaml_error(file: str, text: str, e: yaml.YAMLError) -> Diagnostic:
    if isinstance(e, yaml.reader.ReaderError):  # a character YAML refuses: no mark, a position
        pos = e.position
        if not (pos < len(text) and ord(text[pos]) == e.character):  # libyaml counts bytes
            pos = len(text.encode("utf-8", "surrogatepass")[:pos].decode("utf-8", "ignore"))
        if text.startswith("\ufeff") and pos > 0:  # a second mark: libyaml drops it too,
            text, pos = text[1:], pos - 1  # so the columns are those its marks give
        line, column = position(text, pos)
        message = f"invalid YAML: {e.reason} (character #x{e.character:04x})"
        return Diagnostic(message, file, line, column, code=codes.INVALID_YAML)
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    problem = getattr(e, "problem", None) or str(e)
    if "exceeded maximum nesting depth" in problem and mark is not None:
        # libyaml ≥ 0.2.5 has its own depth cap (1000), met while scanning ahead of the events
        # graphspec counts: the same problem, so the same diagnostic
        depth = f"nesting deeper than {MAX_DEPTH} levels (a cap of graphspec's loader)"
        return Diagnostic(depth, file, mark.line + 1, mark.column + 1, code=codes.NESTING_TOO_DEEP)
    context = getattr(e, "context", None)
    opened = getattr(e, "context_mark", None)
    if context and opened is not None and opened is not mark:
        context += f" (opened at line {opened.line + 1}, column {opened.column + 1})"
    message = f"invalid YAML: {context + ', ' if context else ''}{problem}"
    if mark is None:
        return Diagnostic(message, file, code=codes.INVALID_YAML)
    return Diagnostic(message, file, mark.line + 1, mark.column + 1, code=codes.INVALID_YAML)


def _too_large(file: str) -> Diagnostic:
    return Diagnostic(
        f"the file is larger than {MAX_BYTES:,} bytes", file, 1, 1, code=codes.FILE_TOO_LARGE
    )


def load_text(
    text: str, file: str = "<spec>", path: Path | None = None, lenient: bool = False
) -> Document:
    """Parse YAML text into a Document; raises LoadError with every problem found. With
    `lenient`, problems that leave the document whole (a duplicate key: the first value is
    kept; a refused tag or an integer out of range: null) are kept in `doc.problems` instead."""
    doc = Document(file=file, text=text, data=None, path=path)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise LoadError(_too_large(file))
    builder = None
    try:
        with paused_gc():  # reading makes many small objects: linear time without the GC
            if "*" in text and _MAY_ALIAS.search(text):
                _Bounds.see(text)
            try:
                doc.data = read(text)
                doc.index = _index(text, file)
            except Retry:
                doc.data, builder = read_indexed(text, file)
                doc.indexed(builder.positions, builder.key_positions)
    except CapExceeded as e:
        m = e.mark
        raise LoadError(
            Diagnostic(
                f"{e} (a cap of graphspec's loader)", file, m.line + 1, m.column + 1, code=e.code
            )
        ) from e
    except yaml.YAMLError as e:
        raise LoadError(_yaml_error(file, text, e)) from e
    if builder is None:
        return doc
    fatal = any(d.code == codes.KEY_NOT_STRING for d in builder.errors)  # a key left out
    if builder.errors and (fatal or not lenient):
        raise LoadError(builder.errors)
    doc.problems, doc.spoiled = builder.errors, {entry_of(p) for p in builder.spoiled}
    return doc


def load_file(
    path: str | Path, included_from: tuple[Inclusion, ...] = (), lenient: bool = False
) -> Document:
    """Read and parse one spec file (UTF-8, size-capped); `included_from` says how it was
    reached through `spec:` includes, innermost first; `lenient` as for load_text."""
    try:
        return _load_file(Path(path), included_from, lenient)
    except LoadError as e:
        if not included_from:
            raise
        diagnostics = [replace(d, included_from=included_from) for d in e.diagnostics]
        raise LoadError(diagnostics) from e


def _load_file(path: Path, included_from: tuple[Inclusion, ...], lenient: bool) -> Document:
    p = Path(path)
    shown = display_path(p)
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise LoadError(
            Diagnostic(
                f"cannot read the file: {e.strerror or e}", shown, code=codes.CANNOT_READ_FILE
            )
        ) from e
    if len(raw) > MAX_BYTES:
        raise LoadError(_too_large(shown))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        bom = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
        before = raw[bom : bom + e.start].decode("utf-8")  # utf-8-sig counts after its mark
        before = before.removeprefix("\ufeff")  # and libyaml drops one more, as its marks do
        line, col = position(before, len(before))  # characters, as YAML's marks count them
        raise LoadError(
            Diagnostic("the file is not valid UTF-8", shown, line, col, code=codes.NOT_UTF8)
        ) from e
    doc = load_text(text, shown, p.resolve(), lenient)
    doc.included_from = included_from
    return doc
