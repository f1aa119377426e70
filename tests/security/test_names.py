"""Nothing named in a spec is imported or run: names, refused layers and arguments, plugins
(SECURITY.md 3 to 5)."""

from __future__ import annotations

import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import keras
import numpy as np
import pytest

import graphspec
from tests.conftest import Write
from tests.security.common import SMALL, run

# ---- nothing named in a spec is imported ------------------------------------------------


@pytest.fixture
def bait(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """An importable module that leaves a file behind if anything ever imports it."""
    name = f"gs_bait_{uuid.uuid4().hex[:8]}"
    sentinel = tmp_path / "IMPORTED"
    (tmp_path / f"{name}.py").write_text(
        f"import pathlib\npathlib.Path({str(sentinel)!r}).write_text('imported')\n"
        "def fn(*args, **kwargs):\n    return None\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name, sentinel
    sys.modules.pop(name, None)


HOSTILE = """
graphspec: 1
inputs: {{x: {{shape: [4]}}}}
shared:
  app: {{application: {m}.App, weights: null}}
  inc: {{spec: {m}.py}}
nodes:
  a: {{layer: keras.layers.Dense, units: 2, inputs: x}}
  b: {{layer: os.system, inputs: x}}
  c: {{layer: builtins.eval, inputs: x}}
  d: {{layer: {m}.Layer, inputs: x}}
  e: {{layer: Dense, units: 2, activation: os.system, kernel_initializer: {m}.fn, inputs: x}}
  f: {{layer: Bidirectional, wraps: {{layer: {m}.Layer}}, inputs: x}}
  g: {{layer: Dense, units: 2, activation: {m}.fn, kernel_regularizer: {{name: {m}.fn}}, inputs: x}}
  h: {{layer: Dense, units: 2, bias_constraint: {{class_name: fn, module: {m}}}, inputs: x}}
outputs:
  e: {{loss: module.fn, metrics: [{m}.fn]}}
  g: {{loss: {m}.fn}}
compile: {{optimizer: {m}.fn}}
"""

PASSES_TO_KERAS = """
graphspec: 1
inputs: {{x: {{shape: [8, 8, 3]}}}}
nodes:
  c: {{layer: Conv2D, filters: 2, kernel_size: 3, padding: {m}.fn, dtype: {m}.fn, inputs: x}}
outputs: [c]
"""


def test_dotted_and_module_names_import_nothing(
    bait: tuple[str, Path], write_spec: Write, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Layers, activations, losses, metrics, optimizers, initializers, applications and
    `spec:` naming a module or a dotted path: every one an error, and nothing imported."""
    module, sentinel = bait
    hostile = write_spec(HOSTILE.format(m=module), "hostile.yaml")
    to_keras = write_spec(PASSES_TO_KERAS.format(m=module), "to_keras.yaml")
    out = tmp_path / "out.keras"
    commands = [
        ["validate", "--no-source", str(hostile)],
        ["build", "-q", "--no-source", str(hostile), "-o", str(out)],
        ["build", "-q", "--no-source", str(to_keras), "-o", str(out)],
    ]
    for argv in commands:  # the first round imports graphspec's own lazy modules
        assert run(capsys, *argv)[0] == 1
    before = set(sys.modules)
    for argv in commands:
        code, _, err = run(capsys, *argv)
        assert code == 1
    assert set(sys.modules) - before == set()
    assert module not in sys.modules and not sentinel.exists()
    assert "Keras refused to construct Conv2D" in err  # Keras took the strings as values
    code, _, err = run(capsys, "validate", "--no-source", str(hostile))
    for word in (
        "unknown layer 'os.system'",
        "unknown layer 'builtins.eval'",
        "unknown layer 'keras.layers.Dense'",
        "unknown activation 'os.system'",
        "unknown loss 'module.fn'",
        f"unknown optimizer '{module}.fn'",
        f"unknown application '{module}.App'",
        "a mapping with 'class_name' is refused",
    ):
        assert word in err, word


# ---- refused layers and file-reading arguments -------------------------------------------
# Top-level refusals: invalid/lambda_refused, tfsmlayer_refused, torch_module_wrapper_refused,
# stringlookup_vocabulary_path, textvectorization_vocabulary_path; the option:
# test_resolve.test_file_arguments_allowed_by_option. Here: hidden inside other entries.


@pytest.mark.parametrize("refused", ["Lambda", "TFSMLayer", "TorchModuleWrapper", "JaxLayer"])
def test_code_loading_layers_are_refused_wherever_written(refused: str, write_spec: Write) -> None:
    path = write_spec(f"""
graphspec: 1
inputs: {{x: {{shape: [3, 4]}}}}
shared:
  s: {{layer: {refused}}}
nodes:
  w: {{layer: TimeDistributed, wraps: {{layer: {refused}}}, inputs: x}}
  u: {{use: s, inputs: w}}
outputs: [u]
""")
    with pytest.raises(graphspec.GraphSpecError) as e:
        graphspec.check(path)
    refusals = [d for d in e.value.diagnostics if f"layer '{refused}' is refused" in d.message]
    assert [d.id for d in refusals] == ["s", "w"]


def test_file_reading_arguments_are_refused_inside_wrappers(write_spec: Write) -> None:
    path = write_spec("""
graphspec: 1
inputs: {x: {shape: [3, 1], dtype: int64}}
nodes:
  w: {layer: TimeDistributed, wraps: {layer: IntegerLookup, vocabulary: /etc/hosts}, inputs: x}
outputs: [w]
""")
    with pytest.raises(graphspec.GraphSpecError, match="'vocabulary' given as a string would read"):
        graphspec.check(path)
    assert graphspec.check(path, allow_file_arguments=True).program.graph.nodes


# ---- --plugin MODULE ---------------------------------------------------------------------

SCALE = """
import keras

class Fivefold(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor
"""


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], str]]:
    """plugin(source) → the name of a fresh importable module holding `source`."""
    names: list[str] = []
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(source: str) -> str:
        name = f"gs_plugin_{uuid.uuid4().hex[:8]}"
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        names.append(name)
        return name

    yield write
    for name in names:
        sys.modules.pop(name, None)


def test_plugin_layers_come_only_through_the_plugin_option(
    plugin: Callable[[str], str],
    write_spec: Write,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    module = plugin(SCALE + "\nfrom keras.layers import Dense  # imported, so not offered\n")
    spec = write_spec(SMALL.replace("Dense, units: 2", "Fivefold, factor: 3.0"))
    code, _, err = run(capsys, "validate", "--no-source", str(spec))
    assert (
        code == 1 and "unknown layer 'Fivefold' (a user-defined layer comes in with --plugin" in err
    )
    assert module not in sys.modules
    code, _, err = run(capsys, "validate", str(spec), "--plugin", module)
    assert code == 0 and "error:" not in err
    out = tmp_path / "scale.keras"
    code, _, err = run(capsys, "build", "-q", str(spec), "-o", str(out), "--plugin", module)
    assert code == 0 and "error:" not in err
    loaded = keras.saving.load_model(
        out, custom_objects={"Fivefold": sys.modules[module].Fivefold}, safe_mode=True
    )
    assert np.allclose(loaded.predict(np.ones((1, 4)), verbose=0), 3.0)


def test_plugin_declares_its_layers_with_graphspec_layers(
    plugin: Callable[[str], str], write_spec: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    module = plugin(SCALE + "\nGRAPHSPEC_LAYERS = {'Triple': Fivefold}\n")
    triple = write_spec(SMALL.replace("Dense, units: 2", "Triple"), "triple.yaml")
    scale = write_spec(SMALL.replace("Dense, units: 2", "Fivefold"), "scale.yaml")
    assert run(capsys, "validate", str(triple), "--plugin", module)[0] == 0
    code, _, err = run(capsys, "validate", "--no-source", str(scale), "--plugin", module)
    assert code == 1 and "unknown layer 'Fivefold'" in err


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            SCALE.replace("class Fivefold", "class Dense"),
            "layer 'Dense' would shadow Keras's Dense",
        ),
        (
            SCALE + "GRAPHSPEC_LAYERS = {'Lambda': Fivefold}\n",
            "'Lambda' would shadow Keras's Lambda",
        ),
        (SCALE + "GRAPHSPEC_LAYERS = {'Fivefold': print}\n", "not a keras.layers.Layer subclass"),
        (SCALE + "GRAPHSPEC_LAYERS = {'a.b': Fivefold}\n", "'a.b' is not a valid layer name"),
        ("X = 1\n", "the module offers no layer classes"),
        ("raise RuntimeError('broken plugin')\n", "RuntimeError: broken plugin"),
    ],
)
def test_plugin_cannot_shadow_keras_or_offer_non_layers(
    plugin: Callable[[str], str],
    write_spec: Write,
    capsys: pytest.CaptureFixture[str],
    source: str,
    message: str,
) -> None:
    module = plugin(source)
    code, _, err = run(capsys, "validate", str(write_spec(SMALL)), "--plugin", module)
    assert code == 2
    assert err.startswith(f"graphspec validate: error: --plugin {module}: ") and message in err


def test_missing_plugin_module_is_a_usage_error(
    write_spec: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "validate", str(write_spec(SMALL)), "--plugin", "gs_no_such_mod")
    assert code == 2 and "No module named 'gs_no_such_mod'" in err
