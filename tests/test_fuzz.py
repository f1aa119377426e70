"""Fuzzing: random valid specs build as checked; mutated specs get located errors, never a crash.

A mutant's errors must be located honestly: each mutation records what it changed (a spec
path, or the lines it touched), and at least one error must point there, none by falling back
to the top of the file (see "located errors"); a planted cycle must be reported as GS401
naming the nodes of the cycle.

A few hundred cases in the default ("ci") profile; `GRAPHSPEC_FUZZ=10000 python -m pytest -n 2
tests/test_fuzz.py` runs ten thousand (README, Fuzzing). A case that does not answer within
the watchdog (GRAPHSPEC_FUZZ_WATCHDOG seconds, default 30) fails, and is saved with any other
failing mutant under GRAPHSPEC_FUZZ_FINDINGS (default /tmp/fuzz_findings).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import os
import re
import signal
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.control import current_build_context

import graphspec
from graphspec.caps import MAX_BYTES, MAX_INT
from graphspec.diagnostics import Diagnostic, GraphSpecError, SpecPath
from graphspec.files import display_path
from graphspec.ir import LayerIR, Program
from graphspec.syntax.document import Document
from graphspec.syntax.loader import load_file, load_text
from graphspec.syntax.schema import Spec
from graphspec.views.expand import expanded
from graphspec.views.spec_yaml import to_yaml
from tests.conftest import FUZZ_CASES
from tests.fuzz_specs import (
    YAML_BREAK,
    Generated,
    Mutant,
    Site,
    dump,
    ids_of,
    mutants,
    planted_cycles,
    refs,
    valid_specs,
    value_at,
)

FINDINGS = Path(os.environ.get("GRAPHSPEC_FUZZ_FINDINGS", "/tmp/fuzz_findings"))
WATCHDOG = float(os.environ.get("GRAPHSPEC_FUZZ_WATCHDOG", "30"))
CI_CASES = {"check": 150, "build": 30, "mutate": 270, "cycle": 30, "mutate_build": 40, "cli": 40}
"""Cases per test in the "ci" profile; the "fuzz" profile shares GRAPHSPEC_FUZZ among them
in these proportions."""


def cases(test: str) -> settings:
    n = CI_CASES[test]
    if settings.get_current_profile_name() == "fuzz":
        n = max(1, round(n * FUZZ_CASES / sum(CI_CASES.values())))
    return settings(
        max_examples=n,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


class Hang(BaseException):
    """No answer within the watchdog's time (a BaseException: Hypothesis does not shrink it)."""


def save_finding(kind: str, content: bytes) -> Path:
    """Keep a failing case under FINDINGS (while shrinking, only the final, minimal one)."""
    path = FINDINGS / f"{kind}_{hashlib.sha1(content).hexdigest()[:10]}.yaml"
    with contextlib.suppress(Exception):
        if not current_build_context().is_final and kind != "hang":
            return path
    FINDINGS.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@contextlib.contextmanager
def watchdog(content: bytes) -> Iterator[None]:
    """Turn a hang into a failure naming the saved case; never a timing assertion."""

    def fire(signum: int, frame: Any) -> None:
        raise Hang(
            f"no answer within {WATCHDOG:g} s; case saved as {save_finding('hang', content)}"
        )

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, WATCHDOG)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def spec_file(content: bytes, name: str = "fuzzed.yaml") -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        yield path


# ---- located errors -------------------------------------------------------------------------
#
# Each mutant records what it mutated (Site, tests/fuzz_specs/mutations.py): the spec path of the entry a
# data-level mutation changed, the lines a text-level one touched. Its errors must each name the
# file and a line and column in it; none may be located by falling back to the top of the file
# (no error at 1:1 unless a mutation is on line 1, none whose path is not in the document); and
# at least one must point at what a mutation changed (`explanation`, rules below). Location
# bugs found this way, fixed since, keep regression tests at the end.

WHOLE_FILE = re.compile(r"cannot read the file")
"""Messages about the file as a whole, which may have no line (none of the mutants' problems)."""

