"""Atomic output, and saved models that reload safely, silently and deterministically
(SECURITY.md 9, 10 and 21)."""

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
from graphspec.keras.save import save_model
from graphspec.views.expand import expanded
from graphspec.views.spec_yaml import to_yaml
from tests.conftest import SPECS, Write
from tests.security.common import SMALL, run

# ---- atomic saving -----------------------------------------------------------------------

OLD = b"PK\x03\x04 an earlier model, which must survive byte for byte"


@pytest.fixture
def existing(tmp_path: Path) -> Path:
    out = tmp_path / "out" / "model.keras"
    out.parent.mkdir()
    out.write_bytes(OLD)
    return out


def untouched(out: Path) -> bool:
    """The old bytes are still there and nothing else was left in the directory."""
    return out.read_bytes() == OLD and [p.name for p in out.parent.iterdir()] == [out.name]


def test_invalid_spec_leaves_the_old_file_byte_identical(
    existing: Path, write_spec: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = write_spec(SMALL.replace("Dense", "Dens"))
    assert run(capsys, "build", "-q", str(spec), "-o", str(existing))[0] == 1
    assert untouched(existing)


def test_keras_raising_in_the_build_leaves_the_old_file_byte_identical(
    existing: Path,
    write_spec: Write,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(self: Any, *args: Any) -> None:
        raise ValueError("Keras says no")

    monkeypatch.setattr(keras.layers.Dense, "build", refuse)
    code, _, err = run(capsys, "build", "-q", str(write_spec(SMALL)), "-o", str(existing))
    assert code == 1 and "Keras says no" in err
    assert untouched(existing)


def broken_save(exception: BaseException) -> Callable[..., None]:
    def save(self: Any, filepath: Any, *args: Any, **kwargs: Any) -> None:
        Path(filepath).write_bytes(b"PK\x03\x04 half a zip")  # Keras got part-way
        raise exception

    return save


@pytest.mark.parametrize(
    ("exception", "status", "message"),
    [
        (RuntimeError("serializer exploded"), 1, "Keras could not save the model: serializer"),
        (OSError(28, "No space left on device"), 2, "cannot write: No space left on device"),
    ],
    ids=["keras_raises", "disk_full"],
)
def test_failed_save_leaves_the_old_file_byte_identical(
    exception: BaseException,
    status: int,
    message: str,
    existing: Path,
    write_spec: Write,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(keras.Model, "save", broken_save(exception))
    code, _, err = run(capsys, "build", "-q", str(write_spec(SMALL)), "-o", str(existing))
    assert (code, message in err) == (status, True), err
    assert untouched(existing)


def test_interrupted_save_leaves_the_old_file_byte_identical(
    existing: Path, write_spec: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keras.Model, "save", broken_save(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        main(["build", "-q", str(write_spec(SMALL)), "-o", str(existing)])
    assert untouched(existing)


def test_successful_save_replaces_the_file_keeping_its_permissions(
    existing: Path, write_spec: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    existing.chmod(0o640)
    assert run(capsys, "build", "-q", str(write_spec(SMALL)), "-o", str(existing))[0] == 0
    assert existing.read_bytes() != OLD
    assert [p.name for p in existing.parent.iterdir()] == [existing.name]
    assert existing.stat().st_mode & 0o777 == 0o640
    assert keras.saving.load_model(existing, safe_mode=True).count_params() == 10


@pytest.mark.parametrize("where", ["missing/dir/m.keras", "file.txt/m.keras"])
def test_unwritable_output_is_a_usage_error_not_a_traceback(
    where: str, tmp_path: Path, write_spec: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file.txt").write_text("a file, not a directory")
    code, _, err = run(capsys, "build", "-q", str(write_spec(SMALL)), "-o", str(tmp_path / where))
    assert code == 2 and "cannot write:" in err


def test_fit_output_is_checked_before_training(
    write_spec: Write, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = write_spec(SMALL.replace("outputs: [d]", "outputs: {d: {loss: mse}}"))
    data = tmp_path / "d.npz"
    np.savez(data, x=np.ones((4, 4)), d=np.ones((4, 2)))
    code, _, err = run(capsys, "fit", str(spec), "--data", str(data), "-o", str(tmp_path / "m.h5"))
    assert code == 2 and "files ending in .keras" in err
    out = tmp_path / "m.keras"
    assert run(capsys, "fit", str(spec), "--data", str(data), "-o", str(out))[0] == 0
    assert keras.saving.load_model(out, safe_mode=True).count_params() == 10


# ---- every written .keras reloads in safe mode; the same spec gives the same model -------

RELOADED = [
    *sorted((SPECS / "seed").glob("*.yaml")),
    *sorted((SPECS / "examples").glob("*.yaml")),
    SPECS / "architectures" / "mobilenet_v2.yaml",
]


LENGTHS = {"multi_output.yaml": 300}
"""Lengths for unsized dimensions where 8 is too short (five-wide convolutions and pools)."""


def random_inputs(model: Any, rng: np.random.Generator, length: int) -> Any:
    arrays = []
    for tensor in model.inputs:
        shape = [1, *(d or length for d in tensor.shape[1:])]
        if "int" in str(tensor.dtype):
            arrays.append(rng.integers(0, 10, shape).astype(str(tensor.dtype)))
        else:
            arrays.append(rng.normal(size=shape).astype(str(tensor.dtype)))
    return arrays[0] if len(arrays) == 1 else arrays


def config_text(model: Any) -> str:
    return json.dumps([model.get_config(), model.get_compile_config()], sort_keys=True)


@pytest.mark.parametrize("path", RELOADED, ids=[str(p.relative_to(SPECS)) for p in RELOADED])
def test_saved_model_reloads_in_safe_mode_with_equal_config_and_predictions(
    path: Path, tmp_path: Path
) -> None:
    model = graphspec.build(path)
    out = save_model(model, tmp_path / "m.keras")
    loaded = keras.saving.load_model(out, safe_mode=True)
    assert config_text(loaded) == config_text(model)
    x = random_inputs(model, np.random.default_rng(0), LENGTHS.get(path.name, 8))
    for mine, theirs in zip(
        keras.tree.flatten(model.predict(x, verbose=0)),
        keras.tree.flatten(loaded.predict(x, verbose=0)),
        strict=True,
    ):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("path", RELOADED, ids=[str(p.relative_to(SPECS)) for p in RELOADED])
def test_same_spec_gives_the_same_config_and_expansion(path: Path) -> None:
    texts, expansions = [], []
    for _ in range(2):
        keras.backend.clear_session()
        checked = graphspec.check(path)
        expansions.append(to_yaml(expanded(checked.spec, checked.program)))
        texts.append(config_text(graphspec.build(checked.spec)))
    assert texts[0] == texts[1]
    assert expansions[0] == expansions[1]


# ---- a saved model reloads with no warning (issue 9, item 11) -------------------------------


def test_a_saved_compiled_model_reloads_without_a_warning(tmp_path: Path) -> None:
    """Keras builds the optimizer of a model it loads, then loads the saved optimizer
    variables into it: an unbuilt one saved made it warn 'Skipping variable loading'."""
    import warnings

    model = graphspec.build(SPECS / "seed" / "mlp.yaml")
    out = save_model(model, tmp_path / "m.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = keras.saving.load_model(out, safe_mode=True)
    assert len(loaded.optimizer.variables) == len(model.optimizer.variables) > 2
