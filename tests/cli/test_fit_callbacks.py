"""`fit.callbacks`: Keras's own callbacks, run by `graphspec fit` — early stopping, checkpoints,
CSV and TensorBoard logs, paths confined to the working directory; the allow-list against Keras."""

from __future__ import annotations

import inspect
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import keras
import pytest

import graphspec
from graphspec.catalog import registry
from graphspec.cli import main
from graphspec.ir import Named
from graphspec.keras.callbacks import held_interrupts, holding
from graphspec.resolve import callbacks as table
from graphspec.resolve.fit_settings import logged_names, metric_name
from tests.conftest import ROOT, Write, sigint

FIT_DATA = ROOT / "tests" / "data" / "fit"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_early_stopping_stops_a_run_whose_loss_cannot_improve(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    spec = FIT_DATA / "early_stopping.yaml"
    code, out, err = run(capsys, "fit", str(spec), "--synthetic", "32", "--history", "h.json")
    assert code == 0, err
    assert "Epoch 2/50" in out and "Epoch 3/50" not in out
    history = json.loads((tmp_path / "h.json").read_text("utf-8"))
    assert history["epochs"] == [1, 2]
    rows = (tmp_path / "logs" / "training.csv").read_text("utf-8").splitlines()
    assert rows[0].startswith("epoch,loss,mae") and len(rows) == 3
    checkpoints = sorted(p.name for p in (tmp_path / "ckpt").iterdir())
    losses = history["history"]["loss"]
    assert checkpoints == [f"epoch{i + 1:02d}-{loss:.3f}.keras" for i, loss in enumerate(losses)]
    for name in checkpoints:
        assert (
            keras.saving.load_model(tmp_path / "ckpt" / name, safe_mode=True).count_params() == 49
        )


CALLBACKS = """
graphspec: 1
inputs: {{x: {{shape: [4]}}}}
nodes:
  d: {{layer: Dense, units: 1, inputs: x}}
outputs: {{d: {{loss: mse, metrics: [mae]}}}}
fit:
  epochs: 2
  callbacks:
    - {callback}
"""


def spec_with(write_spec: Write, callback: str, name: str = "spec.yaml") -> Path:
    return write_spec(CALLBACKS.format(callback=callback), name)


def test_best_checkpoint_and_tensorboard_logs_with_validation_data(
    capsys: pytest.CaptureFixture[str],
    write_spec: Write,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import numpy as np

    pytest.importorskip("tensorboard")
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "v.npz", x=rng.random((8, 4)), d=rng.random((8, 1)))
    spec = spec_with(
        write_spec,
        "{name: ModelCheckpoint, filepath: best.keras, save_best_only: true, monitor: val_mae}",
    )
    text = (
        spec.read_text("utf-8") + "    - {name: TensorBoard, log_dir: tb}\n    - TerminateOnNaN\n"
    )
    spec.write_text(text, "utf-8")
    code, _, err = run(capsys, "fit", str(spec), "--synthetic", "16", "--validation-data", "v.npz")
    assert code == 0, err
    assert keras.saving.load_model(tmp_path / "best.keras", safe_mode=True).count_params() == 5
    events = [p for p in (tmp_path / "tb").rglob("events.out.tfevents.*")]
    assert {p.parent.name for p in events} == {"train", "validation"}


def test_tensorboard_without_its_package_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], write_spec: Write, hide_package: Callable[[str], None]
) -> None:
    hide_package("tensorboard")
    code, _, err = run(capsys, "fit", str(spec_with(write_spec, "TensorBoard")), "--synthetic", "8")
    assert (code, err) == (
        2,
        "graphspec fit: error: TensorBoard (fit.callbacks[0]) needs the tensorboard package: "
        "pip install tensorboard\n",
    )


def test_a_validation_monitor_without_validation_data_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], write_spec: Write
) -> None:
    spec = spec_with(write_spec, "EarlyStopping")
    code, _, err = run(capsys, "fit", str(spec), "--synthetic", "8")
    assert (code, err) == (
        2,
        "graphspec fit: error: EarlyStopping (fit.callbacks[0]) monitors 'val_loss' (its default), "
        "but this run has no validation data: give --validation-data FILE.npz or "
        "fit.validation_split, or monitor a training quantity such as 'loss'\n",
    )
    spec = spec_with(write_spec, '{name: ModelCheckpoint, filepath: "m-{val_mae:.2f}.keras"}')
    code, _, err = run(capsys, "fit", str(spec), "--synthetic", "8")
    assert code == 2 and "names a validation quantity in its filepath" in err


