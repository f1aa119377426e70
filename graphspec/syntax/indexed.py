"""Stage 1, load, when a value has a problem (or a diagnostic needs a position): the values
read again with the position of every key and value, and every problem collected."""

from __future__ import annotations

from typing import Any

import yaml

from graphspec.diagnostics import Code, Diagnostic, SpecPath, codes
from graphspec.syntax.document import Pos
from graphspec.syntax.reader import NO_TAG, STANDARD_TAGS, Events, run
from graphspec.syntax.scalars import YAML_TAG as _Y
from graphspec.syntax.scalars import OutOfRange, core_scalar, tagged_scalar

_Scalar, _Alias = yaml.ScalarEvent, yaml.AliasEvent
_SeqStart, _SeqEnd, _MapEnd = yaml.SequenceStartEvent, yaml.SequenceEndEvent, yaml.MappingEndEvent


def _pos(start: Any, end: Any) -> Pos:
    return Pos(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


class Indexed:
    """The values with the position of every key and value, and every problem collected."""

    def __init__(self, events: Events, file: str) -> None:
        self.events, self.file = events, file
        self.positions: dict[SpecPath, Pos] = {}
        self.key_positions: dict[SpecPath, Pos] = {}
        self.errors: list[Diagnostic] = []
        self.spoiled: set[SpecPath] = set()
        """Paths whose values had errors and were replaced by null."""
        self.span = Pos(0, 0)
        """Where the last value read was written."""
        self.end: Any = None
        """The last event of the last collection read."""

    def error(self, span: Pos, path: SpecPath, message: str, code: Code, hint: str = "") -> None:
        self.errors.append(
            Diagnostic(
                message,
                self.file,
                span.line,
                span.column,
                code=code,
                path=path,
                hint=hint,
                end_line=span.end_line,
                end_column=span.end_column,
            )
        )

    def value(self, event: Any, path: SpecPath) -> Any:
        if type(event) is _Alias:
            event = self.events.alias(event)
        fresh = path not in self.positions
        if type(event) is _Scalar:
            self.span = span = _pos(event.start_mark, event.end_mark)
            if fresh:
                self.positions[path] = span
        elif fresh:
            self.positions[path] = Pos(0, 0)  # in file order: the end is known after the items
        tag = event.tag
        if tag not in NO_TAG and tag not in STANDARD_TAGS:
            if type(event) is not _Scalar:
                start = event.start_mark
                self.end = self.events.skip(event)
                self.span = _pos(start, self.end.end_mark)
                if fresh:
                    self.positions[path] = self.span
            self.refused_tag(tag, path)
            return None
        if type(event) is _Scalar:
            return self.scalar(event, path)
        start = event.start_mark
        if type(event) is _SeqStart:
            out: Any = self.sequence(path)
        else:
            out = self.mapping(path)
        self.span = _pos(start, self.end.end_mark)
        if fresh:
            self.positions[path] = self.span
        return out

    def refused_tag(self, tag: str, path: SpecPath) -> None:
        shown = tag.replace(_Y, "!!")
        self.error(
            self.span,
            path,
            f"tag '{shown}' is not allowed: only the standard tags "
            "(str, int, float, bool, null, seq, map); no tag constructs objects",
            codes.TAG_NOT_ALLOWED,
            "remove the tag: a spec holds plain data",
        )
        self.spoiled.add(path)

    def scalar(self, event: Any, path: SpecPath) -> Any:
        try:
            if event.tag in NO_TAG:
                return core_scalar(event.value) if event.implicit[0] else event.value
            return tagged_scalar(event.tag, event.value)
        except ValueError as e:
            out_of_range = isinstance(e, OutOfRange)
            code = codes.INTEGER_OUT_OF_RANGE if out_of_range else codes.VALUE_NOT_OF_TAG
            self.error(self.span, path, str(e), code)
            self.spoiled.add(path)
            return None

    def sequence(self, path: SpecPath) -> list[Any]:
        items: list[Any] = []
        while type(event := self.events.next()) is not _SeqEnd:
            items.append(self.value(event, (*path, len(items))))
        self.end = event
        return items

    def mapping(self, path: SpecPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first: dict[str, Pos] = {}
        nxt = self.events.next
        while type(key_event := nxt()) is not _MapEnd:
            key = self.value(key_event, (*path, "<key>"))
            span = self.span
            if not isinstance(key, str):
                self.error(span, path, f"keys must be strings, got {key!r}", codes.KEY_NOT_STRING)
                self.events.skip(nxt())
                continue
            if key in first:
                prev = first[key]
                self.error(
                    span,
                    (*path, key),
                    f"duplicate key '{key}' "
                    f"(first given at line {prev.line}, column {prev.column})",
                    codes.DUPLICATE_KEY,
                )
                self.events.skip(nxt())
                continue
            first[key] = span
            self.key_positions[(*path, key)] = span
            out[key] = self.value(nxt(), (*path, key))
        self.end = key_event
        return out


def read_indexed(text: str, file: str) -> tuple[Any, Indexed]:
    """The document's values, and the builder holding their positions and problems."""
    events = Events(text)
    builder = Indexed(events, file)
    data = run(events, lambda event: builder.value(event, ()))
    return data, builder
