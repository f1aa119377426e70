"""`graphspec fit --distribute`: MirroredStrategy over two logical CPUs (the global batch:
the same losses as one device); JAX DataParallel over two virtual devices of one process, and
over two processes on 127.0.0.1 (identical weights, the model written once by process 0,
reloadable with its weights); a process that loses its peer fails quickly and says why.

Each run is a process of its own (devices are set up before the first TensorFlow op or JAX
call); a watchdog kills every process it started at its deadline."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import keras
import pytest

from graphspec.cli import main
from graphspec.keras.distribute import checksum
from tests.conftest import ROOT

SPEC = """\
graphspec: 1
inputs: {x: {shape: [4]}}
nodes:
  h:  {layer: Dense, units: 8, activation: relu, inputs: x}
  bn: {layer: BatchNormalization, inputs: h}
  y:  {layer: Dense, units: 1, inputs: bn}
outputs: [y]
compile: {optimizer: adam, loss: mse}
fit: {shuffle: false}
"""
CHECKSUM = re.compile(r"weights checksum ([0-9a-f]{16}) \(process (\d) of (\d)\)")


def fit_process(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`graphspec fit SPEC …` in a new process group (the watchdog kills the whole group)."""
    full = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        **(env or {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "graphspec", "fit", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full,
        cwd=ROOT,
        start_new_session=True,
    )


def watch(processes: list[subprocess.Popen[str]], seconds: float) -> list[tuple[int, str, str]]:
    """Wait for every process; past the deadline, kill them all and fail."""
    deadline = time.monotonic() + seconds
    results = []
    try:
        for p in processes:
            out, err = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
            results.append((p.returncode, out, err))
    except subprocess.TimeoutExpired:
        for p in processes:
            kill(p)
        pytest.fail(f"the processes were still running after {seconds} s (killed)")
    return results


def kill(p: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(p.pid, signal.SIGKILL)
    p.communicate()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def loaded_checksum(path: Path) -> str:
    return checksum(keras.saving.load_model(path, compile=False))


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC, "utf-8")
    return path


def test_mirrored_over_two_cpus_trains_as_one_device_with_the_global_batch(
    spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["--synthetic", "64", "--batch-size", "16", "--epochs", "2", "--seed", "1"]
    mirrored = fit_process(
        [
            str(spec),
            *common,
            "--distribute",
            "mirrored",
            "--cpu-devices",
            "2",
            "--history",
            str(tmp_path / "m.json"),
            "-o",
            str(tmp_path / "m.keras"),
        ]
    )
    ((status, out, err),) = watch([mirrored], 600)
    assert status == 0, err
    assert "mirrored over 2 replicas (device:CPU:0, device:CPU:1)" in out
    assert main(["fit", str(spec), *common, "--history", str(tmp_path / "one.json")]) == 0
    distributed = json.loads((tmp_path / "m.json").read_text("utf-8"))["history"]["loss"]
    one_device = json.loads((tmp_path / "one.json").read_text("utf-8"))["history"]["loss"]
    assert distributed == pytest.approx(one_device, rel=1e-4)
    model = keras.saving.load_model(tmp_path / "m.keras", compile=False)
    assert model.get_layer("bn").get_config()["synchronized"] is False  # loads on every backend
    assert CHECKSUM.search(out).group(1) == checksum(model)  # type: ignore[union-attr]


def test_data_parallel_over_two_virtual_devices_of_one_process(spec: Path, tmp_path: Path) -> None:
    out_path = tmp_path / "dp.keras"
    args = [
        str(spec),
        "--backend",
        "jax",
        "--distribute",
        "data-parallel",
        "--synthetic",
        "40",
        "--batch-size",
        "8",
        "--epochs",
        "2",
        "-o",
        str(out_path),
    ]
    ((status, out, err),) = watch(
        [fit_process(args, {"XLA_FLAGS": "--xla_force_host_platform_device_count=2"})], 600
    )
    assert status == 0, err
    assert "data-parallel over 2 devices of 1 process (this is process 0)" in out
    assert CHECKSUM.search(out).group(1) == loaded_checksum(out_path)  # type: ignore[union-attr]


def job(spec: Path, tmp_path: Path, extra: list[str], timeout: int) -> list[subprocess.Popen[str]]:
    coordinator = f"127.0.0.1:{free_port()}"
    common = [
        str(spec),
        "--backend",
        "jax",
        "--distribute",
        "data-parallel",
        "--coordinator",
        coordinator,
        "--num-processes",
        "2",
        "--peer-timeout",
        str(timeout),
        *extra,
    ]
    return [fit_process([*common, "--process-id", str(i)]) for i in (0, 1)]


def test_two_processes_end_with_the_same_weights_and_process_0_writes_once(
    spec: Path, tmp_path: Path
) -> None:
    out_path, history = tmp_path / "job.keras", tmp_path / "job.json"
    # 70 rows: 35 per process, 4 batches of 8 each (the global batch 16), 3 rows dropped
    extra = [
        "--synthetic",
        "70",
        "--batch-size",
        "16",
        "--epochs",
        "2",
        "--seed",
        "3",
        "-o",
        str(out_path),
        "--history",
        str(history),
    ]
    (s0, out0, err0), (s1, out1, err1) = watch(job(spec, tmp_path, extra, 60), 600)
    assert (s0, s1) == (0, 0), err0 + err1
    sums = [CHECKSUM.search(out).groups() for out in (out0, out1)]  # type: ignore[union-attr]
    assert sums[0][0] == sums[1][0] and [s[1:] for s in sums] == [("0", "2"), ("1", "2")]
    assert f"saved {out_path}" in out0 and "saved" not in out1 and "wrote" not in out1
    assert loaded_checksum(out_path) == sums[0][0]
    assert len(json.loads(history.read_text("utf-8"))["history"]["loss"]) == 2
    assert "4/4" in out0  # each process ran the same 4 steps an epoch


def test_a_process_that_loses_its_peer_fails_within_the_timeout(spec: Path, tmp_path: Path) -> None:
    p0, p1 = job(
        spec, tmp_path, ["--synthetic", "64", "--batch-size", "16", "--epochs", "100000"], 10
    )
    try:
        assert p0.stdout is not None
        for line in p0.stdout:
            if line.startswith("Epoch 3/"):
                break
        kill(p1)
        lost = time.monotonic()
        _, err = p0.communicate(timeout=120)
    finally:
        for p in (p0, p1):
            if p.poll() is None:
                kill(p)
    assert p0.returncode not in (0, None)
    assert time.monotonic() - lost < 60
    assert (
        "process 0 of 2: training stopped" in err
        and "a peer process has most likely stopped" in err
    ), err[-2000:]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--distribute", "data-parallel"],
            "--distribute data-parallel runs on the jax backend, not tensorflow",
        ),
        (["--cpu-devices", "2"], "need --distribute"),
        (
            ["--distribute", "mirrored", "--num-processes", "2", "--coordinator", "h:1"],
            "a job of several processes is --backend jax",
        ),
    ],
)
def test_options_that_do_not_go_together_are_usage_errors(
    argv: list[str], message: str, spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fit", str(spec), "--synthetic", "8", *argv]) == 2
    assert message in capsys.readouterr().err


def test_a_job_of_several_processes_refuses_what_every_process_would_write() -> None:
    from graphspec.keras.callbacks import RunError
    from graphspec.keras.distribute import Job, check

    job = Job("data-parallel", coordinator="127.0.0.1:1", num_processes=2)
    with pytest.raises(RunError, match="CSVLogger writes files, which every process"):
        check(job, "jax", ["EarlyStopping", "CSVLogger"], False)
    with pytest.raises(RunError, match=r"validation .* is not offered for a job of several"):
        check(job, "jax", [], True)
    with pytest.raises(RunError, match="--process-id 2: choose 0 to 1"):
        check(
            Job("data-parallel", coordinator="h:1", num_processes=2, process_id=2), "jax", [], False
        )
    check(job, "jax", ["EarlyStopping"], False)  # nothing to refuse