SECTIONS = ("inputs", "nodes", "shared", "blocks", "outputs", "compile", "expect")
ROOT_CODES = {"GS201", "GS204"}
"""Problems of the top-level mapping itself (not a mapping; a required key missing), located
at it: path (), line 1, column 1 in the mutants."""
READ_CODES = {"GS101", "GS102", "GS103", "GS104", "GS105", "GS107", "GS108", "GS109", "GS112"}
"""What the loader finds reading the text from the start. A text mutation changes how all that
follows it reads (an unclosed quote or bracket, a line cut short), so these come at or after the
first line it touched (an unclosed bracket is found where the text runs out)."""
READER = re.compile(r"the file is not valid UTF-8|\(character #x[0-9a-f]+\)$")
"""The loader's own positions (a byte that is not UTF-8, a character YAML refuses); the rest
come from libyaml's marks."""


def unmarked(raw: bytes) -> str:
    """The text as libyaml reads it: the loader's decoder drops a leading byte order mark, and
    libyaml one more."""
    return raw.decode("utf-8-sig").removeprefix("\ufeff")


def not_utf8(raw: bytes) -> tuple[tuple[int, int], set[tuple[int, int]]] | None:
    """Where the first byte that is not UTF-8 is (by YAML's line breaks, in characters, leading
    byte order marks not counted), and no other place it may be."""
    try:
        raw.decode("utf-8")
        return None
    except UnicodeDecodeError as e:
        at = e.start
    before = unmarked(raw[:at])
    lines = YAML_BREAK.split(before)
    return (len(lines), len(lines[-1]) + 1), set()  # lf_lines and bom_not_utf8: fixed


DANGLING = {"GS320", "GS323", "GS324", "GS341", "GS344", "GS703"}
"""A reference to an input, node, shared entry, block or output that is not there."""
INTERFACE = {"GS321", "GS322", "GS326", "GS327", "GS328", "GS329", "GS330", "GS331", "GS333"}
INTERFACE |= {"GS334", "GS342"}
"""How a user calls an entry: its outputs (index, names, how many), a block's parameters and
inputs."""


def propagates(code: str) -> bool:
    """Problems found where values meet, so that a change upstream can cause them downstream:
    shapes, an output index past a changed value's outputs, what Keras refuses, expectations."""
    return code[:3] in ("GS5", "GS6", "GS7") or code in ("GS321", "GS322")


def within(p: SpecPath, q: SpecPath) -> bool:
    """p is q or under it."""
    return p[: len(q)] == q


def entry(path: SpecPath) -> SpecPath:
    """The top-level entry a path is in: an input, node, shared entry, block or output
    (`(section, id)`), a compile or expect setting, or a top-level key."""
    return path[:2] if len(path) >= 2 and path[0] in SECTIONS else path[:1]


def entry_id(path: SpecPath | None) -> str | None:
    """The id the entry of `path` defines, when it is an input, node, shared entry or block."""
    e = entry(path or ())
    return str(e[1]) if len(e) == 2 and e[0] in SECTIONS[:4] else None


def strings_under(value: Any, key: str) -> set[str]:
    """Every string given to `key` (`use`, `block`) anywhere inside `value`."""
    if isinstance(value, list):
        return set().union(*(strings_under(v, key) for v in value))
    if not isinstance(value, dict):
        return set()
    own = {value[key]} if isinstance(value.get(key), str) else set()
    return own.union(*(strings_under(v, key) for v in value.values()))


