"""Stage 1, load: YAML text → plain values with the line/column of every key and value."""

from __future__ import annotations

import codecs
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from graphspec.caps import MAX_BYTES, MAX_DEPTH, MAX_EVENTS, MAX_VALUES, paused_gc
from graphspec.diagnostics import Code, Diagnostic, Inclusion, LoadError, SpecPath, codes
from graphspec.diagnostics.text import position
from graphspec.files import display_path
from graphspec.syntax.document import Document, Pos
from graphspec.syntax.lenient import entry_of
from graphspec.syntax.scalars import YAML_TAG as _Y
from graphspec.syntax.scalars import OutOfRange, core_scalar, tagged_scalar

_PLAIN = "tag:graphspec,2024:plain"
_STANDARD_TAGS = {f"{_Y}{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map")}


def _span(node: Node) -> Pos:
    """Where a composed node starts and ends, 1-based."""
    s, e = node.start_mark, node.end_mark
    return Pos(s.line + 1, s.column + 1, e.line + 1, e.column + 1)


class _CoreResolver(BaseResolver):
    """Marks plain scalars for YAML 1.2 core resolution; the rest keep their tags."""

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else f"{_Y}str"
        return f"{_Y}seq" if kind is SequenceNode else f"{_Y}map"


try:
    from yaml.cyaml import CParser as _Parser  # type: ignore[attr-defined]

    class _Loader(_Parser, _CoreResolver):
        def __init__(self, stream: str) -> None:
            _Parser.__init__(self, stream)
            _CoreResolver.__init__(self)

except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Loader(Reader, Scanner, Parser, Composer, _CoreResolver):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)
            _CoreResolver.__init__(self)


