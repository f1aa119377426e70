"""Safety guarantees (SECURITY.md): one regression test per attack class, named after it.

Classes already tested elsewhere are listed in SECURITY.md beside the test that covers them;
the tests here add what was missing (work and memory bounds, both YAML parsers, nothing
imported or executed, atomic saving, plugins, safe_mode reloading, determinism).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest

import graphspec
from graphspec.caps import MAX_BYTES, MAX_DEPTH
from graphspec.cli import main
from graphspec.keras.save import save_model
from graphspec.views.expand import expanded
from graphspec.views.spec_yaml import to_yaml
from tests.conftest import ROOT, SPECS, Write

SMALL = """
graphspec: 1
inputs: {x: {shape: [4]}}
nodes:
  d: {layer: Dense, units: 2, inputs: x}
outputs: [d]
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def child(code: str, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    """Run Python code in a fresh interpreter that imports this checkout of graphspec."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


PEAK_RSS = """
def peak_kib():
    # VmHWM: this process's own high-water mark (ru_maxrss may carry the parent's over exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

MEASURE_LOAD = (
    PEAK_RSS
    + """
import sys
from graphspec.diagnostics import LoadError
from graphspec.syntax import indexed, loader, reader
work = {"events": 0, "values": 0}
class CountingParser(reader.Parser):
    def get_event(self):
        event = super().get_event()
        work["events"] += event is not None
        return event
reader.Parser = CountingParser
fast, slow = reader.Fast.value, indexed.Indexed.value
def counting_fast(self, event):
    work["values"] += 1
    return fast(self, event)
def counting_indexed(self, event, path):
    work["values"] += 1
    return slow(self, event, path)
reader.Fast.value, indexed.Indexed.value = counting_fast, counting_indexed
plain_value, plain_scalar = reader.Plain.value, reader.Plain.scalar
def counting_plain(self, event):
    work["values"] += 1
    return plain_value(self, event)
def counting_plain_scalar(self, event):
    work["values"] += 1
    return plain_scalar(self, event)
reader.Plain.value, reader.Plain.scalar = counting_plain, counting_plain_scalar
try:
    loader.load_file(sys.argv[1])
    message = "loaded"
except LoadError as e:
    message = e.diagnostics[0].message
print(message)
print(work["events"], work["values"], peak_kib())
"""
)


def measured_load(path: Path, *prelude: str) -> tuple[str, int, int, int]:
    """The first diagnostic, the YAML events looked at, the values built and the peak RSS
    (KiB) of loading `path` afresh: work counted, not timed (a busy machine times anything)."""
    result = child("\n".join(prelude) + MEASURE_LOAD, str(path))
    assert result.returncode == 0, result.stderr  # not a crash (e.g. -11, a segfault)
    message, figures = result.stdout.strip().splitlines()[-2:]
    events, values, peak = figures.split()
    return message, int(events), int(values), int(peak)


# ---- bounded YAML ------------------------------------------------------------------------
# Size: test_loader.test_size_cap (cap lowered); here at the real cap, through the CLI.
# Alias bomb message: test_loader.test_alias_bomb_is_capped and invalid/alias_bomb.yaml.
# Depth: test_loader.test_depth_cap, test_very_deep_input_is_an_error_not_a_crash (200,000).


def test_billion_laughs_is_refused_on_the_event_stream_in_200_mb(tmp_path: Path) -> None:
    """Nine levels of ten aliases: 10^9 values if expanded; refused on the event stream, after
    the file's own hundred-odd events, before one value is built."""
    lines = ["graphspec: 1", "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 10)]
    bomb = tmp_path / "laughs.yaml"
    bomb.write_text("\n".join(lines) + "\n")
    message, events, values, peak_kib = measured_load(bomb)
    assert message.startswith("the document expands to more than 1,000,000 values")
    assert events <= 2 * len(bomb.read_text().split()) and values == 0
    assert peak_kib < 200 * 1024


@pytest.mark.parametrize("parser", ["libyaml", "pure-python"])
@pytest.mark.parametrize("depth", [1_000, 25_000])
def test_deep_nesting_is_refused_by_both_yaml_parsers(
    tmp_path: Path, parser: str, depth: int
) -> None:
    """libyaml's composer segfaults near 25,000 levels, PyYAML's recurses past ~500 levels:
    depth is counted on the event stream first, with either parser."""
    deep = tmp_path / "deep.yaml"
    deep.write_text("graphspec: 1\nnodes: " + "[" * depth + "]" * depth + "\n")
    prelude = ["import sys", "sys.modules['yaml.cyaml'] = None"] if parser == "pure-python" else []
    message, events, values, _ = measured_load(deep, *prelude)
    assert message.startswith(f"nesting deeper than {MAX_DEPTH} levels")
    # refused as the depth is passed: the values read are the ones that enclose it
    assert events <= MAX_DEPTH + 10 and values <= MAX_DEPTH + 8


def test_document_size_is_capped_at_the_real_cap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"graphspec: 1\ndescription: " + b"x" * MAX_BYTES + b"\n")
    code, _, err = run(capsys, "validate", "--no-source", str(big))
    assert code == 1
    assert f"the file is larger than {MAX_BYTES:,} bytes" in err


# ---- no object-constructing tags; one document ------------------------------------------
# Refusal messages: test_loader.test_non_standard_tags_are_refused, test_one_document_only,
# invalid/python_object_tag.yaml.


def test_object_constructing_tags_run_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sentinel = tmp_path / "pwned"
    spec = tmp_path / "tags.yaml"
    spec.write_text(
        "graphspec: 1\n"
        f"a: !!python/object/apply:os.system ['touch {sentinel}']\n"
        f"b: !!python/object/new:subprocess.Popen [['touch', '{sentinel}']]\n"
        "? !!python/name:os.system\n: key\n"
        f"c: !!python/object:os.system {{x: 1}}\n"
    )
    code, _, err = run(capsys, "validate", "--no-source", str(spec))
    assert code == 1
    assert err.count("is not allowed: only the standard tags") == 4
    assert not sentinel.exists()


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


# ---- expansion: repeat, blocks, includes -------------------------------------------------
# The include side (a file shared twice by a file shared twice, …) is
# test_diagnostics.test_too_many_includes_gs409.

REPEAT_BOMBS = {
    "layer": "nodes: {d: {layer: Dense, units: 4, inputs: x, repeat: 1000000000}}\noutputs: [d]",
    "block": "nodes: {d: {block: b, inputs: x, repeat: 1000000000}}\noutputs: [d]",
    "nested": "nodes: {d: {block: c, inputs: x, repeat: 1000}}\noutputs: [d]",  # 10^9 nodes
}


@pytest.mark.parametrize("bomb", sorted(REPEAT_BOMBS))
def test_repeat_bombs_are_refused_before_they_expand(bomb: str, write_spec: Write) -> None:
    path = write_spec(
        "graphspec: 1\ninputs: {x: {shape: [4]}}\nblocks:\n"
        "  b: {inputs: [h], nodes: {d: {layer: Dense, units: 4, inputs: h, repeat: 1000}},"
        " outputs: [d]}\n"
        "  c: {inputs: [h], nodes: {e: {block: b, inputs: h, repeat: 1000}}, outputs: [e]}\n"
        + REPEAT_BOMBS[bomb]
        + "\n"
    )
    with pytest.raises(graphspec.SpecError) as e:
        graphspec.check(path)
    assert [d.code for d in e.value.diagnostics] == ["GS408"]
    assert "more than 50,000 nodes" in e.value.diagnostics[0].message


# ---- spec: includes ----------------------------------------------------------------------
# Absolute paths, `..`, loops: invalid/include_absolute, include_dotdot, include_loop and
# test_resolve.test_include_relative_loop_and_escape. Here: symlinks and --allow-path.


def test_includes_cannot_escape_through_a_symlink_unless_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "tower.yaml").write_text(SMALL)
    project = tmp_path / "project"
    project.mkdir()
    (project / "link").symlink_to(outside, target_is_directory=True)
    spec = project / "main.yaml"
    spec.write_text(
        "graphspec: 1\ninputs: {x: {shape: [4]}}\nshared: {t: {spec: link/tower.yaml}}\n"
        "nodes: {n: {use: t, inputs: x}}\noutputs: [n]\n"
    )
    code, _, err = run(capsys, "validate", "--no-source", str(spec))
    assert code == 1 and "'link/tower.yaml' leaves the spec's directory" in err
    assert run(capsys, "validate", str(spec), "--allow-path", str(outside))[0] == 0


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