class Graph:
    """Who refers to whom at the top level of the mutant's data."""

    def __init__(self, data: Any) -> None:
        self.data = data if isinstance(data, dict) else {}
        self.section: dict[str, dict[str, Any]] = {
            s: v if isinstance(v := self.data.get(s), dict) else {} for s in SECTIONS[:4]
        }

    def reads(self, section: str, value: Any) -> set[str]:
        """The ids an entry reads (a node: its inputs) or calls (`use:`, `block:` in it)."""
        called = strings_under(value, "use") | strings_under(value, "block")
        return called | (set(refs(value)) if section == "nodes" else set())

    def users(self, ids: set[str]) -> list[SpecPath]:
        """The entries naming one of `ids`: nodes, blocks and shared entries that read or call
        them, outputs, and per-output settings of compile and expect."""
        found: list[SpecPath] = [
            (s, k)
            for s in ("nodes", "blocks", "shared")
            for k, v in self.section[s].items()
            if self.reads(s, v) & ids
        ]
        outputs = self.data.get("outputs")
        if isinstance(outputs, dict | list):
            named = outputs.items() if isinstance(outputs, dict) else enumerate(outputs)
            for k, v in named:
                name = k if isinstance(outputs, dict) else v
                if isinstance(name, str) and name.split(".")[0] in ids:
                    found.append(("outputs", k))
        for section in ("compile", "expect"):
            per = self.data.get(section)
            for k, v in per.items() if isinstance(per, dict) else ():
                found += [(section, k, o) for o in v if o in ids] if isinstance(v, dict) else []
        return found

    def callees(self, regions: Sequence[SpecPath]) -> list[SpecPath]:
        """The blocks and shared entries that the entries at `regions` call, and those call."""
        todo = [value_at(self.data, r) for r in regions]
        found: list[SpecPath] = []
        while todo:
            value = todo.pop()
            for section, key in (("blocks", "block"), ("shared", "use")):
                for i in sorted(strings_under(value, key)):
                    if (section, i) not in found and i in self.section[section]:
                        found.append((section, i))
                        todo.append(self.section[section][i])
        return found

    def downstream(self, ids: set[str]) -> list[SpecPath]:
        """What a change to `ids` reaches: the nodes, blocks and shared entries reading or
        calling them, directly or not; what those call; the outputs and settings naming them."""
        reached = set(ids)
        while more := {
            k
            for s in ("nodes", "blocks", "shared")
            for k, v in self.section[s].items()
            if k not in reached and self.reads(s, v) & reached
        }:
            reached |= more
        entries = [(s, k) for s in ("nodes", "blocks", "shared") for k in self.section[s]]
        hit = [e for e in entries if e[1] in reached]
        return [*hit, *self.callees(hit), *self.users(reached)]

    def spec_ids(self, flat: list[str]) -> set[str]:
        """The node ids of flat-graph ids (`n3_2` of a repeat, `n4_drop` of a block use)."""
        nodes = sorted(self.section["nodes"], key=len, reverse=True)
        return {next((n for n in nodes if f == n or f.startswith(n + "_")), f"?{f}") for f in flat}


def extents(doc: Document) -> dict[SpecPath, tuple[int, int]]:
    """Each located path's first and last line: from its key to its last value (a block
    collection ends with its last item, not where the next token starts)."""
    lines = YAML_BREAK.split(doc.text)
    own: dict[SpecPath, tuple[int, int]] = {}
    for p, pos in doc.positions.items():
        if "<key>" in p:
            continue
        end = pos.end_line - (pos.end_column == 1 and pos.end_line > pos.line)
        if isinstance(value := value_at(doc.data, p), dict | list) and value:
            line = lines[pos.line - 1] if pos.line <= len(lines) else ""
            end = end if line[pos.column - 1 : pos.column] in ("[", "{") else pos.line
        key = doc.key_positions.get(p)
        own[p] = (min(key.line, pos.line) if key else pos.line, end)
    out = dict(own)
    for p, (first, last) in own.items():
        for i in range(len(p)):
            a, b = out[p[:i]]
            out[p[:i]] = (min(a, first), max(b, last))
    return out


