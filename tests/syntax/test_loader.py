"""Stage 1, load: YAML 1.2 core semantics, positions, duplicate keys, tags and caps."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from graphspec.caps import MAX_DEPTH
from graphspec.diagnostics import LoadError
from graphspec.syntax.document import Pos
from graphspec.syntax.loader import load_file, load_text
from graphspec.syntax.scalars import core_scalar


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("010", 10),
        ("0o17", 15),
        ("0x1f", 31),
        ("-3", -3),
        ("+4", 4),
        ("1e-3", 0.001),
        ("1.0e-3", 0.001),
        (".5", 0.5),
        ("2024-01-01", "2024-01-01"),
        ("true", True),
        ("False", False),
        ("null", None),
        ("~", None),
        ("", None),
        ("1_000", "1_000"),
        ("0b101", "0b101"),
        ("12:30", "12:30"),
    ],
)
def test_core_schema_scalars(text: str, value: object) -> None:
    assert core_scalar(text) == value
    assert type(core_scalar(text)) is type(value)


def test_special_floats() -> None:
    assert core_scalar(".inf") == math.inf
    assert core_scalar("-.Inf") == -math.inf
    assert math.isnan(core_scalar(".nan"))


def test_quoted_and_tagged_scalars_stay_as_written() -> None:
    doc = load_text("a: \"10\"\nb: !!str 10\nc: !!float 1\nd: 'true'\n")
    assert doc.data == {"a": "10", "b": "10", "c": 1.0, "d": "true"}
    assert isinstance(doc.data["c"], float)


def test_positions_of_keys_and_values_are_one_based() -> None:
    doc = load_text("nodes:\n  d: {layer: Dense, units: 3}\n")
    assert doc.key_positions[("nodes", "d")] == Pos(2, 3, 2, 4)
    assert (
        doc.positions[("nodes", "d", "units")].line,
        doc.positions[("nodes", "d", "units")].column,
    ) == (2, 28)


def test_duplicate_keys_are_all_reported() -> None:
    with pytest.raises(LoadError) as e:
        load_text("a: 1\nb: {x: 1, x: 2}\na: 3\n")
    messages = [(d.line, d.column, d.message) for d in e.value.diagnostics]
    assert messages == [
        (2, 11, "duplicate key 'x' (first given at line 2, column 5)"),
        (3, 1, "duplicate key 'a' (first given at line 1, column 1)"),
    ]


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['true']",
        "!!python/name:os.system",
        "!custom x",
        "!!binary aGk=",
    ],
)
def test_non_standard_tags_are_refused(tag: str) -> None:
    with pytest.raises(LoadError, match="is not allowed: only the standard tags"):
        load_text(f"a: {tag}\n")


def test_keys_must_be_strings() -> None:
    with pytest.raises(LoadError, match="keys must be strings, got 1"):
        load_text("1: a\n")


def test_one_document_only() -> None:
    with pytest.raises(LoadError, match="single document"):
        load_text("a: 1\n---\nb: 2\n")


def test_depth_cap() -> None:
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    load_text(ok)
    with pytest.raises(LoadError, match=f"nesting deeper than {MAX_DEPTH} levels"):
        load_text("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


def test_very_deep_input_is_an_error_not_a_crash(tmp_path: Path) -> None:
    """libyaml's composer recurses per level; the event-stream bound stops it first."""
    deep = tmp_path / "deep.yaml"
    deep.write_text("a: " + "[" * 200_000 + "]" * 200_000 + "\n")
    code = (
        "import sys\nfrom graphspec.syntax.loader import load_file\nfrom graphspec.diagnostics import "
        "LoadError\ntry:\n    load_file(sys.argv[1])\nexcept LoadError as e:\n"
        "    print(e)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(deep)], capture_output=True, text=True, timeout=1800
    )
    assert run.returncode == 0, run.stderr
    # graphspec's own cap, or (PyYAML >= 6.0.3 bundling a newer libyaml) libyaml's depth limit
    assert "nesting deeper than" in run.stdout or "exceeded maximum nesting depth" in run.stdout


def test_alias_bomb_is_capped() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    with pytest.raises(LoadError, match="expands to more than"):
        load_text("\n".join(lines) + "\n")


