"""Diagnostics as data: a code is required; block uses and includes are fields the printer renders."""

from __future__ import annotations

import json

import pytest

from graphspec.diagnostics import (
    BlockUse,
    Diagnostic,
    Inclusion,
    Problem,
    codes,
    once_per_copy,
)
from graphspec.syntax.loader import load_text

SOURCE = "graphspec: 1\nnodes:\n  d: {layer: Dens, units: 2}\n"


def test_a_diagnostic_cannot_be_made_without_a_code_constant() -> None:
    with pytest.raises(TypeError):
        Diagnostic("m", "spec.yaml")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="needs a code"):
        Diagnostic("m", "spec.yaml", code="GS301")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Problem("m")  # type: ignore[call-arg]


def test_text_line_ends_with_the_code() -> None:
    d = Diagnostic("d: unknown layer 'Dens'", "spec.yaml", 3, 13, code=codes.UNKNOWN_LAYER)
    assert d.format() == "spec.yaml:3:13: error: d: unknown layer 'Dens' [GS301]"
    assert d.code == "GS301" and d.code.heading == "unknown layer"


def test_caret_underlines_the_span_on_one_line() -> None:
    d = Diagnostic("m", "spec.yaml", 3, 14, code=codes.UNKNOWN_LAYER, end_line=3, end_column=18)
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
    d = Diagnostic(
        "m", "spec.yaml", 3, 14, code=codes.UNKNOWN_LAYER, end_line=end_line, end_column=end_column
    )
    assert d.format(SOURCE).splitlines()[-1] == " " * 17 + "^"


def test_hint_prints_on_its_own_line_after_the_caret_and_without_source() -> None:
    d = Diagnostic(
        "m", "spec.yaml", 3, 13, code=codes.APPLICATION_WEIGHTS, hint="write `weights: null`"
    )
    assert d.format(SOURCE).splitlines()[-1] == "    hint: write `weights: null`"
    assert d.format().splitlines() == [
        "spec.yaml:3:13: error: m [GS318]",
        "    hint: write `weights: null`",
    ]


def test_the_printer_renders_block_uses_before_and_includes_after_the_message() -> None:
    uses = (BlockUse("stage", "res", 2, 3), BlockUse("c1", "conv"))
    d = Diagnostic(
        "k: m",
        "inc.yaml",
        1,
        1,
        code=codes.UNKNOWN_REFERENCE,
        uses=uses,
        included_from=(Inclusion("a.yaml", 4), Inclusion("top.yaml", 9)),
    )
    assert d.message == "k: m"
    assert d.text == "stage (block res, repeat 2 of 3) → c1 (block conv) → k: m"
    assert d.format() == (
        "inc.yaml:1:1: error: stage (block res, repeat 2 of 3) → c1 (block conv) → k: m "
        "(included from a.yaml:4, included from top.yaml:9) [GS320]"
    )
    assert d.to_json()["notes"] == ["included from a.yaml:4", "included from top.yaml:9"]


def test_one_report_for_the_same_error_in_every_copy_of_a_repeat() -> None:
    def copy(k: int, line: int = 5) -> Diagnostic:
        use = BlockUse("stage", "res", k, 3)
        return Diagnostic("c: m", "s.yaml", line, 3, code=codes.UNKNOWN_LAYER, uses=(use,))

    kept = once_per_copy([copy(1), copy(2), copy(3), copy(2, line=6)])
    assert [(d.line, d.uses[0].copy) for d in kept] == [(5, 1), (6, 2)]


def test_json_form_has_every_field_and_nulls_for_the_unknown() -> None:
    d = Diagnostic(
        "m",
        "spec.yaml",
        3,
        13,
        code=codes.UNUSED_NODE,
        path=("nodes", "d", 0),
        id="d",
        severity="warning",
    )
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
    e = Problem("bad", code=codes.EXPRESSION_CONSTRUCT, hint="h")
    assert (str(e), e.code, e.hint, isinstance(e, ValueError)) == ("bad", "GS336", "h", True)


def test_located_diagnostics_carry_the_end_of_the_value_or_key() -> None:
    doc = load_text(SOURCE, "spec.yaml")
    value = doc.diagnostic(("nodes", "d", "layer"), "m", code=codes.UNKNOWN_LAYER)
    key = doc.diagnostic(
        ("nodes", "d", "units"), "m", key=True, code=codes.UNKNOWN_KEYWORD_ARGUMENT
    )
    mapping = doc.diagnostic(("nodes",), "m", code=codes.WRONG_TYPE)
    assert (value.line, value.column, value.end_line, value.end_column) == (3, 14, 3, 18)
    assert (key.line, key.column, key.end_line, key.end_column) == (3, 20, 3, 25)
    assert (mapping.line, mapping.column, mapping.end_line) == (3, 3, 4)
