"""Stage 1, load: YAML text → plain values with the line/column of every key and value."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from graphspec.errors import Diagnostic, LoadError, Severity, SpecPath, display_path

MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64
MAX_VALUES = 1_000_000
MAX_EVENTS = 2_000_000

_PLAIN = "tag:graphspec,2024:plain"
_Y = "tag:yaml.org,2002:"
_STANDARD_TAGS = {f"{_Y}{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map")}


@dataclass(frozen=True, slots=True)
class Pos:
    """A 1-based line and column, and the position just past the end (0 when unknown)."""

    line: int
    column: int
    end_line: int = 0
    end_column: int = 0


def _span(node: Node) -> Pos:
    """Where a composed node starts and ends, 1-based."""
    s, e = node.start_mark, node.end_mark
    return Pos(s.line + 1, s.column + 1, e.line + 1, e.column + 1)


@dataclass
class Document:
    """A loaded spec file: its values and where each one was written."""

    file: str
    text: str
    data: Any
    path: Path | None = None
    positions: dict[SpecPath, Pos] = field(default_factory=dict)
    key_positions: dict[SpecPath, Pos] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

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
        id: str | None = None,
        key: bool = False,
        severity: str = "error",
        code: str = "",
        hint: str = "",
    ) -> Diagnostic:
        pos = self.locate(path, key)
        return Diagnostic(
            message,
            self.file,
            pos.line,
            pos.column,
            tuple(path),
            id,
            cast(Severity, severity if severity in ("warning", "note") else "error"),
            self.notes,
            code,
            hint,
            pos.end_line,
            pos.end_column,
        )


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


_INT10 = re.compile(r"[-+]?[0-9]+")
_INT8 = re.compile(r"0o[0-7]+")
_INT16 = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)")
_NAN = re.compile(r"\.(nan|NaN|NAN)")


_MAYBE_SPECIAL = set("0123456789+-.~nNtTfF")

MAX_INT = 2**63 - 1
"""The largest integer a spec may write: Keras and TensorFlow sizes are 64-bit."""


class OutOfRange(ValueError):
    """An integer literal past ±MAX_INT."""


def _in_range(digits: str, base: int, text: str) -> int:
    """An integer literal within ±MAX_INT; ValueError otherwise, before a huge conversion."""
    significant = digits.lstrip("+-").lstrip("0")
    value = int(digits, base) if len(significant) <= 64 else MAX_INT + 1
    if abs(value) > MAX_INT:
        shown = text if len(text) <= 30 else f"{text[:12]}…{text[-6:]} ({len(text)} characters)"
        raise OutOfRange(f"the integer {shown} is out of range (at most 2^63 - 1, either sign)")
    return value


def core_scalar(text: str) -> Any:
    """Resolve a plain scalar by the YAML 1.2 core schema."""
    if text and text[0] not in _MAYBE_SPECIAL:
        return text
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if _INT10.fullmatch(text):
        return _in_range(text, 10, text)
    if _INT8.fullmatch(text):
        return _in_range(text[2:], 8, text)
    if _INT16.fullmatch(text):
        return _in_range(text[2:], 16, text)
    if _FLOAT.fullmatch(text):
        return float(text)
    if _INF.fullmatch(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.fullmatch(text):
        return math.nan
    return text


def _tagged_scalar(tag: str, text: str) -> Any:
    """A scalar with an explicit standard tag, e.g. `!!str 10` or `!!float 1`."""
    kind = tag[len(_Y) :]
    if kind == "str":
        return text
    value = core_scalar(text)
    checks: dict[str, Callable[[Any], bool]] = {
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }
    if kind not in checks or not checks[kind](value):
        raise ValueError(f"'{text}' is not a valid !!{kind}")
    return float(value) if kind == "float" else value


class _Builder:
    """Turns a composed node tree into values, recording positions and collecting errors."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.count = 0
        self.errors: list[Diagnostic] = []

    def error(self, node: Node, path: SpecPath, message: str, code: str, hint: str = "") -> None:
        p = _span(node)
        self.errors.append(
            Diagnostic(
                message,
                self.doc.file,
                p.line,
                p.column,
                path,
                code=code,
                hint=hint,
                end_line=p.end_line,
                end_column=p.end_column,
            )
        )

    def value(self, node: Node, path: SpecPath) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise _CapExceeded(node, _EXPANDS, "GS108")
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
                "GS104",
                "remove the tag: a spec holds plain data",
            )
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
            return _tagged_scalar(node.tag, node.value)
        except ValueError as e:
            self.error(node, path, str(e), "GS112" if isinstance(e, OutOfRange) else "GS105")
            return None

    def mapping(self, node: MappingNode, path: SpecPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node, (*path, "<key>"))
            if not isinstance(key, str):
                self.error(key_node, path, f"keys must be strings, got {key!r}", "GS103")
                continue
            if key in first:
                prev = first[key].start_mark
                self.error(
                    key_node,
                    (*path, key),
                    f"duplicate key '{key}' "
                    f"(first given at line {prev.line + 1}, column {prev.column + 1})",
                    "GS102",
                )
                continue
            first[key] = key_node
            self.doc.key_positions[(*path, key)] = _span(key_node)
            out[key] = self.value(value_node, (*path, key))
        return out