def test_aliases_within_bounds_are_expanded() -> None:
    doc = load_text("base: &b {units: 3}\nother: *b\n")
    assert doc.data["other"] == {"units": 3}


def test_invalid_utf8_is_located(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"a: 1\nb: \xff\n")
    with pytest.raises(LoadError) as e:
        load_file(path)
    d = e.value.diagnostics[0]
    assert (d.line, d.column, d.message) == (2, 4, "the file is not valid UTF-8")


def test_size_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import graphspec.syntax.loader as load

    monkeypatch.setattr(load, "MAX_BYTES", 100)
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * 200 + "\n")
    with pytest.raises(LoadError, match="larger than 100 bytes"):
        load_file(path)


def test_missing_file() -> None:
    with pytest.raises(LoadError, match="cannot read the file"):
        load_file("/nonexistent/spec.yaml")


def test_yaml_syntax_error_is_located() -> None:
    with pytest.raises(LoadError) as e:
        load_text("a: b: c\n")
    d = e.value.diagnostics[0]
    assert (d.line, d.column) == (1, 5)
    assert d.message.startswith("invalid YAML: ")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{},&*!|>'\"#\n @%?~0123.")), max_size=60))
def test_any_text_loads_or_raises_load_error(text: str) -> None:
    """Fuzz: whatever the bytes, the loader answers with values or a LoadError, nothing else."""
    try:
        load_text(text)
    except LoadError as e:
        assert e.diagnostics


@pytest.mark.parametrize("before", ["", "description: ééé\n"], ids=["ascii", "after-utf8"])
def test_a_refused_character_is_located(before: str) -> None:
    with pytest.raises(LoadError) as e:
        load_text(f"graphspec: 1\n{before}nodes: {{d: {{layer: Den\x01se}}}}\n", "s.yaml")
    (d,) = e.value.diagnostics
    assert (d.line, d.column, d.code) == (2 + bool(before), 23, "GS101")
    assert d.message == "invalid YAML: control characters are not allowed (character #x0001)"


@pytest.mark.parametrize(
    "literal", ["9223372036854775808", "-9223372036854775808", "0x8000000000000000", "9" * 5000]
)
def test_integers_past_64_bits_are_refused_before_conversion(literal: str) -> None:
    with pytest.raises(LoadError) as e:
        load_text(f"graphspec: 1\nunits: {literal}\n", "s.yaml")
    (d,) = e.value.diagnostics
    assert (d.line, d.column, d.code) == (2, 8, "GS112")
    assert load_text("units: 9223372036854775807\n").data == {"units": 2**63 - 1}