@dataclass
class Final:
    """The mutant as graphspec reads it: its document (None when it does not load)."""

    doc: Document | None
    graph: Graph
    extent: dict[SpecPath, tuple[int, int]]
    size: int

    @classmethod
    def read(cls, path: Path) -> Final:
        size = path.stat().st_size
        try:
            doc = load_file(path, lenient=True)  # as check reads it: what it can
        except GraphSpecError:
            return cls(None, Graph(None), {}, size)
        return cls(doc, Graph(doc.data), extents(doc), size)

    def changed(self, site: Site) -> list[SpecPath]:
        """The spec paths a site changed: its own, or the deepest paths on the lines it
        touched."""
        if site.path is not None:
            return [site.path] + ([site.old] if site.kind == "rename_key" and site.old else [])
        on = [p for p, (a, b) in self.extent.items() if any(a <= n <= b for n in site.lines)]
        return [p for p in on if not any(q != p and within(q, p) for q in on)]

    def entries(self, site: Site, changed: list[SpecPath]) -> list[SpecPath]:
        """The entries a site changed. A text one changed a whole section (`nodes`, ...) only
        when it touched the section's own line, not just a line inside it (a comment, say)."""
        if site.path is not None:
            return [entry(p) for p in changed]
        doc = self.doc
        own = {p: (doc.key_positions.get(p) or doc.positions[p]).line for p in changed if doc}
        return [entry(p) for p in changed if len(p) > 1 or (p and own[p] in site.lines)]

    def on_line_1(self, site: Site) -> bool:
        if site.path is None:
            return 1 in site.lines
        return self.extent.get(site.path, (0, 0))[0] == 1


def cycle_names(d: Diagnostic) -> list[str]:
    """The flat-graph ids a GS401 message names (`…: cycle: a → b → a`)."""
    found = re.search(r"cycle: (.+)$", d.message)
    return found.group(1).split(" → ") if found else []


def explanation(site: Site, d: Diagnostic, final: Final, m: Mutant) -> str | None:
    """How error `d` points at what `site` changed (None: it does not).

    - GS106 (the file is too large): the mutation wrote a long scalar, and the file is;
    - on a line the mutation touched; what the loader finds (READ_CODES) at or after the first
      one;
    - GS401: the cycle names the node changed;
    - a text mutation: GS201 (the top level is no longer a mapping: every original is);
      GS204 at the top level for a top-level key it took away, or at an
      entry for a key it took away on the lines between the entry and the next value;
    - duplicate_node, rename_key: a name collision (GS402, GS403) naming the new id, or at
      the entry copied;
    - inside the entry changed (an input, node, shared entry, block, output, compile or expect
      setting, a top-level key), or on an ancestor of the path changed (a required key is then
      missing; of the top level itself, only ROOT_CODES);
    - inside a block or shared entry the changed entry calls (its parameters are used there);
    - at an entry naming the id of the entry changed: a problem with how it is called
      (INTERFACE: its outputs, a block's parameters and inputs) or one that propagates;
      where the mutation took an id away (drop_key, rename_key, a text mutation), a
      reference to it (DANGLING);
    - at an entry that reads the id changed, directly or not, or in what those call: a
      problem that propagates (shapes, output counts, build, expect).
    """
    if d.code == "GS106":  # the file as a whole: only a long scalar makes it that large
        return "file size" if site.kind == "long_scalar" and final.size > MAX_BYTES else None
    if d.code == "GS111" and (bad := not_utf8(m.content)):
        return "bad byte" if bad[0][0] in site.lines else None
    if d.line in site.lines:
        return "line"
    if site.lines and d.code in READ_CODES and not READER.search(d.message):
        return "read after the change" if d.line >= min(site.lines) else None
    graph, changed = final.graph, final.changed(site)
    entries = final.entries(site, changed)
    ids = {i for e in entries if (i := entry_id(e))}
    gone = set(site.gone if site.path is not None else m.text_ids) - set(ids_of(graph.data))
    ids |= gone
    if d.code == "GS401":
        return "cycle" if graph.spec_ids(cycle_names(d)) & ids else None
    if site.path is None and d.path == () and d.code == "GS201":  # every original is a mapping
        return "top level no longer a mapping"  # (where an empty one is: after a `---`, say)
    if site.path is None and d.path == () and d.code == "GS204":
        lost = m.text_keys - set(graph.data)  # a top-level key the text mutations took away
        if any(d.message.startswith(f"'{k}' is required") for k in lost):
            return "top-level key taken away"
    if site.path is None and d.code == "GS204" and (span := final.extent.get(d.path)):
        # a key taken away by the text (a line commented out, say) where the entry's last
        # value ended: on the lines from the entry's start up to the next value after it
        after = [a for a, _ in final.extent.values() if a > span[1]]
        if any(span[0] <= n < min(after, default=span[1] + 2) for n in site.lines):
            return "required key taken away at the entry's end"
    if d.code in ("GS402", "GS403") and site.kind in ("duplicate_node", "rename_key"):
        new = entry_id(site.path)
        if (new and f"'{new}'" in d.message) or (site.old and within(d.path, entry(site.old))):
            return "collision"
    if any(within(d.path, e) for e in entries):
        return "entry"
    if any(within(p, d.path) and (d.path or d.code in ROOT_CODES) for p in changed):
        return "ancestor"
    if any(within(d.path, c) for c in graph.callees(entries)):
        return "callee"
    if d.code in DANGLING and any(within(d.path, u) for u in graph.users(gone)):
        return "reference to an id taken away"
    calling = d.code in INTERFACE or propagates(d.code)
    if calling and any(within(d.path, u) for u in graph.users(ids)):
        return "user"
    if propagates(d.code) and any(within(d.path, r) for r in graph.downstream(ids)):
        return "downstream"
    return None


