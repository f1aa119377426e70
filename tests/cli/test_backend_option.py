"""`--backend` and KERAS_BACKEND: the backend is chosen before Keras is imported, a process
whose Keras has another one is told so (exit 2), commands that do not build import no backend,
and TensorFlow is imported only on its own backend; GS640 for what a backend lacks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import keras  # this process's Keras, on tensorflow (tests/conftest.py), imported first
import pytest

import graphspec
from graphspec.api import BackendError
from graphspec.cli import main
from tests.conftest import ROOT
from tests.probe import cli_probe

HEAVY = {"tensorflow", "keras", "jax", "torch"}
DOC = ROOT / "docs" / "diagnostics.md"


SPEC = str(ROOT / "specs/seed/dual_camera.yaml")


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_validate_summary_and_plot_import_no_backend(backend: str, tmp_path: Path) -> None:
    env = {"KERAS_BACKEND": backend}
    for argv in (
        ["validate", SPEC],
        ["summary", SPEC],
        ["summary", SPEC, "--backend", backend],
        ["plot", SPEC, "-o", str(tmp_path / "p.mmd")],
        ["validate", "--backend", backend, SPEC],
    ):
        status, modules, _, err = cli_probe(argv, env)
        assert status == 0, err
        assert modules & HEAVY == set(), argv


MLP = "specs/seed/mlp.yaml"


def test_build_on_a_backend_imports_it_and_not_tensorflow(tmp_path: Path) -> None:
    """`--backend jax` on the command line (one process: each start costs seconds)."""
    out = tmp_path / "m.keras"
    after = "import keras; print(keras.config.backend())"
    argv = ["build", "-q", "--backend", "jax", MLP, "-o", str(out)]
    status, modules, printed, err = cli_probe(argv, after=after)
    assert status == 0, err
    assert printed.splitlines() == ["jax"]  # build -q prints only errors
    assert "jax" in modules and "tensorflow" not in modules
    assert out.is_file()


def test_keras_backend_is_the_default_and_graphspec_build_follows_it(tmp_path: Path) -> None:
    """KERAS_BACKEND=torch: `validate` imports no Keras, `graphspec.build` in Python is the
    first to and builds on torch; `graphspec build` without --backend then builds there too."""
    out = tmp_path / "m.keras"
    after = (
        "import graphspec, keras\n"
        f"m = graphspec.build({MLP!r})\n"
        f"assert main(['build', '-q', {MLP!r}, '-o', {str(out)!r}]) == 0\n"
        "print(keras.config.backend(), type(m.weights[0].value).__module__.split('.')[0])"
    )
    status, modules, printed, err = cli_probe(
        ["validate", "-q", MLP], {"KERAS_BACKEND": "torch"}, after
    )
    assert status == 0, err
    assert printed.splitlines() == ["torch torch"]
    assert "tensorflow" not in modules
    assert (
        keras.saving.load_model(out, compile=False).count_params()
        == graphspec.build(ROOT / MLP).count_params()
    )


def test_the_tensorflow_backend_is_the_default_without_keras_backend() -> None:
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    code = "import graphspec, keras\ngraphspec.build('specs/seed/mlp.yaml')\nprint(keras.config.backend())"
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env={**env, "PYTHONPATH": str(ROOT)},
    )
    assert run.stdout.split() == ["tensorflow"], run.stderr


def test_a_backend_other_than_the_imported_kerass_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert keras.config.backend() == "tensorflow"
    for command in ("build", "check", "fit"):  # (summary builds only what is not static)
        extra = {"fit": ["--synthetic", "4"], "build": ["-o", str(tmp_path / "m.keras")]}.get(
            command, []
        )
        assert main([command, "--backend", "jax", str(ROOT / "specs/seed/mlp.yaml"), *extra]) == 2
        err = capsys.readouterr().err
        assert (
            f"graphspec {command}: error: --backend: Keras is already imported in this process with the tensorflow backend, so it cannot build on jax"
            in err
        )
    with pytest.raises(BackendError, match="already imported"):
        graphspec.build(ROOT / "specs/seed/mlp.yaml", backend="torch")
    assert os.environ.get("KERAS_BACKEND") == "tensorflow"


def test_an_unknown_keras_backend_is_refused() -> None:
    status, _, _, err = cli_probe(
        ["build", "-q", str(ROOT / "specs/seed/mlp.yaml")], {"KERAS_BACKEND": "numpy"}
    )
    assert status == 2
    assert "KERAS_BACKEND=numpy: graphspec builds on tensorflow, jax, torch" in err


def test_distribute_mirrored_on_jax_is_a_usage_error() -> None:
    argv = [
        "fit",
        str(ROOT / "specs/seed/mlp.yaml"),
        "--synthetic",
        "4",
        "--backend",
        "jax",
        "--distribute",
        "mirrored",
    ]
    status, modules, _, err = cli_probe(argv)
    assert status == 2 and "--distribute mirrored runs on the tensorflow backend, not jax" in err
    assert "keras" not in modules  # refused before anything is built


# ---- GS640: what a backend lacks, refused before building ----------------------------------

CASES = {
    "string input on jax": (
        "jax",
        "inputs: {s: {shape: [1], dtype: string}}\nnodes:\n  ids: {layer: StringLookup, vocabulary: [a, b], inputs: s}\noutputs: [ids]\n",
        "s: a string input on the jax backend",
    ),
    "Hashing on jax": (
        "jax",
        "inputs: {x: {shape: [3], dtype: int32}}\nnodes:\n  h: {layer: Hashing, num_bins: 4, inputs: x}\noutputs: [h]\n",
        "h: Hashing cannot be part of a model on the jax backend",
    ),
    "synchronized on torch": (
        "torch",
        "inputs: {x: {shape: [3]}}\nnodes:\n  bn: {layer: BatchNormalization, synchronized: true, inputs: x}\noutputs: [bn]\n",
        "bn: BatchNormalization(synchronized=True) is supported on tensorflow only",
    ),
    "sparse input on torch": (
        "torch",
        "inputs: {x: {shape: [3], sparse: true}}\nnodes:\n  d: {layer: Dense, units: 2, inputs: x}\noutputs: [d]\n",
        "x: a sparse input on the torch backend",
    ),
    "norm with an axis on jax": (
        "jax",
        "inputs: {x: {shape: [3]}}\nnodes:\n  n: {op: norm, inputs: x, axis: -1}\noutputs: [n]\n",
        "n: keras.ops.norm with `axis` fails when the model runs on the jax backend",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_what_a_backend_lacks_is_gs640_at_validate(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backend, body, message = CASES[case]
    spec = tmp_path / "spec.yaml"
    spec.write_text("graphspec: 1\n" + body, "utf-8")
    assert main(["validate", str(spec), "--no-source", "--backend", backend]) == 1
    err = capsys.readouterr().err
    assert message in err and err.rstrip().endswith("[GS640]"), err
    assert main(["validate", str(spec), "--no-source"]) == 0  # tensorflow has it all
    assert main(["validate", str(spec), "--no-source", "--backend", "tensorflow"]) == 0


@pytest.mark.parametrize(("code", "status"), [("GS640", 1), ("GS641", 0)])
def test_backend_doc_examples_print_what_the_doc_says(
    code: str,
    status: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    section = re.split(r"^### ", DOC.read_text("utf-8"), flags=re.M)
    (text,) = [s for s in section if s.startswith(code)]
    (spec,) = re.findall(r"^```yml\n(.*?)^```$", text, flags=re.M | re.S)
    (expected,) = re.findall(r"^```text\n(.*?)^```$", text, flags=re.M | re.S)
    command = re.search(r"`graphspec (validate [^`]*)`", text).group(1).split()  # type: ignore[union-attr]
    (tmp_path / "spec.yaml").write_text(spec, "utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(command) == status
    assert capsys.readouterr().err == expected


def test_a_tensorflow_backed_layer_works_on_torch_where_keras_allows_it(tmp_path: Path) -> None:
    spec = tmp_path / "hashing.yaml"
    spec.write_text(
        "graphspec: 1\ninputs: {x: {shape: [3], dtype: int32}}\nnodes:\n"
        "  h: {layer: Hashing, num_bins: 8, inputs: x}\n  e: {layer: Embedding, input_dim: 8, output_dim: 2, inputs: h}\n"
        "  f: {layer: Flatten, inputs: e}\n  y: {layer: Dense, units: 1, inputs: f}\noutputs: [y]\ncompile: {optimizer: sgd, loss: mse}\n",
        "utf-8",
    )
    status, _, _, err = cli_probe(
        ["fit", "--backend", "torch", str(spec), "--synthetic", "8", "--epochs", "1"]
    )
    assert status == 0, err


# ---- GS641: what a backend computes differently, a warning ---------------------------------

POOLS = {  # a node → whether torch pads it unevenly (warned), on its input of SHAPES
    "odd_pool_stride_2_even_size": (
        "{layer: AveragePooling2D, args: [3, 2, same], inputs: y}",
        True,
    ),
    "pool_fits_strides": (
        "{layer: AveragePooling2D, pool_size: 2, padding: same, inputs: y}",
        False,
    ),
    "odd_pool_stride_1": (
        "{layer: AveragePooling2D, args: [3], strides: 1, padding: same, inputs: y}",
        False,
    ),
    "even_pool_stride_1": (
        "{layer: AveragePooling1D, pool_size: 2, strides: 1, padding: same, inputs: s}",
        True,
    ),
    "valid": ("{layer: AveragePooling2D, args: [3, 2], inputs: y}", False),
    "unknown_size": (
        "{layer: AveragePooling1D, pool_size: 3, strides: 2, padding: same, inputs: s}",
        True,
    ),
    "max_pooling": ("{layer: MaxPooling2D, args: [3, 2, same], inputs: y}", False),
}
SHAPES = {"y": "[8, 8, 3]", "s": "[null, 3]"}
POOLING = "graphspec: 1\ninputs:\n  {x}: {{shape: {shape}}}\nnodes:\n  p: {node}\noutputs: [p]\n"


@pytest.mark.parametrize("case", sorted(POOLS))
def test_uneven_average_pooling_is_gs641_on_torch_only(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    node, warned = POOLS[case]
    spec = tmp_path / "spec.yaml"
    x = node.rsplit("inputs: ", 1)[1].rstrip("}")
    spec.write_text(POOLING.format(x=x, shape=SHAPES[x], node=node), "utf-8")
    for backend in ("tensorflow", "jax", "torch"):
        argv = ["validate", str(spec), "--no-source", "--strict", "--backend", backend]
        fails = warned and backend == "torch"
        assert main(argv) == (1 if fails else 0), backend
        err = capsys.readouterr().err
        assert ("[GS641]" in err) == fails, err
    if case == "unknown_size":
        assert "pads an input of some sizes (those its strides do not fit) unevenly" in err


def test_import_on_jax_writes_the_spec_tensorflow_writes(tmp_path: Path) -> None:
    """`import --backend jax` reads the application on JAX (no TensorFlow imported), and the
    spec it writes is the one this process (TensorFlow) writes for the same model."""
    out = tmp_path / "mobilenet.yaml"
    after = "import keras; print(keras.config.backend())"
    argv = ["import", "--application", "MobileNet", "--input-shape", "32,32,3", "--backend", "jax"]
    status, modules, printed, err = cli_probe([*argv, "-o", str(out)], after=after)
    assert status == 0, err
    assert printed.splitlines() == ["jax"]
    assert "jax" in modules and "tensorflow" not in modules
    from graphspec.keras.importer.sources import application  # as the CLI makes it

    here = graphspec.from_keras(
        application("MobileNet", (32, 32, 3)), source="<application MobileNet>"
    )
    assert out.read_text("utf-8") == here
