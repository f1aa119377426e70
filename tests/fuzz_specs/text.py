"""Text mutations for fuzzing (splices whose offsets follow later ones), and the mutants drawn from both kinds."""

from __future__ import annotations

import bisect
import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from hypothesis import strategies as st

from graphspec.syntax.loader import load_text
from tests.fuzz_specs.mutations import (
    DATA_MUTATIONS,
    SMALL_SPECS,
    Site,
    ids_of,
    keys_and_ids,
    make_cycle,
    moved,
    still_there,
)
from tests.fuzz_specs.valid import Draw, dump, valid_specs

# ---- text mutations: each is a splice (or a few), so that touched offsets can follow later ones


@dataclass
class Edit:
    """A text mutation's result: the new text, the spans it touched in it, and where an offset
    of the old text is in the new one."""

    text: str
    spans: list[tuple[int, int]]
    remap: Callable[[int], int]


def _splice(
    text: str, start: int, end: int, new: str, spans: list[tuple[int, int]] | None = None
) -> Edit:
    def remap(o: int) -> int:
        return o if o <= start else start + len(new) + max(o - end, 0)

    # a piece ending in a line break (`\u2028`, say) also touches the line it starts: the
    # text after it now reads as a line of its own
    broken = (
        bool(new)
        and YAML_BREAK.fullmatch(new[-1]) is not None
        and start + len(new) < len(text[:start] + new + text[end:])
    )
    touched = [(start, start + len(new) + broken)] if spans is None else spans
    return Edit(text[:start] + new + text[end:], touched, remap)


def _line_at(draw: Draw, text: str) -> tuple[int, str]:
    """A random `\\n`-separated line: its start offset and its text."""
    lines = text.split("\n")
    i = draw(st.integers(0, len(lines) - 1))
    return sum(len(line) + 1 for line in lines[:i]), lines[i]


def _delete_line(draw: Draw, text: str) -> Edit:
    start, line = _line_at(draw, text)
    end = start + len(line)
    if end < len(text):
        end += 1  # with its line break
    elif start > 0:
        start -= 1  # the last line: with the break before it
    # touched: the line before the join and the line after it
    return _splice(text, start, end, "", [(max(start - 1, 0), start + 1)])


def _duplicate_line(draw: Draw, text: str) -> Edit:
    start, line = _line_at(draw, text)
    copy_ = line + "\n"
    return _splice(text, start, start, copy_, [(start, start + len(copy_) + 1)])  # both lines


def _tab(draw: Draw, text: str) -> Edit:
    start, line = _line_at(draw, text)
    return _splice(text, start, start + len(line) - len(line.lstrip(" ")), "\t")


def _insert(draw: Draw, text: str, piece: str) -> Edit:
    i = draw(st.integers(0, len(text)))
    return _splice(text, i, i, piece)


def _value_of_line(draw: Draw, text: str, value: str) -> Edit:
    """Replace the value after the first `: ` of a random line (or append a key) with `value`."""
    start, line = _line_at(draw, text)
    head, sep, _ = line.partition(": ")
    if sep:
        return _splice(text, start, start + len(line), f"{head}: {value}")
    piece = f"\nextra: {value}"
    end = start + len(line)
    return _splice(text, end, end, piece, [(start, end + len(piece))])


def _append(text: str, piece: str) -> Edit:
    return _splice(text, len(text), len(text), piece)


def _second_document(draw: Draw, text: str) -> Edit:
    prefix, suffix = draw(
        st.sampled_from(
            [("", "\n---\na: 1\n"), ("---\n", ""), ("", "\n...\n"), ("%YAML 1.1\n---\n", "")]
        )
    )
    return _splice(text, 0, 0, prefix) if prefix else _append(text, suffix)


def _crlf(draw: Draw, text: str) -> Edit:
    """Every line break becomes CRLF: no line changes, so nothing is touched."""
    return Edit(text.replace("\n", "\r\n"), [], lambda o: o + text.count("\n", 0, o))


def _bom(draw: Draw, text: str) -> Edit:
    """A byte order mark first: the reader drops one, so it touches nothing unless it's a second."""
    return _splice(text, 0, 0, "\ufeff", [(0, 1)] if text.startswith("\ufeff") else [])


def _truncate(draw: Draw, text: str) -> Edit:
    k = draw(st.integers(0, len(text)))
    return Edit(text[:k], [(k, k)], lambda o: min(o, k))


_ALIASES = "\nlol1: &l1 [x, x, x, x, x, x, x, x, x]\nlol2: &l2 [*l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1]\nlol3: [*l2, *l2, *l2, *l2]\n"  # fmt: skip

