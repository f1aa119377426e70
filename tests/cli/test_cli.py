"""The command line, in-process: exit codes, diagnostics, and what `import` pulls in."""

from __future__ import annotations

import subprocess
import sys
import types
from importlib.metadata import entry_points
from pathlib import Path

import numpy as np
import pytest

from graphspec import cli
from graphspec.cli import main
from tests.conftest import ROOT, Write
from tests.probe import cli_probe, imported_by

GOOD = """
graphspec: 1
inputs: {x: {shape: [4]}}
nodes:
  d: {layer: Dense, units: 2, inputs: x}
outputs: {d: {loss: mse}}
fit: {epochs: 2, batch_size: 4}
expect: {params: 10, output_shapes: {d: [null, 2]}}
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_ok_and_invalid(capsys: pytest.CaptureFixture[str], write_spec: Write) -> None:
    good = write_spec(GOOD, "good.yaml")
    bad = write_spec(GOOD.replace("Dense", "Dens"), "bad.yaml")
    assert run(capsys, "validate", str(good)) == (
        0,
        f"{good}: ok: 1 node, 10 parameters; outputs: d (None, 2)\n",
        "",
    )
    assert run(capsys, "validate", "-q", str(good)) == (0, "", "")
    code, _out, err = run(capsys, "validate", str(good), str(bad))
    assert code == 1
    assert err.splitlines() == [
        f"{bad}:4:14: error: d: unknown layer 'Dens'; did you mean 'Dense'? [GS301]",
        "      d: {layer: Dens, units: 2, inputs: x}",
        "                 ^~~~",
    ]


def test_warnings_pass_unless_strict(capsys: pytest.CaptureFixture[str], write_spec: Write) -> None:
    spare = write_spec(GOOD.replace("nodes:\n", "nodes:\n  spare: {layer: ReLU, inputs: x}\n"))
    code, _, err = run(capsys, "validate", "--no-source", str(spare))
    assert (code, err) == (
        0,
        f"{spare}:4:10: warning: spare: no output depends on this node [GS404]\n"
        "    hint: make it an output, or remove it\n",
    )
    assert run(capsys, "validate", "--strict", "--no-source", str(spare))[0] == 1


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], write_spec: Write) -> None:
    with pytest.raises(SystemExit) as e:
        main(["validate"])
    assert e.value.code == 2
    with pytest.raises(SystemExit) as e:
        main(["frobnicate"])
    assert e.value.code == 2
    assert run(capsys, "validate", "--custom-objects", "nocolon", str(write_spec(GOOD)))[0] == 2
    assert main([]) == 2
    code, _, err = run(capsys, "validate", "missing.yaml")
    assert (code, err) == (2, "graphspec validate: error: no such spec file: missing.yaml\n")


def test_build_prints_summary_and_saves(
    capsys: pytest.CaptureFixture[str], write_spec: Write, tmp_path: Path
) -> None:
    out_file = tmp_path / "out.keras"
    code, out, err = run(capsys, "build", str(write_spec(GOOD)), "-o", str(out_file))
    assert code == 0, err
    assert "Total params: 10" in out and f"saved {out_file}" in out
    assert out_file.stat().st_size > 0
    assert run(capsys, "build", str(write_spec(GOOD)), "-o", str(tmp_path / "x.h5"))[0] == 2


def test_check_reports_broken_expectations(
    capsys: pytest.CaptureFixture[str], write_spec: Write
) -> None:
    good = write_spec(GOOD)
    code, out, _ = run(capsys, "check", str(good))
    assert (code, out) == (0, f"{good}: ok (10 parameters)\n")
    wrong = write_spec(
        GOOD.replace("params: 10", "params: 11").replace("[null, 2]", "[null, 3]"), "wrong.yaml"
    )
    code, _, err = run(capsys, "check", "--no-source", str(wrong))
    assert code == 1
    assert err.splitlines() == [
        f"{wrong}:7:18: error: expected params 11, the model has 10 [GS701]",
        f"{wrong}:7:41: error: d: expected output shape [null, 3], the model gives [null, 2] [GS702]",
    ]


def test_fit_on_npz(capsys: pytest.CaptureFixture[str], write_spec: Write, tmp_path: Path) -> None:
    data = tmp_path / "data.npz"
    np.savez(data, x=np.ones((8, 4), "float32"), d=np.zeros((8, 2), "float32"))
    code, _out, err = run(
        capsys, "fit", str(write_spec(GOOD)), "--data", str(data), "--epochs", "1"
    )
    assert code == 0, err
    np.savez(data, x=np.ones((8, 4), "float32"))
    code, _, err = run(capsys, "fit", str(write_spec(GOOD)), "--data", str(data))
    assert code == 2 and "no array named d" in err


def test_expand_prints_a_spec(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "expand", str(ROOT / "specs/seed/multi_output.yaml"))
    assert code == 0, err
    assert "  conv1d_2_1: {layer: Conv1D" in out or "_1: {layer: Conv1D" in out


HEAVY = {"tensorflow", "keras", "numpy", "jax", "torch"}


def test_import_graphspec_stays_light() -> None:
    assert imported_by("import graphspec")[0] & HEAVY == set()


def test_help_and_validate_do_not_import_tensorflow() -> None:
    spec = ROOT / "specs/seed/dual_camera.yaml"
    for argv in (["--help"], ["validate", str(spec)], ["validate", "--help"]):
        status, modules, _, err = cli_probe(argv)
        assert status == 0, err
        assert modules & HEAVY == set(), argv


def test_python_dash_m_is_the_same_program() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "graphspec", "validate", str(ROOT / "specs/seed/mlp.yaml")],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout.endswith(
        "mlp.yaml: ok: 3 nodes, 3,466 parameters; outputs: dense_3 (None, 10)\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "graphspec", "--version"],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert run.stdout.startswith("graphspec ")


def test_the_process_freezes_the_gc_at_exit_unless_keras_is_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frozen: list[bool] = []
    monkeypatch.setattr(cli.gc, "freeze", lambda: frozen.append(True))
    monkeypatch.setattr(cli, "main", lambda: 1)
    monkeypatch.delitem(sys.modules, "keras", raising=False)
    with pytest.raises(SystemExit) as exited:
        cli.run()
    assert (exited.value.code, frozen) == (1, [True])
    monkeypatch.setitem(sys.modules, "keras", types.ModuleType("keras"))
    with pytest.raises(SystemExit) as exited:
        cli.run()
    assert (exited.value.code, frozen) == (1, [True])


def test_the_graphspec_command_is_the_process_entry_point() -> None:
    (script,) = entry_points(group="console_scripts", name="graphspec")
    assert script.value == "graphspec.cli:run"


def test_custom_objects_option_admits_a_user_layer(
    capsys: pytest.CaptureFixture[str],
    write_spec: Write,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "user_layers_for_test.py").write_text(
        "import keras\n\n"
        "class Fivefold(keras.layers.Layer):\n"
        "    def __init__(self, factor=2.0, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        "        self.factor = factor\n\n"
        "    def call(self, x):\n"
        "        return x * self.factor\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = write_spec(
        "graphspec: 1\ninputs: {x: {shape: [3]}}\n"
        "nodes: {s: {layer: Fivefold, factor: 3.0, inputs: x}}\noutputs: [s]\n"
    )
    code, _, err = run(capsys, "validate", "--no-source", str(spec))
    assert code == 1 and "unknown layer 'Fivefold' (a user-defined layer comes in with" in err
    out = tmp_path / "s.keras"
    argv = ["build", str(spec), "-o", str(out), "--custom-objects"]
    code, _, err = run(capsys, *argv, "user_layers_for_test:Fivefold")
    assert code == 0 and "error:" not in err and "warning:" not in err, err
    assert "note: s: shape unknown past this node" in err  # no static rule for a user's layer
    assert out.is_file()
    code, stdout, err = run(capsys, "build", "-q", *argv[1:], "user_layers_for_test:Fivefold")
    assert (code, stdout, err) == (0, "", "")  # -q: nothing but what fails the run


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "a.yaml", "b.yaml", "--strict", "-q", "--max-params", "10"],
        ["build", "a.yaml", "-o", "m.keras", "--backend", "jax"],
        ["fit", "a.yaml", "--synthetic", "8", "--epochs", "2"],
        ["--version", "summary", "a.yaml"],
        ["schema"],
        ["import", "--application", "ResNet50", "-o", "r.yaml"],
        ["plot", "a.yaml", "-o", "a.svg"],
    ],
)
def test_the_parser_of_one_command_reads_as_the_whole_parser(argv: list[str]) -> None:
    """parser(argv) gives only the named command its arguments: the same namespace."""
    from graphspec.cli.parser import parser

    assert parser(argv).parse_args(argv) == parser().parse_args(argv)