# ---- parameter budget --------------------------------------------------------------------
# Message and in-process check: test_emit.test_budget_is_enforced_before_weights_are_allocated,
# invalid/parameter_budget.yaml. Here: peak memory of a fresh process, which an earlier
# test cannot have raised already.


BUDGET = (
    PEAK_RSS
    + """
from graphspec.keras.compat import keras as _keras
_keras()
import graphspec
from graphspec.diagnostics import GraphSpecError
spec = {"graphspec": 1, "inputs": {"x": {"shape": [100000]}},
        "nodes": {"huge": {"layer": "Dense", "units": 100000, "inputs": "x"}},
        "outputs": ["huge"]}
before = peak_kib()
try:
    graphspec.build(spec)
except GraphSpecError as e:  # refused statically (GS607) before Keras allocates anything
    print(e.diagnostics[0].message)
print(0, peak_kib() - before)
"""
)


def test_ten_billion_parameters_are_refused_before_allocation() -> None:
    result = child(BUDGET)
    assert result.returncode == 0, result.stderr
    message, figures = result.stdout.strip().splitlines()[-2:]
    assert "would have 10,000,100,000 parameters, over the budget of 1,000,000,000" in message
    _, grown_kib = figures.split()  # (time is measured by benchmarks/, not asserted here)
    assert int(grown_kib) < 100 * 1024  # 10^10 float32 weights would be 40 GB


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


