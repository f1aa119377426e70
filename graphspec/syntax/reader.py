"""Stage 1, load: one pass over the YAML parser's events → values, the caps counted as the
events come, and on demand the position of every key and value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import yaml
from yaml.composer import ComposerError

from graphspec.caps import MAX_DEPTH, MAX_EVENTS, MAX_VALUES
from graphspec.diagnostics import Code, codes
from graphspec.syntax.document import Pos
from graphspec.syntax.scalars import MAYBE_SPECIAL, core_scalar, tagged_scalar
from graphspec.syntax.scalars import YAML_TAG as _Y

try:
    from yaml.cyaml import CParser as Parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.parser import Parser as _PyParser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class Parser(Reader, Scanner, _PyParser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            _PyParser.__init__(self)


def plain(text: str) -> bool:
    """Whether `text` surely has no anchor and no alias: neither can be written without `&`
    or `*` (Events.plain; the positions of such a text: indexed.plain_positions)."""
    return "&" not in text and "*" not in text


def parser(text: str) -> Any:
    """libyaml's event parser of `text` (PyYAML's own, where it was built without libyaml)."""
    return Parser(text)


_Scalar, _Alias = yaml.ScalarEvent, yaml.AliasEvent
_SeqStart, _MapStart = yaml.SequenceStartEvent, yaml.MappingStartEvent
_SeqEnd, _MapEnd = yaml.SequenceEndEvent, yaml.MappingEndEvent
_STARTS, _ENDS = (_SeqStart, _MapStart), (_SeqEnd, _MapEnd)
STANDARD_TAGS = {f"{_Y}{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map")}
NO_TAG = (None, "!")

EXPANDS = f"the document expands to more than {MAX_VALUES:,} values (aliases expanding too far?)"


class CapExceeded(Exception):
    """A cap of the loader, passed at `mark`."""

    def __init__(self, node_or_mark: Any, message: str, code: Code) -> None:
        self.mark = getattr(node_or_mark, "start_mark", node_or_mark)
        self.code = code
        super().__init__(message)


class Deferred(Exception):
    """A problem the composer would have met (an alias, a second document): reported once the
    rest of the stream has been read for the caps and YAML errors, which come first."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        super().__init__(str(error))


class Retry(Exception):
    """A value with a problem, met by the fast pass: read again with positions and paths."""


