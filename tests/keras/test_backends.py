"""One spec, every backend: the same layer configs, parameter counts and (with TensorFlow's
weights copied) predictions on JAX and PyTorch as on TensorFlow; a .keras written by
`graphspec build` on any backend loads on every other with equal predictions; a layer frozen
in the spec and unfrozen in Python trains on each.

The test process is on TensorFlow; each other backend runs tests/keras/backend_worker.py in a
process of its own (Keras picks its backend once per process). A process costs seconds to
start, so one module fixture runs three for every test here: jax (compare, write, unfreeze),
torch (the same, and read every file), jax again (read); the module is one xdist group, so
that the fixture runs once per suite. CI builds a representative
set (a small model with Conv2D, BatchNormalization, LSTM, attention and an op; a seed spec
with LSTM and a shared layer; the transformer example; a residual seed spec); every seed
spec, example and architecture (21 specs, about 4 minutes):

    GRAPHSPEC_ALL_BACKENDS=1 python -m pytest tests/keras/test_backends.py

Tolerance for predictions: |actual - expected| <= 1e-4 * |expected| + 1e-5 * max|expected|
(the oracle's), elementwise per output. Measured (every spec): max|diff| / max|expected| at
most 3.9e-6 (resnet50 on torch), mostly 1e-7 to 1e-6; inception_module on torch differs by
0.22 at the border (GS641, DIFFERS)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import graphspec
from graphspec.cli import main
from graphspec.keras.save import save_model
from tests import oracle
from tests.conftest import ROOT, SPECS
from tests.keras.backend_worker import configs, predict

OTHERS = ("jax", "torch")
MIXED = (
    ROOT / "tests/data/backends/mixed.yaml"
)  # Conv2D, BatchNormalization, LSTM, attention, an op
REPRESENTATIVE = [
    str(MIXED),
    str(SPECS / "seed/siamese_lstm.yaml"),  # LSTM, a shared layer
    str(SPECS / "examples/transformer_encoder.yaml"),  # MultiHeadAttention, LayerNormalization
    str(SPECS / "seed/residual_projection.yaml"),  # Conv2D, Add
]
FOLDERS = ("seed", "examples", "architectures")
EVERY = [str(MIXED), *sorted(str(p) for d in FOLDERS for p in (SPECS / d).glob("*.yaml"))]
SPEC_NAMES = EVERY if os.environ.get("GRAPHSPEC_ALL_BACKENDS") else REPRESENTATIVE
FREE = {"multi_output": 300}
"""Lengths for unsized dimensions where 8 is too short (five-wide convolutions and pools)."""
REFUSED = {("siamese_distance", "jax")}
"""What a backend refuses before building (GS640): keras.ops.norm with an axis on jax."""
DIFFERS = {("inception_module", "torch")}
"""What a backend computes differently, with a warning (GS641): Keras 3.15's torch average
pooling with uneven "same" padding (branch_c_1). The same configs and parameters; the
predictions must differ (when Keras fixes it, GS641 goes)."""
RTOL, ATOL_SCALE = 1e-4, 1e-5
SAVED = MIXED
"""The spec `graphspec build` writes on each backend, for loading on every other (3 x 3)."""

pytestmark = pytest.mark.xdist_group("backends")


def worker(directory: Path, backend: str, job: dict[str, Any]) -> None:
    """Run the worker on `backend` with `job` (see backend_worker.py) and wait for it."""
    (directory / "job.json").write_text(json.dumps(job), "utf-8")
    env = {
        **os.environ,
        "KERAS_BACKEND": backend,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    run = subprocess.run(
        [sys.executable, "-m", "tests.keras.backend_worker", str(directory)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600 if SPEC_NAMES is EVERY else 1200,
    )
    assert run.returncode == 0, f"the {backend} worker failed:\n{run.stderr[-4000:]}"


def name_of(spec: str) -> str:
    return Path(spec).stem


def tensorflow_facts(directory: Path) -> dict[str, Any]:
    """Each spec built on TensorFlow with random weights, saved, with its inputs and facts."""
    facts = {}
    for spec in SPEC_NAMES:
        name = name_of(spec)
        model = graphspec.build(spec)
        oracle.randomise_weights(model, seed=3)
        save_model(model, directory / f"{name}.tensorflow.keras")
        data = oracle.sample_inputs(model, seed=4, free_dim=FREE.get(name, 8))
        np.savez(directory / f"{name}.inputs.npz", *data)
        facts[name] = {
            "params": list(oracle.param_counts(model)),
            "configs": configs(model),
            "predictions": predict(model, data),
        }
    return facts


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """TensorFlow's builds and facts, `graphspec build` of SAVED on TensorFlow, then the three
    worker processes (every file is written before the last two read them)."""
    directory = tmp_path_factory.mktemp("backends")
    facts = tensorflow_facts(directory)
    saved = directory / "saved"
    saved.mkdir()
    argv = ["build", "-q", "--backend", "tensorflow", str(SAVED), "-o"]
    assert main([*argv, str(saved / "tensorflow.keras")]) == 0
    np.savez(saved / "inputs.npz", *oracle.sample_inputs(graphspec.build(SAVED), seed=5))
    job = {"compare": [[name_of(s), s] for s in SPEC_NAMES], "write": str(SAVED), "unfreeze": True}
    worker(directory, "jax", job)
    worker(directory, "torch", {**job, "read": True})
    worker(directory, "jax", {"read": True})
    return directory, facts


def mismatches(label: str, got: list[np.ndarray], want: list[np.ndarray]) -> list[str]:
    if len(got) != len(want):
        return [f"{label}: {len(got)} outputs, expected {len(want)}"]
    found = [
        oracle.mismatch(f"{label} output {i}", g, w, RTOL, ATOL_SCALE)
        for i, (g, w) in enumerate(zip(got, want, strict=True))
    ]
    return [m for m in found if m]


def differences(directory: Path, backend: str, spec: str, expected: dict[str, Any]) -> list[str]:
    """How the backend's build of `spec` differs from TensorFlow's (or refuses it)."""
    name = name_of(spec)
    report = json.loads((directory / f"{name}.{backend}.json").read_text("utf-8"))
    if (name, backend) in REFUSED or "refused" in report:
        if report.get("refused") != ["GS640"] or (name, backend) not in REFUSED:
            return [
                f"{spec}: refused {report.get('refused')}, expected {(name, backend) in REFUSED}"
            ]
        return []
    problems = [f"{spec}: {d}" for d in report["differences"]]
    if report["params"] != expected["params"]:
        problems.append(
            f"{spec}: parameters {report['params']}, on tensorflow {expected['params']}"
        )
    if report["configs"] != expected["configs"]:
        problems.append(f"{spec}: the layer configs differ from tensorflow's")
    with np.load(directory / f"{name}.{backend}.npz") as arrays:
        values = [arrays[f"arr_{i}"] for i in range(len(arrays.files))]
    count = len(expected["predictions"])
    found = mismatches(f"{spec} (weights copied)", values[:count], expected["predictions"])
    found += mismatches(
        f"{spec} (tensorflow's .keras loaded)", values[count:], expected["predictions"]
    )
    warned = "GS641" in report["warnings"]
    if (name, backend) in DIFFERS:
        if not warned or not found:
            problems.append(
                f"{spec}: GS641 {warned}, predictions differ {bool(found)}: expected both"
            )
        return problems
    if warned:
        problems.append(f"{spec}: an unexpected GS641 warning")
    return problems + found


@pytest.mark.parametrize("backend", OTHERS)
def test_every_spec_is_the_same_model_on_the_backend(
    backend: str, runs: tuple[Path, dict[str, Any]]
) -> None:
    directory, facts = runs
    problems = []
    for spec in SPEC_NAMES:
        problems += differences(directory, backend, spec, facts[name_of(spec)])
    assert problems == [], "\n".join(problems)


def test_a_keras_file_from_any_backend_loads_on_every_backend(
    runs: tuple[Path, dict[str, Any]],
) -> None:
    """3 x 3: `graphspec build` on each backend, each file loaded and run on each backend."""
    import keras

    saved = runs[0] / "saved"
    with np.load(saved / "inputs.npz") as arrays:
        data = [arrays[f"arr_{i}"] for i in range(len(arrays.files))]
    for path in sorted(saved.glob("*.keras")):
        model = keras.saving.load_model(path, compile=False)
        np.savez(saved / f"{path.stem}.on.tensorflow.npz", *predict(model, data))
    problems = []
    for written in ("tensorflow", *OTHERS):
        with np.load(saved / f"{written}.on.{written}.npz") as own:
            want = [own[k] for k in sorted(own.files)]
        for loaded in ("tensorflow", *OTHERS):
            with np.load(saved / f"{written}.on.{loaded}.npz") as other:
                got = [other[k] for k in sorted(other.files)]
            problems += mismatches(f"written on {written}, loaded on {loaded}", got, want)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("backend", ("tensorflow", *OTHERS))
def test_a_layer_frozen_in_the_spec_trains_once_unfrozen(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Built with its weights declared late, a frozen layer still gets trainable backend
    variables (TensorFlow's are made with the flag they are created with): unfreezing it in
    Python trains it; before, it stays as it was."""
    if backend == "tensorflow":
        from tests.keras.backend_worker import unfreeze

        unfreeze(tmp_path)
        directory = tmp_path
    else:  # the worker's unfreeze job
        directory = request.getfixturevalue("runs")[0]
    report = json.loads((directory / f"unfreeze.{backend}.json").read_text("utf-8"))
    assert report == {"frozen": 2, "unfrozen": 4, "changed": [True, True], "stayed": [True, True]}
