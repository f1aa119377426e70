"""`graphspec fit` as a process: Ctrl-C stops cleanly (the last checkpoint whole, no partial
file, a clear message, exit 130); Keras's progress bar on a terminal, plain lines in a log."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras

from tests.conftest import ROOT, sigint

FIT_DATA = ROOT / "tests" / "data" / "fit"
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
FIT = [sys.executable, "-m", "graphspec", "fit"]


def wait_for(predicate: object, process: subprocess.Popen[str], limit: float = 300) -> None:
    """Poll (the machine may be busy: a generous limit, never asserted as a time)."""
    deadline = time.monotonic() + limit
    while not predicate():  # type: ignore[operator]
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the run never got there"
        time.sleep(0.1)


def rows(path: Path) -> int:
    return len(path.read_text("utf-8").splitlines()) if path.is_file() else 0


def test_ctrl_c_keeps_the_last_checkpoint_and_leaves_no_partial_file(tmp_path: Path) -> None:
    spec = FIT_DATA / "checkpoint.yaml"  # 100,000 epochs, a checkpoint and a CSV row each
    argv = [*FIT, str(spec), "--synthetic", "512", "-o", "model.keras", "--history", "h.json"]
    with sigint(signal.default_int_handler):  # the child starts with Ctrl-C not ignored
        process = subprocess.Popen(
            argv, cwd=tmp_path, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    log = tmp_path / "training.csv"
    wait_for(lambda: rows(log) >= 4, process)  # the header and three epochs
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 130, err
    assert "Traceback" not in out + err
    last = err.strip().splitlines()[-1]
    assert last.startswith("graphspec fit: interrupted during epoch "), err
    assert last.endswith(
        "; -o model.keras was not written; checkpoints already written are kept whole"
    )
    done = int(last.split("(")[1].split(" complete")[0])
    # every complete epoch logged in whole lines (one more when Ctrl-C came between the CSV
    # row and Keras's History, which records the epoch last)
    assert done >= 2 and rows(log) in (done + 1, done + 2)
    header, *lines = log.read_text("utf-8").splitlines()
    assert header == "epoch,loss,val_loss"
    assert all(len(row.split(",")) == 3 for row in lines)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt", "training.csv"]
    assert [p.name for p in (tmp_path / "ckpt").iterdir()] == ["last.keras"]
    model = keras.saving.load_model(tmp_path / "ckpt" / "last.keras", safe_mode=True)
    assert model.count_params() == 16 * 64 + 64 + 65


SHORT = ["--synthetic", "64", "--epochs", "3"]


def test_a_log_file_gets_one_plain_line_per_epoch(tmp_path: Path) -> None:
    spec = ROOT / "specs" / "seed" / "mlp.yaml"
    with (tmp_path / "log.txt").open("w") as log:
        done = subprocess.run(
            [*FIT, str(spec), *SHORT], stdout=log, stderr=subprocess.PIPE, env=ENV, timeout=600
        )
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "log.txt").read_bytes()
    assert b"\r" not in text and b"\x1b" not in text and b"\b" not in text
    lines = text.decode().splitlines()
    assert lines[0::2] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    assert all(line.startswith("2/2 - ") and " - loss: " in line for line in lines[1::2])


def test_a_terminal_gets_kerass_progress_bar(tmp_path: Path) -> None:
    spec = ROOT / "specs" / "seed" / "mlp.yaml"
    main, child = pty.openpty()
    process = subprocess.Popen(
        [*FIT, str(spec), *SHORT], stdout=child, stderr=subprocess.PIPE, env=ENV, close_fds=True
    )
    os.close(child)
    screen = b""
    while True:
        ready, _, _ = select.select([main], [], [], 600)
        assert ready, "no output"
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    os.close(main)
    assert process.wait(timeout=600) == 0
    assert b"Epoch 3/3" in screen
    assert b"\r" in screen and b"\x1b[" in screen  # the bar redrawn in place, Keras's colours
    assert "━".encode() in screen
