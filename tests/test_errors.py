"""Diagnostic's text and JSON forms: the trailing code, the caret span, the hint line."""

from __future__ import annotations

import json

import pytest

from graphspec.errors import Diagnostic, Problem
from graphspec.loader import load_text

SOURCE = "graphspec: 1\nnodes:\n  d: {layer: Dens, units: 2}\n"


def test_text_line_ends_with_the_code() -> None:
    d = Diagnostic("d: unknown layer 'Dens'", "spec.yaml", 3, 13, code="GS301")
    assert d.format() == "spec.yaml:3:13: error: d: unknown layer 'Dens' [GS301]"
    assert Diagnostic("m", "spec.yaml").format() == "spec.yaml: error: m"


def test_caret_underlines_the_span_on_one_line() -> None:
    d = Diagnostic("m", "spec.yaml", 3, 14, code="GS301", end_line=3, end_column=18)
    assert d.format(SOURCE).splitlines() == [
        "spec.yaml:3:14: error: m [GS301]",
        "      d: {layer: Dens, units: 2}",
        "                 ^~~~",
    ]


@pytest.mark.parametrize(
    ("end_line", "end_column"), [(0, 0), (4, 1), (3, 15)], ids=["unknown", "next-line", "one"]
)
def test_caret_alone_when_the_span_is_unknown_multiline_or_one_wide(
    end_line: int, end_column: int
) -> None:
    d = Diagnostic("m", "spec.yaml", 3, 14, end_line=end_line, end_column=end_column)
    assert d.format(SOURCE).splitlines()[-1] == " " * 17 + "^"


def test_hint_prints_on_its_own_line_after_the_caret_and_without_source() -> None:
    d = Diagnostic("m", "spec.yaml", 3, 13, code="GS318", hint="write `weights: null`")
    assert d.format(SOURCE).splitlines()[-1] == "    hint: write `weights: null`"
    assert d.format().splitlines() == [
        "spec.yaml:3:13: error: m [GS318]",
        "    hint: write `weights: null`",
    ]


def test_notes_come_before_the_code() -> None:
    d = Diagnostic("m", "inc.yaml", 1, 1, notes=("included from a.yaml:4",), code="GS320")
    assert d.format() == "inc.yaml:1:1: error: m (included from a.yaml:4) [GS320]"


def test_json_form_has_every_field_and_nulls_for_the_unknown() -> None:
    d = Diagnostic("m", "spec.yaml", 3, 13, ("nodes", "d", 0), "d", "warning", code="GS404")
    got = json.loads(json.dumps(d.to_json()))
    assert got == {
        "file": "spec.yaml",
        "line": 3,
        "column": 13,
        "end_line": None,
        "end_column": None,
        "severity": "warning",
        "code": "GS404",
        "message": "m",
        "hint": None,
        "notes": [],
        "path": ["nodes", "d", 0],
        "id": "d",
    }


def test_problem_carries_code_and_hint_and_is_a_value_error() -> None:
    e = Problem("bad", code="GS335", hint="h")
    assert (str(e), e.code, e.hint, isinstance(e, ValueError)) == ("bad", "GS335", "h", True)


def test_located_diagnostics_carry_the_end_of_the_value_or_key() -> None:
    doc = load_text(SOURCE, "spec.yaml")
    value = doc.diagnostic(("nodes", "d", "layer"), "m", code="GS301")
    key = doc.diagnostic(("nodes", "d", "units"), "m", key=True, code="GS303")
    mapping = doc.diagnostic(("nodes",), "m", code="GS205")
    assert (value.line, value.column, value.end_line, value.end_column) == (3, 14, 3, 18)
    assert (key.line, key.column, key.end_line, key.end_column) == (3, 20, 3, 25)
    assert (mapping.line, mapping.column, mapping.end_line) == (3, 3, 4)