class _CapExceeded(Exception):
    def __init__(self, node_or_mark: Any, message: str, code: str) -> None:
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
                event, f"the document has more than {MAX_EVENTS:,} YAML events", "GS109"
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
                raise _CapExceeded(event, f"nesting deeper than {MAX_DEPTH} levels", "GS107")
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, before = self.open.pop()
            if anchor:
                self.sizes[anchor] = self.values - before

    def grow(self, event: yaml.Event, values: int) -> None:
        self.values += values
        if self.values > MAX_VALUES:
            raise _CapExceeded(event, _EXPANDS, "GS108")


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
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        message = f"invalid YAML: {e.reason} (character #x{e.character:04x})"
        return Diagnostic(message, file, line, column, code="GS101")
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    problem = getattr(e, "problem", None) or str(e)
    if "exceeded maximum nesting depth" in problem and mark is not None:
        # libyaml ≥ 0.2.5 has its own depth cap (1000), met while scanning ahead of the events
        # graphspec counts: the same problem, so the same diagnostic
        depth = f"nesting deeper than {MAX_DEPTH} levels (a cap of graphspec's loader)"
        return Diagnostic(depth, file, mark.line + 1, mark.column + 1, code="GS107")
    context = getattr(e, "context", None)
    opened = getattr(e, "context_mark", None)
    if context and opened is not None and opened is not mark:
        context += f" (opened at line {opened.line + 1}, column {opened.column + 1})"
    message = f"invalid YAML: {context + ', ' if context else ''}{problem}"
    if mark is None:
        return Diagnostic(message, file, code="GS101")
    return Diagnostic(message, file, mark.line + 1, mark.column + 1, code="GS101")


def _too_large(file: str) -> Diagnostic:
    return Diagnostic(f"the file is larger than {MAX_BYTES:,} bytes", file, 1, 1, code="GS106")


def load_text(text: str, file: str = "<spec>", path: Path | None = None) -> Document:
    """Parse YAML text into a Document; raises LoadError with every problem found."""
    doc = Document(file=file, text=text, data=None, path=path)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise LoadError(_too_large(file))
    try:
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
    if builder.errors:
        raise LoadError(builder.errors)
    return doc


def load_file(path: str | Path, notes: tuple[str, ...] = ()) -> Document:
    """Read and parse one spec file (UTF-8, size-capped); `notes` say how it was included."""
    try:
        return _load_file(Path(path), notes)
    except LoadError as e:
        if not notes:
            raise
        raise LoadError([replace(d, notes=notes) for d in e.diagnostics]) from e


def _load_file(path: Path, notes: tuple[str, ...]) -> Document:
    p = Path(path)
    shown = display_path(p)
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise LoadError(
            Diagnostic(f"cannot read the file: {e.strerror or e}", shown, code="GS110")
        ) from e
    if len(raw) > MAX_BYTES:
        raise LoadError(_too_large(shown))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        start = raw.rfind(b"\n", 0, e.start) + 1
        col = len(raw[start : e.start].decode("utf-8", "replace")) + 1  # characters, as YAML's
        raise LoadError(
            Diagnostic("the file is not valid UTF-8", shown, line, col, code="GS111")
        ) from e
    doc = load_text(text, shown, p.resolve())
    doc.notes = notes
    return doc
