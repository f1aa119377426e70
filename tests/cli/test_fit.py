"""`graphspec fit` in-process: every seed spec trains on synthetic data, the History as JSON and
as a picture, the options' usage errors, and --freeze/--unfreeze for two-phase fine-tuning."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest

import graphspec
from graphspec.cli import main
from graphspec.keras import train
from tests.conftest import SPECS, Write

SEEDS = sorted((SPECS / "seed").glob("*.yaml"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def has_loss(spec: Path) -> bool:
    compiled = graphspec.check(spec).program.compile
    return compiled is not None and compiled.loss is not None


@pytest.mark.parametrize("spec", SEEDS, ids=lambda p: p.stem)
def test_every_seed_spec_trains_one_epoch_on_synthetic_data(
    spec: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    history = tmp_path / "h.json"
    loss = [] if has_loss(spec) else ["--loss", "mse"]
    code, out, err = run(
        capsys,
        "fit",
        str(spec),
        "--synthetic",
        "2",
        "--batch-size",
        "2",
        "--epochs",
        "1",
        "--history",
        str(history),
        *loss,
    )
    assert code == 0, err
    assert "1/1 - " in out and " - loss: " in out  # Keras's line for the one epoch
    logged = json.loads(history.read_text("utf-8"))
    assert logged["epochs"] == [1]
    assert np.isfinite(logged["history"]["loss"][0])


MULTI = """
graphspec: 1
name: heads
inputs: {x: {shape: [6]}}
nodes:
  h: {layer: Dense, units: 8, activation: relu, inputs: x}
  age: {layer: Dense, units: 1, inputs: h}
  kind: {layer: Dense, units: 3, activation: softmax, inputs: h}
outputs:
  age: {loss: mse, metrics: [mae]}
  kind: {loss: categorical_crossentropy, metrics: [accuracy]}
fit:
  epochs: 3
  validation_split: 0.25
  callbacks: [{name: CSVLogger, filename: log.csv}]
"""


def test_history_json_is_kerass_history_per_output_train_and_validation(
    capsys: pytest.CaptureFixture[str],
    write_spec: Write,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(
        capsys, "fit", str(write_spec(MULTI)), "--synthetic", "16", "--history", "h.json"
    )
    assert code == 0, err
    assert out.endswith("wrote h.json\n")
    logged = json.loads((tmp_path / "h.json").read_text("utf-8"))
    assert logged["epochs"] == [1, 2, 3]
    quantities = ["loss", "age_loss", "age_mae", "kind_loss", "kind_accuracy"]
    assert sorted(logged["history"]) == sorted([*quantities, *(f"val_{q}" for q in quantities)])
    rows = (tmp_path / "log.csv").read_text("utf-8").splitlines()  # Keras's own record
    header = rows[0].split(",")
    for i, row in enumerate(rows[1:]):
        for key, value in zip(header[1:], row.split(",")[1:], strict=True):
            assert logged["history"][key][i] == pytest.approx(float(value), rel=1e-6)


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_plot_history_draws_each_quantity(
    suffix: str,
    capsys: pytest.CaptureFixture[str],
    write_spec: Write,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    picture = tmp_path / f"h{suffix}"
    code, _, err = run(
        capsys, "fit", str(write_spec(MULTI)), "--synthetic", "16", "--plot-history", str(picture)
    )
    assert code == 0, err
    data = picture.read_bytes()
    magic = {".png": b"\x89PNG", ".svg": b"<?xml", ".pdf": b"%PDF"}[suffix]
    assert data.startswith(magic) and len(data) > 5000
    if suffix == ".svg":
        text = data.decode()
        for title in ("loss", "age_loss", "age_mae", "kind_loss", "kind_accuracy", "validation"):
            assert f">{title}<" in text or f"<!-- {title} -->" in text, title
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_plot_history_without_matplotlib_is_refused_before_training(
    capsys: pytest.CaptureFixture[str], write_spec: Write, hide_package: Callable[[str], None]
) -> None:
    hide_package("matplotlib")
    code, out, err = run(
        capsys, "fit", str(write_spec(MULTI)), "--synthetic", "8", "--plot-history", "h.png"
    )
    assert (code, out) == (2, "")  # nothing trained
    assert err == (
        "graphspec fit: error: --plot-history needs matplotlib: "
        "pip install 'graphspec[history]' (or matplotlib)\n"
    )


def test_panels_put_the_total_loss_first_then_each_output() -> None:
    from graphspec.keras.history import panels

    logged = {
        k: [1.0]
        for k in (
            "age_loss",
            "age_mae",
            "kind_accuracy",
            "kind_loss",
            "learning_rate",
            "loss",
            "val_loss",
        )
    }
    shown = [
        (name, validation is not None) for name, _, validation in panels(logged, ["age", "kind"])
    ]
    assert shown == [
        ("loss", True),
        ("age_loss", False),
        ("age_mae", False),
        ("kind_loss", False),
        ("kind_accuracy", False),
        ("learning_rate", False),
    ]


GOOD = """
graphspec: 1
inputs: {x: {shape: [4]}}
nodes:
  d: {layer: Dense, units: 2, inputs: x}
