"""Stage 1, load, when a value has a problem (or a diagnostic needs a position): the values
read again with the position of every key and value, and every problem collected; or, for a
text read before without a problem, the positions alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from graphspec.diagnostics import Code, Diagnostic, SpecPath, codes
from graphspec.syntax.document import Pos
from graphspec.syntax.reader import NO_TAG, STANDARD_TAGS, Events, parser, run
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


_NOWHERE = Pos(0, 0)
"""A collection's place until its end is read (the positions are kept in file order)."""


class Positions:
    """The positions `Indexed` finds, and only those (no value is built again), in a text that
    was read before without a problem and that has no anchor or alias (Events.plain): every
    key is then a string, written as the parser gives it, and none is written twice."""

    def __init__(self, get: Callable[[], Any]) -> None:
        self.get = get
        self.positions: dict[SpecPath, Pos] = {}
        self.key_positions: dict[SpecPath, Pos] = {}

    def value(self, event: Any, path: SpecPath) -> None:
        if type(event) is _Scalar:
            self.positions[path] = _pos(event.start_mark, event.end_mark)
            return
        start = event.start_mark
        self.positions[path] = _NOWHERE  # in file order: the end is known after the items
        last = self.sequence(path) if type(event) is _SeqStart else self.mapping(path)
        self.positions[path] = _pos(start, last.end_mark)

    def sequence(self, path: SpecPath) -> Any:
        get, value, i = self.get, self.value, 0
        while type(event := get()) is not _SeqEnd:
            value(event, (*path, i))
            i += 1
        return event

    def mapping(self, path: SpecPath) -> Any:
        get, value, keys, positions = self.get, self.value, self.key_positions, self.positions
        while type(key := get()) is not _MapEnd:
            here = (*path, key.value)
            keys[here] = _pos(key.start_mark, key.end_mark)
            if type(event := get()) is _Scalar:  # (most values: `value`, inline)
                positions[here] = _pos(event.start_mark, event.end_mark)
            else:
                value(event, here)
        return key


def plain_positions(text: str) -> Positions:
    """The positions of every value and key of `text` (read before without a problem, with
    no anchor or alias: see Positions)."""
    events = parser(text)
    try:
        found = Positions(events.get_event)
        found.get()  # the stream's start
        if type(found.get()) is not yaml.StreamEndEvent:  # the document's start
            found.value(found.get(), ())
        return found
    finally:
        events.dispose()


def read_indexed(text: str, file: str) -> tuple[Any, Indexed]:
    """The document's values, and the builder holding their positions and problems."""
    events = Events(text)
    builder = Indexed(events, file)
    data = run(events, lambda event: builder.value(event, ()))
    return data, builder
