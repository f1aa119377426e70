"""Lenient validation: each invalid field (else entry, else section) is left out, reported once,
and the rest validated, so that later stages check it in the same run."""

from __future__ import annotations

import pytest

import graphspec
from graphspec.diagnostics import SpecError
from graphspec.syntax.lenient import entry_of
from graphspec.syntax.loader import load_text
from graphspec.syntax.validate import validate_leniently
from tests.conftest import Write


def lenient(text: str) -> tuple[object, list[str], object]:
    spec, diagnostics, left = validate_leniently(load_text(text))
    return spec, [f"{d.line}:{d.code}" for d in diagnostics], left


def test_an_invalid_field_leaves_the_rest_of_its_node() -> None:
    spec, found, left = lenient(
        "graphspec: 1\ninputs: {x: {shape: [4], dtype: float33}}\nnodes:\n"
        "  d: {layer: Dense, units: 2, inputs: x, repeat: 0, name: d}\noutputs: [d]\n"
    )
    assert found == ["2:GS209", "4:GS206", "4:GS208"]
    assert spec.nodes["d"].kwargs == {"units": 2}  # type: ignore[attr-defined]
    assert spec.inputs["x"].dtype == "float32"  # type: ignore[attr-defined]
    assert left.tainted == {("nodes", "d")}  # type: ignore[attr-defined]  # repeat: its value unknown


def test_a_node_that_cannot_be_read_is_left_out_whole() -> None:
    spec, found, left = lenient(
        "graphspec: 1\ninputs: {x: {shape: [4]}}\nnodes:\n"
        "  d: {layer: Dense, use: s, inputs: x}\n  e: {layer: Dense, units: 2, inputs: x}\noutputs: [e]\n"
    )
    assert found == ["4:GS210"] and list(spec.nodes) == ["e"]  # type: ignore[attr-defined]
    assert left.ids((), "nodes") == {"d"}  # type: ignore[attr-defined]


def test_required_sections_get_stand_ins_then_are_empty() -> None:
    spec, found, left = lenient(
        "graphspec: 1\nnodes: {d: {layer: Dense, units: 2, inputs: x}}\noutputs: 5\n"
    )
    assert found == ["1:GS204", "3:GS205", "3:GS205"]
    assert spec.inputs == {} and spec.outputs == []  # type: ignore[attr-defined]
    assert left.whole(())  # type: ignore[attr-defined]  # unknown ids add no error then


def test_settings_lose_only_their_invalid_entries() -> None:
    spec, found, _ = lenient(
        "graphspec: 1\ninputs: {x: {shape: [4]}}\nnodes: {d: {layer: Dense, units: 2, inputs: x}}\n"
        "outputs: {d: {loss: mse, lss: 1}}\ncompile: {loss_weights: {d: .nan, e: 1}, steps_per_execution: 0}\n"
    )
    assert found == ["4:GS203", "5:GS216", "5:GS206"]
    assert spec.compile.loss_weights == {"e": 1.0}  # type: ignore[attr-defined]
    assert spec.output_options()["d"].loss == "mse"  # type: ignore[attr-defined]


def test_entry_of() -> None:
    assert entry_of(("nodes", "d", "units")) == ("nodes", "d")
    assert entry_of(("shared", "s", "graph", "nodes", "n", "x", 0)) == (
        "shared",
        "s",
        "graph",
        "nodes",
        "n",
    )
    assert entry_of(("compile", "loss_weights", "d")) == ("compile", "loss_weights")
    assert entry_of(("description",)) == ("description",)


def test_problems_are_reported_in_file_order_across_stages(write_spec: Write) -> None:
    """Schema, references, arguments, shapes, cycles and settings in one run, sorted by line."""
    path = write_spec(
        "graphspec: 1\n"
        "inputs: {x: {shape: [4]}, y: {shape: [5]}}\n"
        "nodes:\n"
        "  a: {layer: Add, inputs: [x, y], bogus: 1}\n"
        "  b: {layer: Dense, units: 2, inputs: c, repeat: -1}\n"
        "  c: {layer: Dense, units: 2, inputs: b, activation: nope}\n"
        "outputs: {a: {lss: 1}, c: {}}\n"
        "compile: {optimizer: nadamm}\n"
    )
    with pytest.raises(SpecError) as e:
        graphspec.check(path)
    assert [(d.line, d.code) for d in e.value.diagnostics] == [
        (4, "GS501"),
        (4, "GS303"),
        (5, "GS401"),
        (5, "GS206"),
        (6, "GS310"),
        (7, "GS203"),
        (8, "GS316"),
    ]