def test_paths_are_relative_to_the_working_directory_not_the_spec(
    capsys: pytest.CaptureFixture[str],
    write_spec: Write,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = spec_with(write_spec, "{name: CSVLogger, filename: out/log.csv}", "specs/spec.yaml")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert run(capsys, "fit", str(spec), "--synthetic", "8")[0] == 0
    assert (work / "out" / "log.csv").is_file() and not (tmp_path / "specs" / "out").exists()


def test_a_symlink_out_of_the_working_directory_is_refused_unless_allowed(
    capsys: pytest.CaptureFixture[str],
    write_spec: Write,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outside, work = tmp_path / "outside", tmp_path / "work"
    outside.mkdir()
    work.mkdir()
    (work / "logs").symlink_to(outside)
    spec = spec_with(write_spec, "{name: CSVLogger, filename: logs/log.csv}")
    monkeypatch.chdir(work)
    code, _, err = run(capsys, "fit", str(spec), "--synthetic", "8", "--no-source")
    assert code == 1
    assert err == (
        f"{spec}:9:35: error: CSVLogger's 'filename': 'logs/log.csv' leaves the working directory: "
        "callbacks write inside it, or under an --allow-path DIR [GS384]\n"
    )
    assert list(outside.iterdir()) == []
    code, _, err = run(capsys, "fit", str(spec), "--synthetic", "8", "--allow-path", str(outside))
    assert code == 0, err
    assert (outside / "log.csv").is_file()


def test_an_absolute_path_under_an_allowed_directory_is_accepted(
    capsys: pytest.CaptureFixture[str], write_spec: Write, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    spec = spec_with(write_spec, f"{{name: CSVLogger, filename: {logs / 'log.csv'}}}")
    assert run(capsys, "validate", str(spec))[0] == 1
    assert run(capsys, "fit", str(spec), "--synthetic", "8", "--allow-path", str(logs))[0] == 0
    assert (logs / "log.csv").is_file()


def test_a_callback_keras_refuses_is_reported_on_its_line_gs630(
    capsys: pytest.CaptureFixture[str], write_spec: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = spec_with(write_spec, "{name: TensorBoard, profile_batch: [5, 2]}")
    assert "[GS382]" in run(capsys, "validate", str(spec), "--no-source")[2]
    monkeypatch.setitem(table.KINDS, "profile_batch", lambda value: None)  # past validate
    code, _, err = run(capsys, "fit", str(spec), "--synthetic", "8", "--no-source")
    assert code == 1
    assert err.startswith(
        f"{spec}:9:7: error: Keras refused callback TensorBoard: profile_batch must be"
    )
    assert err.endswith("[GS630]\n")


def test_what_keras_raises_while_training_is_reported_on_the_fit_section_gs631(
    capsys: pytest.CaptureFixture[str], write_spec: Write
) -> None:
    spec = write_spec(
        """
        graphspec: 1
        inputs: {x: {shape: [4]}}
        nodes:
          a: {layer: Dense, units: 1, inputs: x}
          b: {layer: Dense, units: 1, inputs: x}
        outputs:
          a: {loss: mse}
          b: {}
        fit: {epochs: 1}
        """
    )
    code, _, err = run(capsys, "fit", str(spec), "--synthetic", "4", "--no-source")
    assert (code, err) == (
        1,
        f"{spec}:9:6: error: Keras failed to train: Expected keys ['a', 'b'] in loss dict, "
        "but found loss.keys()=['a'] [GS631]\n",
    )


# ---- Ctrl-C is held back while a callback writes ---------------------------------------------


def test_an_interrupt_during_a_held_block_is_raised_when_it_ends() -> None:
    steps = []
    with sigint(signal.default_int_handler):  # as Python sets it up where Ctrl-C is not ignored
        with pytest.raises(KeyboardInterrupt), held_interrupts():
            os.kill(os.getpid(), signal.SIGINT)
            steps.append("the block went on")
        assert steps == ["the block went on"]
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        with held_interrupts():
            pass  # no interrupt: nothing raised


def test_where_ctrl_c_is_ignored_a_held_block_leaves_it_ignored() -> None:
    try:
        with sigint(signal.SIG_IGN), held_interrupts():
            os.kill(os.getpid(), signal.SIGINT)  # ignored: nothing raised when the block ends
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    except KeyboardInterrupt:  # caught here: it would stop the whole test run
        pytest.fail("a Ctrl-C that the process ignores was raised when the block ended")


def test_outside_the_main_thread_a_held_block_just_runs() -> None:
    done = []
    worker = threading.Thread(target=lambda: done.append(held_interrupts().__enter__() is None))
    worker.start()
    worker.join()
    assert done == [True]


def test_holding_callbacks_are_kerass_own_with_their_hooks_held() -> None:
    cls = holding(keras.callbacks.CSVLogger)
    assert issubclass(cls, keras.callbacks.CSVLogger) and cls.__name__ == "CSVLogger"
    assert holding(keras.callbacks.CSVLogger) is cls
    own = {n for n in vars(cls) if n.startswith("on_")}
    assert own == {"on_train_begin", "on_epoch_end", "on_train_end"}


# ---- the allow-list is Keras's own -----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(table.CALLBACKS))
def test_the_table_has_kerass_signature(name: str) -> None:
    parameters = inspect.signature(getattr(keras.callbacks, name).__init__).parameters
    keras_args = {
        p.name: table.REQUIRED if p.default is inspect.Parameter.empty else p.default
        for p in parameters.values()
        if p.name != "self" and p.kind is not inspect.Parameter.VAR_KEYWORD
    }
    assert {k: a.default for k, a in table.CALLBACKS[name].items()} == keras_args
    for key, arg in table.CALLBACKS[name].items():
        if arg.default is not table.REQUIRED and arg.kind != "refused":
            assert table.check_value(arg.kind, arg.default) is None, key


def test_every_keras_callback_is_offered_or_refused_with_a_reason() -> None:
    public = {n for n in dir(keras.callbacks) if isinstance(getattr(keras.callbacks, n), type)}
    assert public == set(table.CALLBACKS) | set(table.REFUSED_CALLBACKS)


def test_metric_names_are_the_names_keras_gives_its_metrics() -> None:
    checked = 0
    for name in registry.data()["metrics"]:
        cls = getattr(keras.metrics, name, None)
        named = Named("metrics", name, (("dtype", "float32"),))
        if not isinstance(cls, type):
            assert metric_name(named) is None, name  # a function: its logged name is unknown
            continue
        if name in ("Metric", "MeanMetricWrapper"):  # abstract
            continue
        required = {
            p: 0.5
            for p, v in inspect.signature(cls.__init__).parameters.items()
            if v.default is inspect.Parameter.empty
            and p != "self"
            and v.kind == v.POSITIONAL_OR_KEYWORD
        }
        required.update(
            {k: v for k, v in (("num_classes", 3), ("target_class_ids", [0])) if k in required}
        )
        metric = cls(**required)
        assert metric_name(named) == metric.name, name
        checked += 1
    assert checked > 40


def test_logged_names_are_what_kerass_history_holds(write_spec: Write, tmp_path: Path) -> None:
    spec = write_spec(
        """
        graphspec: 1
        inputs: {x: {shape: [4]}}
        nodes:
          h: {layer: Dense, units: 4, inputs: x}
          age: {layer: Dense, units: 1, inputs: h}
          kind: {layer: Dense, units: 3, activation: softmax, inputs: h}
        outputs:
          age: {loss: mse, metrics: [mae, {name: RootMeanSquaredError, dtype: float32}]}
          kind: {loss: categorical_crossentropy, metrics: [acc, {name: AUC, num_thresholds: 20}, F1Score]}
        compile: {metrics: [mse]}
        fit: {validation_split: 0.5}
        """
    )
    # a fresh process, as the command line runs: Keras numbers metric objects per process
    argv = [sys.executable, "-m", "graphspec", "fit", str(spec), "--synthetic", "8"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [*argv, "--history", str(tmp_path / "h.json")], env=env, capture_output=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    logged = json.loads((tmp_path / "h.json").read_text("utf-8"))["history"]
    checked = graphspec.check(spec)
    names = logged_names(checked.program.graph.outputs, checked.program.compile)
    assert names is not None
    assert set(logged) == names | {f"val_{n}" for n in names}


def test_two_metric_objects_of_one_class_make_the_names_unknowable() -> None:
    from graphspec.ir import CompileIR

    auc = Named("metrics", "AUC", (("num_thresholds", 20),))
    compiled = CompileIR(Named("optimizers", "rmsprop"), None, {}, {"a": [auc], "b": [auc]}, {})
    outputs = [type("O", (), {"id": i})() for i in ("a", "b")]
    assert logged_names(outputs, compiled) is None  # type: ignore[arg-type]
    one = CompileIR(Named("optimizers", "rmsprop"), None, {}, {"a": [auc]}, {})
    assert logged_names(outputs, one) == {"loss", "a_loss", "b_loss", "a_auc"}  # type: ignore[arg-type]