outputs: {d: {loss: mse}}
"""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--plot-history", "h.gif"],
            "--plot-history h.gif: the picture's format comes from its suffix, one of .png, .svg, .pdf",
        ),
        (["--history", "h.txt"], "--history h.txt: the history is written as .json"),
        (["--loss", "mse"], "--loss mse: the spec gives its loss already"),
        (["--loss", "msee"], "--loss: unknown loss 'msee'; did you mean 'mse'?"),
        (
            ["--freeze", "base"],
            "--freeze/--unfreeze: 'base' is not a shared entry of the spec (it has none)",
        ),
        (["--freeze", "d", "--unfreeze", "d"], "--freeze and --unfreeze both name d"),
        (["--load-weights", "w.h5"], "--load-weights w.h5: give a .keras or .weights.h5 file"),
        (["--load-weights", "w.keras"], "--load-weights w.keras: no such file"),
        (["--validation-data", "v.npz"], "--validation-data v.npz: no such file"),
        (["-o", "m.h5"], "-o m.h5: Keras saves whole models to files ending in .keras"),
    ],
)
def test_option_mistakes_are_usage_errors(
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    write_spec: Write,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "fit", str(write_spec(GOOD)), "--synthetic", "4", *argv)
    assert code == 2
    assert err.startswith(f"graphspec fit: error: {message}"), err


def test_a_spec_without_a_loss_needs_one(
    capsys: pytest.CaptureFixture[str], write_spec: Write
) -> None:
    spec = write_spec(GOOD.replace("{d: {loss: mse}}", "[d]"))
    code, _, err = run(capsys, "fit", str(spec), "--synthetic", "4")
    assert (code, err) == (
        2,
        "graphspec fit: error: the spec has no loss: give one in `compile:` or on its outputs, or with --loss NAME\n",
    )
    assert run(capsys, "fit", str(spec), "--synthetic", "4", "--loss", "mae")[0] == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["--synthetic", "0"],
        ["--synthetic", "x"],
        [],
        ["--synthetic", "2", "--data", "d.npz"],
        ["--synthetic", "2", "--epochs", "0"],
        ["--synthetic", "2", "--validation-split", "1"],
    ],
)
def test_argument_mistakes_exit_2(argv: list[str], write_spec: Write) -> None:
    with pytest.raises(SystemExit) as e:
        main(["fit", str(write_spec(GOOD)), *argv])
    assert e.value.code == 2


def test_validation_split_overrides_the_spec(
    capsys: pytest.CaptureFixture[str], write_spec: Write, tmp_path: Path
) -> None:
    history = tmp_path / "h.json"
    argv = ["fit", str(write_spec(GOOD)), "--synthetic", "8", "--history", str(history)]
    assert run(capsys, *argv, "--validation-split", "0.5")[0] == 0
    assert sorted(json.loads(history.read_text("utf-8"))["history"]) == ["loss", "val_loss"]
    assert run(capsys, *argv)[0] == 0
    assert sorted(json.loads(history.read_text("utf-8"))["history"]) == ["loss"]


def test_json_format_keeps_stdout_for_the_report(
    capsys: pytest.CaptureFixture[str], write_spec: Write
) -> None:
    code, out, err = run(
        capsys, "fit", str(write_spec(GOOD)), "--synthetic", "4", "--format", "json"
    )
    assert code == 0
    assert json.loads(out) == {"diagnostics": [], "errors": 0, "warnings": 0, "notes": 0}
    assert " - loss: " in err


# ---- --freeze / --unfreeze ------------------------------------------------------------------

TRANSFER = """
graphspec: 1
name: transfer
inputs: {x: {shape: [8]}}
shared:
  base:
    graph:
      inputs: {i: {shape: [8]}}
      nodes:
        b1: {layer: Dense, units: 16, activation: relu, inputs: i}
        b2: {layer: Dense, units: 16, activation: relu, inputs: b1}
      outputs: [b2]
  neck: {layer: Dense, units: 4, trainable: false}
nodes:
  features: {use: base, inputs: x}
  squeezed: {use: neck, inputs: features}
  y: {layer: Dense, units: 1, inputs: squeezed}
