"""`graphspec summary`: totals equal Keras's for every bundled spec, the table's parts, the
fallback that builds the model, and no TensorFlow where every shape is static."""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import pytest

import graphspec
from graphspec.cli import main
from tests.conftest import ALL_SPECS, ROOT
from tests.probe import cli_probe
from tests.shapes.test_params import UNKNOWN_STATICALLY
from tests.shapes.test_shapes import SPEC_CACHE

SUMMARY = ROOT / "tests/data/summary"


def summarised(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(["summary", *argv, "--format", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def keras_totals(model: Any) -> dict[str, int]:
    def size(weights: list[Any]) -> int:
        return sum(math.prod(int(d) for d in w.shape) for w in weights)

    trainable, frozen = size(model.trainable_weights), size(model.non_trainable_weights)
    assert trainable + frozen == model.count_params()
    return {"total": model.count_params(), "trainable": trainable, "non_trainable": frozen}


@pytest.mark.parametrize("path", ALL_SPECS, ids=lambda p: p.stem)
def test_totals_equal_keras(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, found, err = summarised(capsys, str(path))
    assert code == 0, err
    static = path.stem not in UNKNOWN_STATICALLY  # the others: built, with a note saying so
    assert found["built"] is not static
    assert found["totals"] == keras_totals(SPEC_CACHE.graphspec(str(path)))
    program = graphspec.check(path).program
    ids = [*(i.id for i in program.graph.inputs), *(n.id for n in program.graph.nodes)]
    assert [n["id"] for n in found["nodes"]] == ids
    assert [o["id"] for o in found["outputs"]] == program.graph.output_names
    assert found["diagnostics"] == []


UNKNOWN = {
    "graphspec": 1,
    "inputs": {"x": {"shape": [8, 8, 3]}},
    "shared": {"lstm": {"layer": "LSTM", "units": 4}},
    "nodes": {
        "flip": {"layer": "RandomFlip", "inputs": "x"},
        "conv": {"layer": "Conv2D", "filters": 2, "kernel_size": 3, "inputs": "flip"},
        "seq": {"layer": "Reshape", "target_shape": [36, 2], "inputs": "conv"},
        "l1": {"use": "lstm", "inputs": "seq"},
        "l2": {"use": "lstm", "inputs": "seq"},
        "sum": {"layer": "Add", "inputs": ["l1", "l2"]},
    },
    "outputs": {"sum": {"loss": "mse", "loss_weight": 0.5}},
}


def test_unknown_shapes_are_taken_from_keras(
    write_spec: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_spec(json.dumps(UNKNOWN))
    code, found, err = summarised(capsys, str(path))
    assert code == 0, err
    assert found["built"] is True
    assert found["totals"] == keras_totals(graphspec.build(UNKNOWN))
    nodes = {n["id"]: n for n in found["nodes"]}
    assert nodes["conv"]["output_shape"] == [None, 6, 6, 2]
    assert nodes["conv"]["params"] == {"total": 56, "trainable": 56, "non_trainable": 0}
    assert nodes["l2"]["shared_with"] == "l1" and nodes["l2"]["params"] is None
    assert found["outputs"] == [{"id": "sum", "loss": "mse", "loss_weight": 0.5, "metrics": []}]
    assert [d["code"] for d in found["diagnostics"]] == ["GS590"]  # the note, kept
    assert main(["summary", str(path)]) == 0
    assert "note: shapes and counts graphspec does not know statically are Keras's" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize("name", ["unet", "multi_output", "siamese_lstm"])
def test_plain_text(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The table where stdout is not a terminal (tests/data/summary/NAME.txt)."""
    spec = next(p for p in ALL_SPECS if p.stem == name)
    assert main(["summary", str(spec)]) == 0
    expected = (SUMMARY / f"{name}.txt").read_text("utf-8")
    assert capsys.readouterr().out == expected


def test_a_terminal_gets_rich_tables(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setenv("COLUMNS", "140")
    assert main(["summary", str(ROOT / "specs/seed/multi_output.yaml")]) == 0
    out = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)  # colours and bold
    assert "┃ id " in out and "┃ output " in out
    assert "│ income " in out and "categorical_crossentropy" in out
    assert "Total params: 14,146,316" in out


def test_an_invalid_spec_has_no_table(write_spec: Any, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_spec(
        "graphspec: 1\ninputs: {x: {shape: [4]}}\nnodes: {y: {layer: Dens, inputs: x}}\noutputs: [y]\n"
    )
    assert main(["summary", str(path), "--no-source"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "[GS301]" in err


def _imports(argv: list[str]) -> set[str]:
    status, modules, _, err = cli_probe(argv)
    assert status == 0, err
    return modules


HEAVY = {"tensorflow", "keras", "jax", "torch"}


def test_summary_and_plot_do_not_import_tensorflow(tmp_path: Path) -> None:
    spec = str(ROOT / "specs/seed/dual_camera.yaml")
    assert _imports(["summary", spec]) & HEAVY == set()
    assert _imports(["summary", spec, "--format", "json"]) & HEAVY == set()
    for suffix in (".svg", ".mmd"):
        assert _imports(["plot", spec, "-o", str(tmp_path / f"p{suffix}")]) & HEAVY == set()


def test_summary_builds_where_shapes_are_unknown(write_spec: Any) -> None:
    """The counter-test: the probe above would see TensorFlow if the command imported it."""
    path = write_spec(json.dumps(UNKNOWN))
    assert "tensorflow" in _imports(["summary", str(path)])


def test_the_readme_shows_what_summary_prints(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    command = "$ graphspec summary specs/seed/siamese_lstm.yaml\n"
    shown = readme.split(command, 1)[1].split("```", 1)[0]
    assert main(["summary", str(ROOT / "specs/seed/siamese_lstm.yaml")]) == 0
    assert capsys.readouterr().out == shown