# ---- never a traceback: depth, recursion, paths (issue 9, item 4) --------------------------


def test_a_repeated_block_of_no_layers_resolves_without_recursion(write_spec: Write) -> None:
    """5,000 copies of a block whose output is its input: each copy's value is computed from
    the one before, in order, never by recursing along the chain."""
    path = write_spec(
        "graphspec: 1\ninputs: {x: {shape: [4]}}\n"
        "blocks:\n  same: {inputs: [h], nodes: {}, outputs: [h]}\n"
        "nodes:\n  r: {block: same, inputs: x, repeat: 5000}\n"
        "  d: {layer: Dense, units: 2, inputs: r}\noutputs: [d]\n"
    )
    (node,) = graphspec.check(path).program.graph.nodes
    assert node.inputs == graphspec.ir.Ref("x")


def test_a_chain_keras_could_not_build_is_refused_before_building(write_spec: Write) -> None:
    from graphspec.caps import MAX_GRAPH_DEPTH

    chain = "graphspec: 1\ninputs: {x: {shape: [4]}}\nnodes:\n  d: {layer: ReLU, repeat: N, inputs: x}\noutputs: [d]\n"
    assert graphspec.check(write_spec(chain.replace("N", str(MAX_GRAPH_DEPTH)))).program
    with pytest.raises(graphspec.SpecError) as e:
        graphspec.check(write_spec(chain.replace("N", str(MAX_GRAPH_DEPTH + 1))))
    assert [d.code for d in e.value.diagnostics] == ["GS413"]


def test_the_deepest_chain_allowed_builds_saves_and_reloads(
    write_spec: Write, tmp_path: Path
) -> None:
    """At the cap, Keras builds the model, and loads it back in safe mode."""
    from graphspec.caps import MAX_GRAPH_DEPTH

    spec = write_spec(
        "graphspec: 1\ninputs: {x: {shape: [4]}}\nnodes:\n"
        f"  d: {{layer: ReLU, repeat: {MAX_GRAPH_DEPTH}, inputs: x}}\noutputs: [d]\n"
    )
    out = save_model(graphspec.build(spec), tmp_path / "deep.keras")
    layers = keras.saving.load_model(out, safe_mode=True).layers
    assert len(layers) == MAX_GRAPH_DEPTH + 2  # the input, the chain, the output's Identity