outputs: {y: {loss: mse}}
"""
BASE, NECK, HEAD = 8 * 16 + 16 + 16 * 16 + 16, 16 * 4 + 4, 4 + 1


def trainable_count(model: Any) -> int:
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def fitted(spec: Path, trainable: train.Trainable) -> tuple[Any, dict[int, Any]]:
    """Build with the overrides and train one epoch: the model, and each weight before."""
    checked = graphspec.check(spec)
    program = train.with_loss(checked.program, None)
    model = train.build_model(program, list(checked.spec.shared), trainable, seed=1)
    before = {id(w): w.numpy().copy() for w in model.weights}
    prepared = train.prepare(model, program, rows=32, seed=1)
    train.train(model, checked.spec, program, prepared, epochs=1, verbose=0)
    return model, before


def changed(model: Any, before: dict[int, Any], layer: str) -> list[bool]:
    """Which of the layer's weights the epoch changed."""
    return [not np.array_equal(before[id(w)], w.numpy()) for w in model.get_layer(layer).weights]


def test_freeze_and_unfreeze_override_trainable_for_one_run(
    write_spec: Write, tmp_path: Path
) -> None:
    spec = write_spec(TRANSFER)
    model, before = fitted(spec, train.Trainable())
    assert trainable_count(model) == BASE + HEAD  # the spec freezes neck
    assert changed(model, before, "neck") == [False, False]
    assert changed(model, before, "base") == [True] * 4

    model, before = fitted(spec, train.Trainable(freeze=("base",), unfreeze=("neck",)))
    assert trainable_count(model) == NECK + HEAD
    assert changed(model, before, "base") == [False] * 4
    assert changed(model, before, "neck") == [True] * 2
    assert changed(model, before, "y") == [True] * 2


def layer_weights(path: Path, layer: str) -> list[Any]:
    return [
        w.numpy() for w in keras.saving.load_model(path, safe_mode=True).get_layer(layer).weights
    ]


def same(a: list[Any], b: list[Any]) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_two_phase_fine_tuning_from_the_command_line(
    capsys: pytest.CaptureFixture[str], write_spec: Write, tmp_path: Path
) -> None:
    spec = write_spec(TRANSFER)
    phase1, phase2, frozen = (tmp_path / f"{n}.keras" for n in ("phase1", "phase2", "frozen"))
    total = BASE + NECK + HEAD
    code, out, err = run(
        capsys,
        "fit",
        str(spec),
        "--synthetic",
        "32",
        "--seed",
        "3",
        "--freeze",
        "base",
        "-o",
        str(phase1),
    )
    assert code == 0, err
    assert f"trainable parameters: {HEAD:,} of {total:,} (frozen: base; unfrozen: none)" in out
    code, out, err = run(
        capsys,
        "fit",
        str(spec),
        "--synthetic",
        "32",
        "--seed",
        "4",
        "--load-weights",
        str(phase1),
        "--unfreeze",
        "base",
        "neck",
        "-o",
        str(phase2),
    )
    assert code == 0, err
    assert (
        f"trainable parameters: {total:,} of {total:,} (frozen: none; unfrozen: base, neck)" in out
    )
    for layer in ("base", "neck", "y"):
        assert not same(layer_weights(phase1, layer), layer_weights(phase2, layer)), layer
    # the weights come from phase 1: frozen, they stay exactly phase 1's
    code, _, err = run(
        capsys,
        "fit",
        str(spec),
        "--synthetic",
        "32",
        "--seed",
        "5",
        "--load-weights",
        str(phase1),
        "--freeze",
        "base",
        "-o",
        str(frozen),
    )
    assert code == 0, err
    assert same(layer_weights(phase1, "base"), layer_weights(frozen, "base"))
    assert same(layer_weights(phase1, "neck"), layer_weights(frozen, "neck"))  # the spec's own
    assert not same(layer_weights(phase1, "y"), layer_weights(frozen, "y"))


def test_unknown_shared_ids_get_a_suggestion(
    capsys: pytest.CaptureFixture[str], write_spec: Write
) -> None:
    code, _, err = run(
        capsys, "fit", str(write_spec(TRANSFER)), "--synthetic", "4", "--freeze", "bse"
    )
    assert code == 2  # after the warning that neck is shared by one node only
    assert err.splitlines()[-1] == (
        "graphspec fit: error: --freeze/--unfreeze: 'bse' is not a shared entry of the spec; "
        "did you mean 'base'? (its shared entries: base, neck)"
    )


def test_weights_of_another_model_are_a_usage_error(
    capsys: pytest.CaptureFixture[str], write_spec: Write, tmp_path: Path
) -> None:
    other = tmp_path / "other.keras"
    assert (
        run(
            capsys, "fit", str(write_spec(GOOD, "good.yaml")), "--synthetic", "4", "-o", str(other)
        )[0]
        == 0
    )
    code, _, err = run(
        capsys, "fit", str(write_spec(TRANSFER)), "--synthetic", "4", "--load-weights", str(other)
    )
    assert code == 2
    assert err.splitlines()[-1].startswith(
        f"graphspec fit: error: --load-weights {other}: Keras could not load them: "
    )
