"""`graphspec import`: a .keras file or an application in, a spec out; usage errors exit 2,
what the language cannot express exits 1 naming the layer, and nothing is written then."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import keras
import pytest
from keras import layers

import graphspec
from graphspec.cli import main
from graphspec.keras import compat
from tests.oracle import assert_same_model


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def small_model() -> keras.Model:
    x = keras.Input((4,), name="x")
    h = layers.Dense(3, activation="relu", name="hidden")(x)
    y = layers.Dense(2, name="y")(h)
    model = keras.Model(x, y, name="small")
    model.compile(optimizer="adam", loss="mse")
    return model


def test_a_keras_file_round_trips(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    model = small_model()
    model.save(tmp_path / "small.keras")  # its optimizer unbuilt: Keras warns when loading
    out = tmp_path / "small.yaml"
    code, _, err = run(capsys, "import", str(tmp_path / "small.keras"), "-o", str(out))
    assert (code, err) == (0, f"wrote {out}\n")
    text = out.read_text("utf-8")
    assert "  hidden: {layer: Dense, units: 3, activation: relu, inputs: x}\n" in text
    assert "compile:\n  optimizer: adam\n  loss: mse\n" in text
    assert_same_model(graphspec.build(out), model)


def test_an_application_to_stdout_and_blocks(capsys: pytest.CaptureFixture[str]) -> None:
    code, flat, _ = run(capsys, "import", "--application", "MobileNet", "--input-shape", "32,32,3")
    assert code == 0
    assert flat.startswith("graphspec: 1\nname: mobilenet_1.00_32\n")
    code, folded, _ = run(
        capsys, "import", "--application", "MobileNet", "--input-shape", "32,32,3", "--blocks"
    )
    assert code == 0
    assert "blocks:" in folded and len(folded) < len(flat)


def sorted_model(path: Path) -> Path:
    """A .keras file whose model calls keras.ops.sort, which is not on the op allow-list."""
    with compat.fresh_names():
        x = keras.Input((3,), name="x")
        model = keras.Model(x, keras.ops.sort(layers.Dense(2, name="d")(x)))
    model.save(path)
    return path


def test_what_cannot_be_expressed_exits_1_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = sorted_model(tmp_path / "m.keras")
    out = tmp_path / "m.yaml"
    out.write_text("old\n", "utf-8")
    code, _, err = run(capsys, "import", str(source), "-o", str(out))
    assert code == 1
    first = err.splitlines()[0]
    assert first.startswith(f"{source}: error: layer 'sort': a raw keras.ops call (Sort)")
    assert first.endswith("[GS803]")
    assert out.read_text("utf-8") == "old\n"


def test_json_diagnostics(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    sorted_model(tmp_path / "m.keras")
    out = tmp_path / "m.yaml"
    code, stdout, _ = run(
        capsys, "import", str(tmp_path / "m.keras"), "-o", str(out), "--format", "json"
    )
    report = json.loads(stdout)
    assert code == 1 and report["errors"] == 1
    assert report["diagnostics"][0]["code"] == "GS803"
    assert report["diagnostics"][0]["id"] == "sort"
    assert not out.exists()


def test_a_file_keras_cannot_load_gs808(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"not a zip archive")
    code, _, err = run(capsys, "import", str(broken))
    assert code == 1
    assert err.startswith(f"{broken}: error: Keras could not load the model: ")
    assert "[GS808]" in err


PLUGIN = """
import keras

class Twice(keras.layers.Layer):
    def call(self, x):
        return x * 2.0
"""


def test_plugin_layers_in_a_keras_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "twice_plugin.py").write_text(textwrap.dedent(PLUGIN), "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    import twice_plugin

    x = keras.Input((3,), name="x")
    model = keras.Model(x, twice_plugin.Twice(name="doubled")(x))
    model.save(tmp_path / "p.keras")
    code, _, err = run(capsys, "import", str(tmp_path / "p.keras"))
    assert code == 1 and "[GS808]" in err  # Keras cannot load an unknown class
    code, out, _ = run(capsys, "import", str(tmp_path / "p.keras"), "--plugin", "twice_plugin")
    assert code == 0
    assert "  doubled: {layer: Twice, inputs: x}\n" in out
    sys.modules.pop("twice_plugin", None)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "give a MODEL.keras file or --application NAME (one of the two)"),
        (["m.keras", "--application", "VGG16"], "give a MODEL.keras file or --application NAME"),
        (["missing.keras"], "no such model file: missing.keras"),
        (["--application", "Resnet50"], "did you mean 'ResNet50'?"),
        (["--application", "VGG16", "--input-shape", "32,x,3"], "--input-shape takes positive"),
        (["--application", "VGG16", "--input-shape", "8,8,3"], "Keras refused it: "),
        (["--application", "VGG16", "-o", "spec.json"], "a spec is a .yaml or .yml file"),
        (["--application", "VGG16", "--format", "json"], "write the spec with -o"),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.keras").write_bytes(b"")
    code, _, err = run(capsys, "import", *argv)
    assert code == 2
    assert err.startswith("graphspec import: error: ") and message in err