def _pos(start: Any, end: Any) -> Pos:
    return Pos(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


class Events:
    """The parser's events, each counted against the caps (events, nesting depth, the values
    aliases expand to) as it is read; the events under each anchor recorded, to be replayed
    where an alias names it."""

    def __init__(self, text: str) -> None:
        self.parser = Parser(text)
        self.get = self.parser.get_event
        self.events = self.values = 0
        self.open: list[tuple[str | None, int]] = []  # anchor, values before the collection
        self.sizes: dict[str, int] = {}  # how many values each anchor expands to
        self.anchors: dict[str, list[Any]] = {}  # an anchor's events
        self.recording: list[tuple[str, list[Any], int]] = []  # open anchors: events, depth
        self.replay: list[Any] = []  # an alias's events to come, last first
        self.plain = plain(text)
        """No anchor and no alias: `Plain` can read it."""

    def next(self) -> Any:
        """The next event; the caps counted as in `count` (inline: this runs per event)."""
        if self.replay:
            return self.replay.pop()
        event: Any = self.get()
        self.events += 1
        if self.events > MAX_EVENTS:
            self.count(event)  # raises
        recording = self.recording
        if recording:
            for _, events, _ in recording:
                events.append(event)
        kind = type(event)
        if kind is _Scalar:
            self.values += 1
            if self.values > MAX_VALUES:
                raise CapExceeded(event, EXPANDS, codes.TOO_MANY_VALUES)
            if event.anchor is not None:
                self.sizes[event.anchor] = 1
                self.anchored(event, event.anchor)
        elif kind is _MapEnd or kind is _SeqEnd:
            anchor, before = self.open.pop()
            if anchor:
                self.sizes[anchor] = self.values - before
                if recording and recording[-1][2] > len(self.open):
                    anchor, events, _ = recording.pop()
                    self.anchors[anchor] = events
        elif kind is _MapStart or kind is _SeqStart:
            self.events -= 1
            self.count(event)
            if event.anchor is not None:
                self.anchored(event, event.anchor)
        elif kind is _Alias:
            self.grow(event, self.sizes.get(event.anchor or "", 1))
            self.anchored(event, event.anchor)
        return event

    def count(self, event: Any) -> None:
        """Count one event against the caps (the event stream's own bounds)."""
        self.events += 1
        if self.events > MAX_EVENTS:
            raise CapExceeded(
                event,
                f"the document has more than {MAX_EVENTS:,} YAML events",
                codes.TOO_MANY_YAML_EVENTS,
            )
        kind = type(event)
        if kind is _Scalar:
            self.grow(event, 1)
            if event.anchor:
                self.sizes[event.anchor] = 1
        elif kind in _STARTS:
            self.open.append((event.anchor, self.values))
            self.grow(event, 1)
            if len(self.open) > MAX_DEPTH:
                raise CapExceeded(
                    event, f"nesting deeper than {MAX_DEPTH} levels", codes.NESTING_TOO_DEEP
                )
        elif kind in _ENDS:
            anchor, before = self.open.pop()
            if anchor:
                self.sizes[anchor] = self.values - before
        elif kind is _Alias:
            self.grow(event, self.sizes.get(event.anchor or "", 1))

    def grow(self, event: Any, values: int) -> None:
        self.values += values
        if self.values > MAX_VALUES:
            raise CapExceeded(event, EXPANDS, codes.TOO_MANY_VALUES)

    def anchored(self, event: Any, anchor: str) -> None:
        """An event with an anchor, or an alias: the composer's checks, the recording."""
        opened = next((events for a, events, _ in self.recording if a == anchor), None)
        mark: Any = event.start_mark
        if type(event) is _Alias:
            if anchor not in self.anchors and opened is None:
                raise Deferred(ComposerError(None, None, "found undefined alias", mark))
            return
        first = self.anchors.get(anchor) or opened
        if first is not None:
            raise Deferred(
                ComposerError(
                    "found duplicate anchor; first occurrence",
                    first[0].start_mark,
                    "second occurrence",
                    event.start_mark,
                )
            )
        if type(event) is _Scalar:
            self.anchors[anchor] = [event]
        else:
            self.recording.append((anchor, [event], len(self.open)))

    def alias(self, event: Any) -> Any:
        """The first event of what the alias names (the rest replayed after it)."""
        events = self.anchors.get(event.anchor)
        if events is None:  # an anchor still open: the value would contain itself
            raise Deferred(CapExceeded(event, EXPANDS, codes.TOO_MANY_VALUES))
        self.replay.extend(reversed(events))
        return self.next()

    def skip(self, event: Any) -> Any:
        """Read past the value `event` starts (its anchors and aliases still checked); its
        last event."""
        depth = 1 if type(event) in _STARTS else 0
        while depth:
            event = self.next()
            kind = type(event)
            depth += 1 if kind in _STARTS else -1 if kind in _ENDS else 0
        return event

    def drain(self) -> None:
        """Read the rest of the stream for its caps and YAML errors only."""
        self.replay.clear()
        get: Callable[[], Any] = self.get
        while (event := get()) is not None:
            self.count(event)


class Fast:
    """The values alone: no positions, no paths; Retry at the first problem."""

    def __init__(self, events: Events) -> None:
        self.events = events
        self.one = cast(Callable[[str, str], str], {}.setdefault)
        """One string object per text (keys, layer names… repeat in every node)."""

    def value(self, event: Any) -> Any:
        kind = type(event)
        if kind is _Alias:
            event = self.events.alias(event)
            kind = type(event)
        tag = event.tag
        if kind is _Scalar:
            if tag in NO_TAG:
                text = event.value
                if not event.implicit[0] or (text and text[0] not in MAYBE_SPECIAL):
                    return self.one(text, text)  # quoted, or plain and a string (most are)
                try:
                    value = core_scalar(text)
                except ValueError:
                    raise Retry from None
                return self.one(value, value) if type(value) is str else value
            if tag not in STANDARD_TAGS:
                raise Retry
            try:
                return tagged_scalar(tag, event.value)
            except ValueError:
                raise Retry from None
        if tag not in NO_TAG and tag not in STANDARD_TAGS:
            raise Retry
        nxt, value = self.events.next, self.value
        if kind is _SeqStart:
            items = []
            while type(item := nxt()) is not _SeqEnd:
                items.append(value(item))
            return items
        out: dict[str, Any] = {}
        while type(key_event := nxt()) is not _MapEnd:
            key = value(key_event)
            if type(key) is not str or key in out:
                raise Retry
            out[key] = value(nxt())
        return out


class Plain(Fast):
    """`Fast` for a text with no anchor and no alias (Events.plain): the parser's events read
    in the loops themselves, with nothing to record or replay, and counted per collection
    (`start`, `counted`) instead of per event."""

    def __init__(self, events: Events) -> None:
        super().__init__(events)
        self.plain: dict[str, Any] = {}
        """Each plain scalar's text → its value (`Dense`, `relu`, `8` recur in every node)."""

    def scalar(self, event: Any) -> Any:
        if event.implicit[0] and event.tag in NO_TAG:  # plain: resolved by the core schema
            text = event.value
            value = self.plain.get(text, _MISSING)
            if value is _MISSING:
                try:
                    value = self.plain[text] = core_scalar(text)
                except ValueError:
                    raise Retry from None
            return value
        if event.tag in NO_TAG:  # quoted: a string
            return self.one(event.value, event.value)
        return Fast.value(self, event)

    def value(self, event: Any) -> Any:
        """The value `event` starts (already counted)."""
        if type(event) is _Scalar:
            return self.scalar(event)
        tag = event.tag
        if tag not in NO_TAG and tag not in STANDARD_TAGS:
            raise Retry
        return self.sequence() if type(event) is _SeqStart else self.mapping()

    def start(self, event: Any) -> Any:
        """A collection inside another: counted at once (its depth), then read."""
        events = self.events
        events.events += 1
        events.values += 1
        events.open.append((None, 0))  # what Events.count keeps, for its depth
        if len(events.open) > MAX_DEPTH:
            events.open.pop()
            events.count(event)  # raises NESTING_TOO_DEEP
        return self.value(event)

    def sequence(self) -> list[Any]:
        items: list[Any] = []
        nested = 0
        get: Callable[[], Any] = self.events.get
        scalar, seen = self.scalar, self.plain.get
        while (kind := type(event := get())) is not _SeqEnd:
            if kind is not _Scalar:
                items.append(self.start(event))
                nested += 1
            elif not event.implicit[0] or (item := seen(event.value, _MISSING)) is _MISSING:
                items.append(scalar(event))  # as in `mapping`
            else:
                items.append(item)
        self.counted(event, len(items) - nested)
        return items

    def mapping(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        nested = 0
        get: Callable[[], Any] = self.events.get
        scalar, seen = self.scalar, self.plain.get
        while (kind := type(event := get())) is not _MapEnd:
            # a plain scalar already seen is looked up here (inline: this runs per scalar):
            # implicit[0] is false for a quoted or tagged one, true for a plain one (also
            # under the bare `!` tag, which Fast and Indexed read as no tag)
            if kind is not _Scalar:
                key, nested = self.start(event), nested + 1
            elif not event.implicit[0] or (key := seen(event.value, _MISSING)) is _MISSING:
                key = scalar(event)
            if type(key) is not str or key in out:
                raise Retry  # a key that is not a string, or a key twice
            if type(event := get()) is not _Scalar:
                out[key], nested = self.start(event), nested + 1
            elif not event.implicit[0] or (value := seen(event.value, _MISSING)) is _MISSING:
                out[key] = scalar(event)
            else:
                out[key] = value
        self.counted(event, 2 * len(out) - nested)
        return out

    def counted(self, end: Any, scalars: int) -> None:
        """A collection's scalars and its end, counted at its end: a plain text's events are
        bounded by its size (MAX_BYTES), so the caps are checked per collection, not per
        event; past one, the diagnostic points at the end of the collection that passed it."""
        events = self.events
        events.open.pop()
        events.events += scalars + 1
        events.values += scalars
        if events.events > MAX_EVENTS:
            events.count(end)  # raises
        if events.values > MAX_VALUES:
            raise CapExceeded(end, EXPANDS, codes.TOO_MANY_VALUES)


_MISSING = object()


def run(events: Events, build: Callable[[Any], Any]) -> Any:
    """The one document of the stream, built by `build` from its first event; the rest of the
    stream read for its caps and errors; what the composer would refuse raised last."""
    try:
        try:
            events.next()  # the stream's start
            if type(events.next()) is yaml.StreamEndEvent:
                events.drain()
                return None
            root = events.next()
            data = build(root)
            events.next()  # the document's end
            last = events.next()
            if type(last) is not yaml.StreamEndEvent:
                raise Deferred(
                    ComposerError(
                        "expected a single document in the stream",
                        root.start_mark,
                        "but found another document",
                        last.start_mark,
                    )
                )
            events.drain()
            return data
        except Deferred as e:
            events.drain()
            raise e.error from None
    finally:
        events.parser.dispose()


def check_bounds(text: str) -> None:
    """Count the whole stream against the caps before building anything (for a document with
    aliases: what they expand to is refused before it is built)."""
    events = Events(text)
    try:
        events.drain()
    finally:
        events.parser.dispose()


def read(text: str) -> Any:
    """The document's values; Retry when a value has a problem (then `read_indexed`)."""
    events = Events(text)
    return run(events, (Plain if events.plain else Fast)(events).value)