def misplaced_cycle(d: Diagnostic, graph: Graph) -> str | None:
    """Why a cycle error is not at the `inputs` of a node on its cycle, or None."""
    names, p = cycle_names(d), d.path
    if len(p) >= 3 and p[-1] == "inputs" and p[-3] == "nodes":
        if p[:1] == ("nodes",) and p[1] in graph.spec_ids(names):
            return None
        if p[:1] == ("shared",) and p[-4:-3] == ("graph",) and p[-2] in names:
            return None
    return f"a cycle error at {p}, not at the inputs of a node on the cycle"


def text_at(raw: bytes, line: int, column: int, breaks: re.Pattern[str]) -> str | None:
    """The rest of line `line` from `column` of the file (None: not UTF-8, or no such line)."""
    try:
        lines = breaks.split(unmarked(raw))
    except UnicodeDecodeError:
        return None
    return lines[line - 1][column - 1 :] if 1 <= line <= len(lines) else None


def misread(d: Diagnostic, raw: bytes) -> str | None:
    """Why a problem the loader found in the text is not where the text it names is, or None:
    a refused character is at its position, a tag, a number or a duplicate key starts there."""
    rest = text_at(raw, d.line, d.column, YAML_BREAK)
    if d.code == "GS101" and (char := re.search(r"\(character #x([0-9a-f]+)\)$", d.message)):
        if rest and rest.startswith(chr(int(char.group(1), 16))):
            return None
        return f"no character #x{char.group(1)} there"
    named = {
        "GS104": r"tag '(.+?)' is not allowed",
        "GS105": r"is not a valid (!!\w+)",
        "GS112": r"the integer ([-+]?[0-9a-fA-Fxo]{1,12})",
        "GS102": r"duplicate key '(.+?)' \(first",
    }.get(d.code)
    found = re.search(named, d.message) if named else None
    if rest is None or found is None or rest.lstrip("'\"").startswith(found.group(1)):
        return None
    return f"{found.group(1)!r} is not there: {rest[:40]!r}"


def unlocated(d: Diagnostic, final: Final, m: Mutant) -> str | None:
    """Why `d` is located by a fallback rather than by what it is about, or None."""
    doc = final.doc
    if d.code.startswith("GS1") and (why := misread(d, m.content)):
        return why
    if doc is not None and d.path and not d.code.startswith("GS1"):
        prefixes = [d.path[:i] for i in range(1, len(d.path) + 1)]
        if not any(p in doc.positions or p in doc.key_positions for p in prefixes):
            return f"path {d.path} is not in the document (located at the top by fallback)"
        at = {doc.locate(d.path), doc.locate(d.path, key=True)}
        if (d.line, d.column) not in {(p.line, p.column) for p in at}:
            return f"path {d.path} is at {sorted((p.line, p.column) for p in at)}, not here"
    if d.code == "GS401" and (why := misplaced_cycle(d, final.graph)):
        return why
    if d.code == "GS111" and (bad := not_utf8(m.content)):
        true, buggy = bad
        if (d.line, d.column) != true and (d.line, d.column) not in buggy:
            return f"the first byte that is not UTF-8 is at {true[0]}:{true[1]}"
    if (d.line, d.column) != (1, 1) or any(final.on_line_1(s) for s in m.sites):
        return None
    if d.code == "GS106" and final.size > MAX_BYTES:
        return None  # the file as a whole is too large
    if doc is not None and d.path == () and d.code in ROOT_CODES:
        return None
    return "at 1:1, though no mutation is on line 1"