class _Builder:
    """Turns a composed node tree into values, recording positions and collecting errors."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.count = 0
        self.errors: list[Diagnostic] = []
        self.spoiled: set[SpecPath] = set()
        """Paths whose values had errors and were replaced by null."""

    def error(self, node: Node, path: SpecPath, message: str, code: Code, hint: str = "") -> None:
        p = _span(node)
        self.errors.append(
            Diagnostic(
                message,
                self.doc.file,
                p.line,
                p.column,
                code=code,
                path=path,
                hint=hint,
                end_line=p.end_line,
                end_column=p.end_column,
            )
        )

    def value(self, node: Node, path: SpecPath) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise _CapExceeded(node, _EXPANDS, codes.TOO_MANY_VALUES)
        if path not in self.doc.positions:
            self.doc.positions[path] = _span(node)
        tag = node.tag
        if tag != _PLAIN and tag not in _STANDARD_TAGS:
            shown = tag.replace(_Y, "!!")
            self.error(
                node,
                path,
                f"tag '{shown}' is not allowed: only the standard tags "
                "(str, int, float, bool, null, seq, map); no tag constructs objects",
                codes.TAG_NOT_ALLOWED,
                "remove the tag: a spec holds plain data",
            )
            self.spoiled.add(path)
            return None
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, SequenceNode):
            return [self.value(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, MappingNode)
        return self.mapping(node, path)

    def scalar(self, node: ScalarNode, path: SpecPath) -> Any:
        try:
            if node.tag == _PLAIN:
                return core_scalar(node.value)
            return tagged_scalar(node.tag, node.value)
        except ValueError as e:
            self.error(
                node,
                path,
                str(e),
                codes.INTEGER_OUT_OF_RANGE if isinstance(e, OutOfRange) else codes.VALUE_NOT_OF_TAG,
            )
            self.spoiled.add(path)
            return None

    def mapping(self, node: MappingNode, path: SpecPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node, (*path, "<key>"))
            if not isinstance(key, str):
                self.error(
                    key_node, path, f"keys must be strings, got {key!r}", codes.KEY_NOT_STRING
                )
                continue
            if key in first:
                prev = first[key].start_mark
                self.error(
                    key_node,
                    (*path, key),
                    f"duplicate key '{key}' "
                    f"(first given at line {prev.line + 1}, column {prev.column + 1})",
                    codes.DUPLICATE_KEY,
                )
                continue
            first[key] = key_node
            self.doc.key_positions[(*path, key)] = _span(key_node)
            out[key] = self.value(value_node, (*path, key))
        return out


class _CapExceeded(Exception):
    def __init__(self, node_or_mark: Any, message: str, code: Code) -> None:
        self.mark = getattr(node_or_mark, "start_mark", node_or_mark)
        self.code = code
        super().__init__(message)


_EXPANDS = f"the document expands to more than {MAX_VALUES:,} values (aliases expanding too far?)"


class _Bounds:
    """Nesting depth, event count and the values aliases expand to, counted event by event."""

    def __init__(self) -> None:
        self.events = self.values = 0
        self.open: list[tuple[str | None, int]] = []  # anchor, values before the collection
        self.sizes: dict[str, int] = {}  # how many values each anchor expands to

    def see(self, event: yaml.Event) -> None:
        self.events += 1
        if self.events > MAX_EVENTS:
            raise _CapExceeded(
                event,
                f"the document has more than {MAX_EVENTS:,} YAML events",
                codes.TOO_MANY_YAML_EVENTS,
            )
        if isinstance(event, yaml.AliasEvent):
            self.grow(event, self.sizes.get(event.anchor or "", 1))
        elif isinstance(event, yaml.ScalarEvent):
            self.grow(event, 1)
            if event.anchor:
                self.sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            self.open.append((event.anchor, self.values))
            self.grow(event, 1)
            if len(self.open) > MAX_DEPTH:
                raise _CapExceeded(
                    event, f"nesting deeper than {MAX_DEPTH} levels", codes.NESTING_TOO_DEEP
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, before = self.open.pop()
            if anchor:
                self.sizes[anchor] = self.values - before

    def grow(self, event: yaml.Event, values: int) -> None:
        self.values += values
        if self.values > MAX_VALUES:
            raise _CapExceeded(event, _EXPANDS, codes.TOO_MANY_VALUES)


def _check_events(text: str) -> None:
    """Bound nesting depth, event count and alias expansion on the event stream, before any
    composing: libyaml's composer recurses per level, and aliases multiply what is walked."""
    parser = _Loader(text)
    bounds = _Bounds()
    try:
        while (event := parser.get_event()) is not None:
            bounds.see(event)
    finally:
        parser.dispose()


def _yaml_error(file: str, text: str, e: yaml.YAMLError) -> Diagnostic:
    if isinstance(e, yaml.reader.ReaderError):  # a character YAML refuses: no mark, a position
        pos = e.position
        if not (pos < len(text) and ord(text[pos]) == e.character):  # libyaml counts bytes
            pos = len(text.encode("utf-8", "surrogatepass")[:pos].decode("utf-8", "ignore"))
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
    try:
        with paused_gc():  # composing makes many small objects: linear time without the GC
            _check_events(text)
            loader = _Loader(text)
            try:
                node = loader.get_single_node()
            finally:
                loader.dispose()
            builder = _Builder(doc)
            doc.data = builder.value(node, ()) if node is not None else None
    except _CapExceeded as e:
        m = e.mark
        raise LoadError(
            Diagnostic(
                f"{e} (a cap of graphspec's loader)", file, m.line + 1, m.column + 1, code=e.code
            )
        ) from e
    except yaml.YAMLError as e:
        raise LoadError(_yaml_error(file, text, e)) from e
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
        line, col = position(before, len(before))  # characters, as YAML's marks count them
        raise LoadError(
            Diagnostic("the file is not valid UTF-8", shown, line, col, code=codes.NOT_UTF8)
        ) from e
    doc = load_text(text, shown, p.resolve(), lenient)
    doc.included_from = included_from
    return doc