TEXT_MUTATIONS: dict[str, Callable[[Draw, str], Edit]] = {
    "delete_line": _delete_line,
    "duplicate_line": _duplicate_line,
    "tab": _tab,
    "bracket": lambda d, t: _insert(d, t, d(st.sampled_from(list("[]{}'\"&*!|>%@`#,?:-")))),
    "python_tag": lambda d, t: _value_of_line(
        d, t, d(st.sampled_from(["!!python/object/apply:os.system ['true']", "!!python/name:os.system", "!custom 1", "!!binary aGk=", "!!int x", "!!float 1", "!!set {a}"]))
    ),
    "anchor": lambda d, t: _value_of_line(
        d, t, d(st.sampled_from(["&a 4", "*a", "&a [1, 2]", "*undefined", "&a {layer: Dense}"]))
    ),
    "aliases": lambda d, t: _append(t, _ALIASES),
    "merge_key": lambda d, t: _value_of_line(d, t, "{<<: {a: 1}, b: 2}"),
    "second_document": _second_document,
    "unicode": lambda d, t: _insert(d, t, d(st.text(min_size=1, max_size=4))),
    "long_number": lambda d, t: _value_of_line(d, t, "9" * 5000),
    "long_scalar": lambda d, t: _value_of_line(d, t, "a" * d(st.sampled_from([1000, 100_000, 5_000_000]))),
    "deep": lambda d, t: _value_of_line(d, t, "[" * 70 + "]" * 70),
    "crlf": _crlf,
    "bom": _bom,
    "control": lambda d, t: _insert(d, t, d(st.sampled_from(["\x00", "\x07", "\x1b", "\ufffe", "\u2028"]))),
    "truncate": _truncate,
}  # fmt: skip
"""Mutations of the YAML text."""

YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
"""Line breaks as YAML 1.1 (libyaml, whose marks locate graphspec's diagnostics) counts them."""
LF = re.compile("\n")


def yaml_lines(
    text: str, spans: list[tuple[int, int]], breaks: re.Pattern[str] = YAML_BREAK
) -> tuple[int, ...]:
    """The 1-based lines the spans of `text` cover, as YAML numbers lines (or by `breaks`)."""
    ends = [m.end() for m in breaks.finditer(text)]
    lines: set[int] = set()
    for s, e in spans:
        first, last = (bisect.bisect_right(ends, o) + 1 for o in (s, max(s, e - 1)))
        lines.update(range(first, last + 1))
    return tuple(sorted(lines))


@dataclass
class Mutant:
    """A mutated spec: where it came from, what was done, where, and its bytes."""

    source: str
    steps: list[str]
    content: bytes
    sites: list[Site] = field(default_factory=list)
    text_ids: frozenset[str] = frozenset()
    """The ids of inputs, nodes, shared entries and blocks before the text-level mutations:
    those the mutations took away leave references to them dangling."""
    text_keys: frozenset[str] = frozenset()
    """The top-level keys before the text-level mutations: one they took away may be missing."""


def sources(generated_only: bool = False) -> st.SearchStrategy[tuple[str, str]]:
    """A bundled small spec or a freshly generated valid one, as (name, text)."""
    generated = valid_specs(max_steps=4).map(lambda g: ("generated", g.text))
    if generated_only:
        return generated
    bundled = st.sampled_from([(p.name, p.read_text("utf-8")) for p in SMALL_SPECS])
    return st.one_of(bundled, generated)


@st.composite
def mutants(draw: Draw, generated_only: bool = False) -> Mutant:
    """Up to three data-level and text-level mutations of a valid spec, with their sites."""
    name, text = draw(sources(generated_only))
    steps: list[str] = []
    sites: list[Site] = []
    data_steps = draw(st.lists(st.sampled_from(sorted(DATA_MUTATIONS)), max_size=3))
    if data_steps:
        data = load_text(text).data
        for m in data_steps:
            ids = set(ids_of(data))
            site = DATA_MUTATIONS[m](draw, data)
            if site is None:
                continue
            site = replace(site, gone=frozenset(ids - set(ids_of(data))))
            if site.kind == "rename_key":
                assert site.old is not None and site.path is not None
                sites = [moved(s, site.old, site.path) for s in sites]
            sites = [s for s in sites if still_there(s, data)] + [site]
        steps += data_steps
        text = dump(data, draw(st.sampled_from([None, False, True])))
    text_steps = draw(
        st.lists(st.sampled_from(sorted(TEXT_MUTATIONS)), max_size=2 if data_steps else 3)
    )
    touched: list[tuple[str, list[tuple[int, int]]]] = []
    text_keys, text_ids = keys_and_ids(text) if text_steps else (frozenset(), frozenset())
    for m in text_steps:
        edit = TEXT_MUTATIONS[m](draw, text)
        touched = [(k, [(edit.remap(s), edit.remap(e)) for s, e in sp]) for k, sp in touched]
        touched.append((m, edit.spans))
        text = edit.text
    steps += text_steps
    sites += [
        Site(k, lines=yaml_lines(text, spans), lf_lines=yaml_lines(text, spans, LF))
        for k, spans in touched
    ]
    content = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 30)) == 15:  # one in 31 (Hypothesis favours the bounds)
        i = draw(st.integers(0, len(content)))
        content = content[:i] + b"\xff" + content[i:]
        before = content[:i].decode("utf-8", "replace")
        at = [(len(before), len(before))]
        lines, lf_lines = yaml_lines(before, at), yaml_lines(before, at, LF)
        sites.append(Site("invalid_utf8", lines=lines, lf_lines=lf_lines))
        steps.append("invalid_utf8")
    return Mutant(name, steps, content, sites, text_ids, text_keys)


@st.composite
def planted_cycles(draw: Draw) -> Mutant:
    """A generated valid spec with one cycle planted (make_cycle), and nothing else wrong."""
    data = copy.deepcopy(draw(valid_specs()).data)
    site = make_cycle(draw, data)
    assert site is not None  # a generated spec has nodes
    text = dump(data, draw(st.sampled_from([None, False, True])))
    return Mutant("generated", ["make_cycle"], text.encode(), [site])