def assert_located(e: GraphSpecError, path: Path, m: Mutant) -> None:
    """Every error names the spec file and a line and column inside it, none by a fallback;
    one at least points at what a mutation changed."""
    content = m.content
    assert e.errors, f"a {type(e).__name__} without an error: {e.diagnostics}"
    lines = content.decode("utf-8", "replace").splitlines() or [""]
    # columns count characters, or bytes where the file is not valid UTF-8
    width = max(max(map(len, lines)), max(map(len, content.split(b"\n"))))
    final = Final.read(path)
    shown = "\n".join(
        f"  {d.line}:{d.column} {d.code} {d.path} {d.message[:200]}" for d in e.errors
    )
    sites = "\n".join(f"  {s}" for s in m.sites)
    for d in e.errors:
        where = f"{d.file}:{d.line}:{d.column}: {d.message}"
        assert d.file == display_path(path), where
        assert d.message.strip(), where
        if WHOLE_FILE.search(d.message):
            continue
        assert 1 <= d.line <= len(lines) + 1, where
        assert 1 <= d.column <= width + 2, where
        why = unlocated(d, final, m)
        assert why is None, f"{where}: {why}\nsites:\n{sites}"
    assert any(explanation(s, d, final, m) for s in m.sites for d in e.errors), (
        f"no error points at what was mutated ({m.steps})\nerrors:\n{shown}\nsites:\n{sites}"
    )
    if len(m.sites) == 1:
        assert_kind(m.sites[0], e.errors, final)


def assert_kind(site: Site, errors: list[Diagnostic], final: Final) -> None:
    """What a mutation alone must yield."""
    if site.kind == "make_cycle":
        assert site.cycle is not None
        a, b = site.cycle
        cycles = [d for d in errors if d.code == "GS401"]
        assert cycles, f"a cycle planted ({b} → {a}) but no GS401: {errors}"
        for d in cycles:
            named = final.graph.spec_ids(cycle_names(d))
            assert {a, b} <= named <= site.between, (d.message, site)
    if site.kind == "huge_number" and site.number is not None and site.number > MAX_INT:
        assert any(d.code == "GS112" and d.path == site.path for d in errors), errors
    # a bad tag or number written on one line is reported on that line
    codes = {"python_tag": ("GS104", "GS105"), "long_number": ("GS112",)}.get(site.kind, ())
    for d in errors:
        assert d.code not in codes or d.line in site.lines, (d, site)


def outcome(fn: Any, path: Path, m: Mutant) -> Any:
    """fn()'s result, or None after a GraphSpecError with located errors; anything else fails
    (the case is saved first)."""
    try:
        with watchdog(m.content):
            return fn()
    except GraphSpecError as e:
        try:
            assert_located(e, path, m)
        except AssertionError:
            save_finding("unlocated", m.content)
            raise
        return None
    except Exception:
        save_finding("crash", m.content)
        raise


# ---- generated valid specs ------------------------------------------------------------------


def as_tuples(tree: Any) -> Any:
    if isinstance(tree, list):
        return [as_tuples(t) for t in tree]
    return tuple(tree) if tree is not None else None


def expand_text(checked: graphspec.Checked) -> str:
    return to_yaml(expanded(checked.spec, checked.program))