def test_a_symbolic_link_loop_in_an_include_path_is_located(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "graphspec: 1\ninputs: {x: {shape: [4]}}\nshared: {t: {spec: a/tower.yaml}}\n"
        "nodes: {d: {use: t, inputs: x}}\noutputs: [d]\n"
    )
    with pytest.raises(graphspec.SpecError) as e:
        graphspec.check(spec)
    (d,) = e.value.diagnostics
    assert (d.code, d.line) == ("GS349", 3)
    assert "loop of symbolic links" in d.message


def test_a_spec_argument_too_long_for_the_system_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "validate", "x" * 5_000)
    assert code == 2 and "File name too long" in err and len(err) < 300


# ---- the dict API keeps the file API's promises (issue 9, item 9) --------------------------

DICT = {
    "graphspec": 1,
    "inputs": {"x": {"shape": [4]}},
    "nodes": {"d": {"layer": "Dense", "units": 2, "inputs": "x"}},
    "outputs": ["d"],
}


def test_the_dict_api_includes_nothing_without_a_base_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative include of a spec given as data used to be opened from the working
    directory, `..` included (an outside file's keys leaked into the messages)."""
    secret = tmp_path / "secret.yaml"
    secret.write_text("graphspec: 1\nsecret_key: hunter2\n")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    spec = {**DICT, "shared": {"t": {"spec": "../secret.yaml"}}}
    with pytest.raises(graphspec.SpecError) as e:
        graphspec.check(spec)
    assert [d.code for d in e.value.diagnostics] == ["GS350"]
    assert "secret_key" not in str(e.value)
    with pytest.raises(graphspec.SpecError) as e:
        graphspec.check(spec, base_dir=work)  # `..` leaves the base directory
    assert [d.code for d in e.value.diagnostics] == ["GS346"]
    assert "secret_key" not in str(e.value)


def test_the_dict_api_includes_relative_to_its_base_directory(tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "tower.yaml").write_text(SMALL)
    spec = {
        **DICT,
        "shared": {"t": {"spec": "parts/tower.yaml"}},
        "nodes": {"u": {"use": "t", "inputs": "x"}},
        "outputs": ["u"],
    }
    checked = graphspec.check(spec, base_dir=tmp_path)
    assert [n.id for n in checked.program.graph.nodes] == ["u"]
    assert graphspec.build(spec, base_dir=tmp_path).count_params() == 10


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: {"a": [[[]]]} | _nested(MAX_DEPTH + 5), "GS107"),
        (lambda: {"many": list(range(1_000_001))}, "GS108"),
        (lambda: {"big": "x" * (MAX_BYTES + 1)}, "GS108"),
        (lambda: {1: "a"}, "GS103"),
        (lambda: {"n": 2**64}, "GS112"),
        (lambda: {"f": print}, "GS113"),
    ],
    ids=["depth", "values", "text", "key", "integer", "object"],
)
def test_the_dict_api_has_the_loaders_caps(make: Callable[[], dict[Any, Any]], code: str) -> None:
    with pytest.raises(graphspec.GraphSpecError) as e:
        graphspec.check({**DICT, **make()})
    assert code in [d.code for d in e.value.diagnostics]


def _nested(depth: int) -> dict[str, Any]:
    deep: dict[str, Any] = {}
    for _ in range(depth):
        deep = {"a": deep}
    return {"description_nested": deep}


def test_the_dict_api_refuses_data_that_contains_itself() -> None:
    spec: dict[str, Any] = {**DICT, "nodes": {"d": dict(DICT["nodes"]["d"])}}  # type: ignore[call-overload]
    spec["nodes"]["d"]["kernel_initializer"] = [spec]
    with pytest.raises(graphspec.GraphSpecError) as e:
        graphspec.check(spec)
    assert [d.code for d in e.value.diagnostics] == ["GS114"]


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
