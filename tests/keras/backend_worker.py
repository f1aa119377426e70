"""One process on one Keras backend (KERAS_BACKEND) for tests/keras/test_backends.py: builds
specs and writes what the test process compares with TensorFlow's — configs, parameter
counts, predictions — to a directory. A process has one backend, so each backend runs here.

    KERAS_BACKEND=jax python -m tests.keras.backend_worker DIR

DIR/job.json says what to do:
- "compare": [[name, spec], …] — build each spec here; load DIR/NAME.tensorflow.keras (the
  TensorFlow build, its weights randomised) and copy its weights onto ours; write
  DIR/NAME.BACKEND.json (parameter counts, every layer's config in canonical order, the
  oracle's structure differences from the loaded TensorFlow model, the codes of check's
  warnings on this backend) and DIR/NAME.BACKEND.npz
  (our predictions and the loaded model's on DIR/NAME.inputs.npz).
- "write": spec — `graphspec build --backend BACKEND SPEC -o DIR/saved/BACKEND.keras`.
- "read": true — load every DIR/saved/*.keras, predict on DIR/saved/inputs.npz →
  DIR/saved/FILE.on.BACKEND.npz.
- "unfreeze": true — a layer frozen in the spec, unfrozen in Python, trains: DIR/unfreeze.BACKEND.json.
The jobs run in that order, so that one process (its start-up costs seconds) does them all.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import keras
import numpy as np

import graphspec
from graphspec.cli import main
from tests import oracle

BACKEND = keras.config.backend()

UNFREEZE = {
    "graphspec": 1,
    "inputs": {"x": {"shape": [4]}},
    "nodes": {
        "frozen": {"layer": "Dense", "units": 3, "trainable": False, "inputs": "x"},
        "head": {"layer": "Dense", "units": 1, "inputs": "frozen"},
    },
    "outputs": ["head"],
    "compile": {"optimizer": "sgd", "loss": "mse"},
}


def inputs(path: Path) -> list[np.ndarray]:
    with np.load(path) as arrays:
        return [arrays[f"arr_{i}"] for i in range(len(arrays.files))]


def predict(model: Any, data: list[np.ndarray]) -> list[np.ndarray]:
    out = model(data if len(data) > 1 else data[0], training=False)
    return [np.asarray(keras.ops.convert_to_numpy(y)) for y in keras.tree.flatten(out)]


def configs(model: Any) -> str:
    layers = oracle.canonical_layers(model)
    return json.dumps(
        [oracle.comparable_config(layer) for layer in layers], sort_keys=True, default=str
    )


def compare(directory: Path, name: str, spec: str) -> None:
    try:
        built = graphspec.build(spec)
    except graphspec.SpecError as e:  # what the backend lacks, refused before building
        report = {"refused": sorted({d.code for d in e.diagnostics})}
        (directory / f"{name}.{BACKEND}.json").write_text(json.dumps(report), "utf-8")
        return
    twin = keras.saving.load_model(directory / f"{name}.tensorflow.keras", compile=False)
    found = oracle.structure_differences(built, twin) + oracle.param_differences(built, twin)
    found += oracle.copy_weights(twin, built)
    data = inputs(directory / f"{name}.inputs.npz")
    report = {
        "params": list(oracle.param_counts(built)),
        "configs": configs(built),
        "differences": found,
        "warnings": sorted({d.code for d in graphspec.check(spec).program.warnings}),
    }
    (directory / f"{name}.{BACKEND}.json").write_text(json.dumps(report), "utf-8")
    ours, loaded = predict(built, data), predict(twin, data)
    np.savez(directory / f"{name}.{BACKEND}.npz", *ours, *loaded)


def read(saved: Path) -> None:
    data = inputs(saved / "inputs.npz")
    for path in sorted(saved.glob("*.keras")):
        model = keras.saving.load_model(path, compile=False)
        np.savez(saved / f"{path.stem}.on.{BACKEND}.npz", *predict(model, data))


def unfreeze(directory: Path) -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 4)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")
    model = graphspec.build(UNFREEZE)
    frozen_count = len(model.trainable_weights)
    layer = model.get_layer("frozen")
    kept = layer.get_weights()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    stayed = [bool(np.array_equal(a, b)) for a, b in zip(kept, layer.get_weights(), strict=True)]
    layer.trainable = True
    model.compile(optimizer="sgd", loss="mse")
    before = layer.get_weights()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    changed = [not np.allclose(a, b) for a, b in zip(before, layer.get_weights(), strict=True)]
    report = {
        "frozen": frozen_count,
        "unfrozen": len(model.trainable_weights),
        "changed": changed,
        "stayed": stayed,
    }
    (directory / f"unfreeze.{BACKEND}.json").write_text(json.dumps(report), "utf-8")


def run(directory: Path) -> None:
    job = json.loads((directory / "job.json").read_text("utf-8"))
    for name, spec in job.get("compare", []):
        compare(directory, name, spec)
    if "write" in job:
        out = directory / "saved" / f"{BACKEND}.keras"
        status = main(["build", "-q", "--backend", BACKEND, job["write"], "-o", str(out)])
        assert status == 0, status
    if job.get("read"):
        read(directory / "saved")
    if job.get("unfreeze"):
        unfreeze(directory)


if __name__ == "__main__":
    run(Path(sys.argv[1]))