def assert_round_trip(spec: Spec, g: Generated) -> None:
    """The spec written as YAML and read back is the same Spec; so is the generator's data."""
    assert Spec.model_validate(g.data).model_dump() == spec.model_dump()
    again = Spec.model_validate(load_text(dump(spec.model_dump(exclude_unset=True))).data)
    assert again.model_dump() == spec.model_dump()


@cases("check")
@given(valid_specs())
def test_generated_specs_check_round_trip_and_expand(g: Generated) -> None:
    with spec_file(g.text.encode()) as path:
        checked = graphspec.check(path)
        assert [d for d in checked.warnings if d.severity != "note"] == []
        for ir_id, shape in g.shapes.items():
            assert as_tuples(checked.shapes.get(ir_id)) == (None, *shape), ir_id
        assert_round_trip(checked.spec, g)
        text = expand_text(checked)
        (path.parent / "expanded.yaml").write_text(text, "utf-8")
        again = graphspec.check(path.parent / "expanded.yaml")
        assert [d for d in again.warnings if d.severity != "note"] == []
        assert expand_text(again) == text


def keras_shapes(model: Any, program: Program) -> dict[str, Any]:
    """Each flat-graph node's output shape in the built model (shared layers: call by call)."""
    calls: dict[str, int] = {}
    found: dict[str, Any] = {}
    for node in program.graph.nodes:
        name = node.id if isinstance(node.callable, LayerIR) else node.callable.shared_id
        k = calls[name] = calls.get(name, -1) + 1
        outputs = model.get_layer(name)._inbound_nodes[k].output_tensors
        shapes = [tuple(t.shape) for t in outputs]
        found[node.id] = shapes[0] if len(shapes) == 1 else shapes
    return found


def layers(model: Any) -> dict[str, tuple[str, list[tuple[int, ...]]]]:
    return {
        layer.name: (type(layer).__name__, [tuple(w.shape) for w in layer.weights])
        for layer in model.layers
    }


@pytest.fixture(scope="module")
def keras() -> Any:
    """Keras imported before Hypothesis starts (TensorFlow's import raises the recursion limit,
    which Hypothesis would warn about inside a test)."""
    from graphspec.keras.compat import keras

    return keras()


def weights(variables: list[Any]) -> int:
    return sum(math.prod(v.shape) for v in variables)


@cases("build")
@given(valid_specs())
def test_generated_specs_build_with_their_static_shapes(keras: Any, g: Generated) -> None:
    with spec_file(g.text.encode()) as path:
        checked = graphspec.check(path)
        model = graphspec.build(path)
        assert model.output_names == list(g.outputs)
        assert [tuple(t.shape) for t in model.outputs] == [(None, *s) for s in g.outputs.values()]
        assert (model.count_params(), weights(model.non_trainable_weights)) == (g.params, g.frozen)
        built = keras_shapes(model, checked.program)
        for ir_id, shape in g.shapes.items():
            assert built[ir_id] == (None, *shape), ir_id
        assert {k: as_tuples(checked.shapes.get(k)) for k in built} == built
        (path.parent / "expanded.yaml").write_text(expand_text(checked), "utf-8")
        twin = graphspec.build(path.parent / "expanded.yaml")
        assert (twin.name, layers(twin)) == (model.name, layers(model))


# ---- mutants --------------------------------------------------------------------------------


@cases("mutate")
@given(mutants())
def test_mutants_check_or_raise_located_errors(m: Mutant) -> None:
    with spec_file(m.content) as path:
        outcome(lambda: graphspec.check(path), path, m)


@cases("cycle")
@given(planted_cycles())
def test_a_planted_cycle_is_reported_as_a_cycle_on_its_nodes(m: Mutant) -> None:
    with spec_file(m.content) as path:
        with pytest.raises(GraphSpecError) as e, watchdog(m.content):
            graphspec.check(path)
        assert_located(e.value, path, m)  # with assert_kind: GS401 naming the cycle's nodes