def test_invalid_utf8_is_located_in_characters_not_bytes(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes("graphspec: 1\ndescription: ééé".encode() + b"\xff\n")
    with pytest.raises(LoadError) as e:
        load_file(path)
    (d,) = e.value.diagnostics
    assert (d.line, d.column, d.code) == (2, 17, "GS111")


def test_libyamls_own_depth_cap_reads_as_graphspecs() -> None:
    """libyaml ≥ 0.2.5 (PyYAML 6.0.4's wheels) stops at 1000 levels while scanning, which can
    come before graphspec's count of events: the user sees the same diagnostic either way."""
    import yaml

    from graphspec.syntax.loader import _yaml_error

    mark = yaml.Mark("<spec>", 0, 1, 1006, None, None)
    e = yaml.scanner.ScannerError(
        "while increasing flow level", mark, "exceeded maximum nesting depth", mark
    )
    d = _yaml_error("s.yaml", "", e)
    assert (d.line, d.column, d.code) == (2, 1007, "GS107")
    assert d.message == f"nesting deeper than {MAX_DEPTH} levels (a cap of graphspec's loader)"


def _outcome(builder: type, text: str) -> tuple[str, object]:
    """What reading `text` with `builder` gives: its values, or the kind of its failure."""
    from graphspec.syntax import reader

    events = reader.Events(text)
    try:
        return "values", reader.run(events, builder(events).value)
    except Exception as e:  # compared as kinds: the loader turns each into a diagnostic
        return type(e).__name__, getattr(e, "code", None)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{},!|>'\"#\n @%?~0123.etrufl")), max_size=80))
@example("a: 1\nb: {c: [1, d], c: 2}\n")  # a key twice, nested
@example("a: 1\na: 2\n")
@example("a: 8\nb: '8'\nc: !!str 8\nd: ! 8\ne: [8, '8', \"8\"]\n")  # quoted: a string
@example("{'8': 1, 8: 2}\n")
@example("a: 8\n'8': x\n")
@example("[8, '8', ! 8, !!str 8, 8]\n")
@example("a: ! 9\nb: 9\nc: '9'\n9: x\n'9': y\n")
@example("1: a\n")  # a key that is not a string
@example("[!!str 1]: a\n")
@example("[!!int 3, !!float 1, ~, .nan, -.inf, 0x1f, 0o7, 'q', \"d\", true, yes, '']\n")
@example("a: !!int x\n")  # a refused value: Retry
@example("a: !custom x\n")
@example("a: 99999999999999999999\n")
@example("a: {b: [c, {d: e}], f: [[], {}]}\n")
def test_the_plain_reader_reads_as_the_general_one(text: str) -> None:
    """Texts without anchors or aliases are read by reader.Plain: the same values, and the
    same failures, as reader.Fast gives them."""
    from graphspec.syntax import reader

    plain, fast = _outcome(reader.Plain, text), _outcome(reader.Fast, text)
    assert plain == fast  # math.nan is one object: equal to itself in a container


@pytest.mark.parametrize("anchor", ["", "# & makes the text not plain\n"], ids=["plain", "general"])
def test_the_values_cap_holds_on_either_reader(anchor: str) -> None:
    """A million and one scalars in a 4 MB plain text: refused as a text with anchors is."""
    text = "graphspec: 1\n" + anchor + "many:\n" + "- 1\n" * 1_000_001
    with pytest.raises(LoadError) as e:
        load_text(text, "s.yaml")
    (d,) = e.value.diagnostics
    assert d.code == "GS108"
    assert d.message.startswith("the document expands to more than 1,000,000 values")


def _same_positions(text: str) -> None:
    """plain_positions finds the positions read_indexed finds (without its `<key>` entries:
    no diagnostic is located there on a text read without a problem), in their order, and
    the keys'."""
    from graphspec.syntax.indexed import plain_positions, read_indexed

    _, builder = read_indexed(text, "s.yaml")
    values = [(p, pos) for p, pos in builder.positions.items() if "<key>" not in p]
    found = plain_positions(text)
    assert (values, builder.key_positions) == (list(found.positions.items()), found.key_positions)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{},!|>'\"#\n @%?~0123.etrufl")), max_size=80))
@example("a: 1\nb: {c: [1, d], e: 2}\n")
@example("a: !!str 8\n'b': [8, '8', \"8\"]\n\"c\": {}\nd: []\n")
@example("[a, [b, {c: d}], {}]\n")
@example("a: |\n  two\n  lines\nb: >\n  folded\n")
@example("")
@example("# only a comment\n")
@example("x\n")
def test_positions_alone_are_the_indexed_readers(text: str) -> None:
    """A text the plain reader reads without a problem is indexed (on the first diagnostic)
    by indexed.plain_positions: the same positions, in the same order, as read_indexed's."""
    from graphspec.syntax import reader

    if _outcome(reader.Plain, text)[0] != "values":
        return  # (a problem: read_indexed reads it, and finds the positions as it goes)
    _same_positions(text)


_ROOT = Path(__file__).parents[2]


def _plainly_read(path: Path) -> bool:
    from graphspec.syntax import reader

    text = path.read_bytes().decode("utf-8-sig")
    return reader.plain(text) and _outcome(reader.Plain, text)[0] == "values"


_SPECS = [p for d in ("specs", "tests/data") for p in sorted((_ROOT / d).glob("**/*.yaml"))]


@pytest.mark.parametrize(
    "path", [p for p in _SPECS if _plainly_read(p)], ids=lambda p: str(p.relative_to(_ROOT))
)
def test_positions_alone_on_the_specs_here(path: Path) -> None:
    """The same, on every spec file here that the plain reader reads (the others, with an
    anchor, an alias or a problem, are indexed by read_indexed itself)."""
    _same_positions(path.read_bytes().decode("utf-8-sig"))