@cases("mutate_build")
@given(mutants(generated_only=True))
def test_mutants_of_small_specs_build_or_raise_located_errors(keras: Any, m: Mutant) -> None:
    with spec_file(m.content) as path:
        if outcome(lambda: graphspec.check(path), path, m) is not None:
            outcome(lambda: graphspec.build(path, max_params=10**6), path, m)


DIAGNOSTIC_LINE = re.compile(r"^.+:\d+:\d+: (error|warning|note): ")


@cases("cli")
@given(mutants())
def test_cli_validate_on_mutants_exits_0_or_1_without_a_traceback(m: Mutant) -> None:
    from graphspec.cli import main

    out, err = io.StringIO(), io.StringIO()
    with (
        spec_file(m.content) as path,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        watchdog(m.content),
    ):
        status = main(["validate", str(path), "--no-source"])
    assert status in (0, 1), err.getvalue()
    assert "Traceback" not in out.getvalue() + err.getvalue()
    if status == 1:
        assert DIAGNOSTIC_LINE.match(err.getvalue()), err.getvalue()


# ---- known graphspec bugs -------------------------------------------------------------------
#
# Location bugs in graphspec that this fuzzing found, fixed since (lf_lines: positions the
# loader computes counted only \n as a line break; bom_not_utf8: GS111 three bytes early after
# a byte order mark; cycle_in_block: a cycle through a block use reported inside the block's
# definition). Each keeps its regression test; the checks above no longer tolerate them.


def errors_of(content: bytes) -> list[tuple[str, int, int, SpecPath]]:
    with spec_file(content) as path, pytest.raises(GraphSpecError) as e:
        graphspec.check(path)
    return [(d.code, d.line, d.column, d.path) for d in e.value.errors]


LF_LINES = (
    "graphspec bug (lf_lines): where the loader computes a position itself (GS101 for a "
    "character YAML refuses, GS111) it counts only \\n as a line break; libyaml's marks, which "
    "locate every other diagnostic, also count a lone \\r, NEL, LS and PS"
)


def test_fixed_lf_lines_refused_character() -> None:
    # `name:` is on line 2 for libyaml: a tag there is reported at 2:7
    assert ("GS104", 2, 7, ("name",)) in errors_of(b"graphspec: 1\rname: !!foo 1\n")
    assert errors_of(b"graphspec: 1\rname: \x07\n") == [("GS101", 2, 7, ())]  # is 1:20


def test_fixed_lf_lines_not_utf8() -> None:
    assert errors_of(b"graphspec: 1\rname: \xff\n") == [("GS111", 2, 7, ())]  # is 1:20


def test_fixed_bom_not_utf8() -> None:
    assert errors_of(b"graphspec: 1\nname: \xff\n") == [("GS111", 2, 7, ())]
    assert errors_of(b"\xef\xbb\xbfgraphspec: 1\nname: \xff\n") == [("GS111", 2, 7, ())]  # 2:4
    assert errors_of(b"\xef\xbb\xbfgraphspec: 1\n\xffname: x\n") == [("GS111", 2, 1, ())]  # 1:12
    twice = b"\xef\xbb\xbf\xef\xbb\xbf\xffgraphspec: 1\n"  # libyaml drops the second mark too
    assert errors_of(twice) == [("GS111", 1, 1, ())]  # 1:2
    assert errors_of(twice.replace(b"\xff", b"\x00")) == [("GS101", 1, 1, ())]  # 1:2


CYCLE_THROUGH_A_BLOCK = b"""\
graphspec: 1
inputs:
  x: {shape: [4]}
blocks:
  unit:
    inputs: [i]
    nodes:
      hidden: {layer: Dense, units: 4, inputs: i}
      out: {layer: Dense, units: 4, inputs: hidden}
    outputs: [out]
nodes:
  a: {block: unit, inputs: b}
  b: {layer: Dense, units: 4, inputs: a}
outputs: [b]
"""


def test_fixed_cycle_in_block() -> None:
    [(code, _, _, path)] = errors_of(CYCLE_THROUGH_A_BLOCK)
    assert code == "GS401"
    assert path in (("nodes", "a", "inputs"), ("nodes", "b", "inputs"))  # is in blocks.unit
