"""Diagnostic codes and formats: every code in the table, in docs/diagnostics.md, in the source;
every example there prints what it says; --format json; the warnings; the caret and hints."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import graphspec
from graphspec.cli import main
from graphspec.diagnostics import GraphSpecError
from graphspec.diagnostics.codes import CODES, RANGES, Code
from graphspec.syntax import loader, reader
from tests.conftest import ROOT, Write

DOC = ROOT / "docs" / "diagnostics.md"
INVALID = ROOT / "tests" / "data" / "invalid"
CODE = re.compile(r"GS\d{3}")
COMMANDS = {"6": "build", "7": "check"}
"""The command an example of each hundred runs with (the others: validate)."""


def sections() -> dict[str, str]:
    """docs/diagnostics.md's `### GSnnn — title` sections by code."""
    parts = re.split(r"^### ", DOC.read_text("utf-8"), flags=re.M)[1:]
    return {p[:5]: p for p in parts}


def blocks(section: str, kind: str) -> list[str]:
    return re.findall(rf"^```{kind}\n(.*?)^```$", section, flags=re.M | re.S)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


# ---- the table, the docs and the source agree -----------------------------------------------


def test_codes_are_well_formed_and_grouped_by_stage() -> None:
    assert all(CODE.fullmatch(c) for c in CODES)
    assert {c[:3] for c in CODES} <= set(RANGES)
    assert list(CODES) == sorted(CODES)
    assert all(c.heading and c.explanation for c in CODES.values())
    assert all(isinstance(c, Code) and c == k for k, c in CODES.items())


def test_docs_list_every_code_with_its_heading_and_explanation() -> None:
    ranges = re.findall(r"^## (GS\d)xx — (.*)$", DOC.read_text("utf-8"), flags=re.M)
    assert ranges == [(r, t) for r, t in RANGES.items() if any(c.startswith(r) for c in CODES)]
    docs = sections()
    assert list(docs) == list(CODES)
    for code, entry in CODES.items():
        head, _, body = docs[code].partition("\n")
        assert head == f"{code} — {entry.heading}"
        assert entry.explanation in body, code
        assert f"[{code}]" in "".join(blocks(docs[code], "text")), f"{code}: no example output"


EXAMPLES = {c: s for c, s in sections().items() if blocks(s, "yaml")}
MANUAL = {
    *("GS106", "GS109", "GS110", "GS111", "GS409", "GS603", "GS605", "GS608"),
    *("GS113", "GS114", "GS350", "GS410", "GS411", "GS412"),
    *("GS630", "GS631"),  # graphspec fit: tests/cli/test_fit_callbacks.py
    *("GS640", "GS641"),  # validate --backend: tests/cli/test_backend_option.py
}
MANUAL |= {f"GS80{i}" for i in range(1, 9)}  # import: Python examples, tests at the end
"""Codes whose example is not a spec snippet; each has a test of its own below."""


def test_every_code_has_a_runnable_example_or_a_test_here() -> None:
    assert sorted(set(CODES) - set(EXAMPLES)) == sorted(MANUAL)


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_doc_example_prints_what_the_doc_says(
    code: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (spec,) = blocks(EXAMPLES[code], "yaml")
    (expected,) = blocks(EXAMPLES[code], "text")
    here = tmp_path / "dir"  # a parent to escape to, for the include examples
    here.mkdir()
    (here / "spec.yaml").write_text(spec, "utf-8")
    monkeypatch.chdir(here)
    command = COMMANDS.get(code[2], "validate")
    argv = [command, "spec.yaml", "--no-source"]
    if command == "build":
        argv += ["-o", str(tmp_path / "m.keras")]
    status, _, err = run(capsys, *argv)
    assert err == expected, f"graphspec {' '.join(argv)}"
    assert f"[{code}]" in err
    assert status == (1 if re.search(r"^\S.*?: error: ", err, flags=re.M) else 0)


# ---- every diagnostic carries a code ---------------------------------------------------------
# (a Diagnostic cannot be made without a Code constant: tests/diagnostics/test_errors.py; every
# code is produced by its example above or by a test of MANUAL below)


@pytest.mark.parametrize("spec", sorted(INVALID.glob("*.yaml")), ids=lambda p: p.name)
def test_every_invalid_case_reports_only_coded_diagnostics(
    spec: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(INVALID)
    build = "# command: build" in spec.with_suffix(".expected").read_text("utf-8")
    argv = ["build", "-q", "-o", "/nonexistent/m.keras"] if build else ["validate"]
    status, out, _ = run(capsys, *argv, spec.name, "--format", "json")
    report = json.loads(out)
    assert report["diagnostics"], spec.name
    assert all(CODE.fullmatch(d["code"]) for d in report["diagnostics"]), report
    assert status == (1 if report["errors"] else 0)


# ---- the codes with no snippet example -------------------------------------------------------


def codes_of(e: pytest.ExceptionInfo[GraphSpecError]) -> list[str]:
    return [d.code for d in e.value.diagnostics]


def test_file_too_large_gs106(write_spec: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_BYTES", 10)
    with pytest.raises(GraphSpecError) as e:
        graphspec.load(write_spec("graphspec: 1\n"))
    assert codes_of(e) == ["GS106"]


def test_too_many_events_gs109(write_spec: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_EVENTS", 10)
    with pytest.raises(GraphSpecError) as e:
        graphspec.load(write_spec("graphspec: 1\nx: [1, 2, 3, 4, 5, 6, 7, 8, 9]\n"))
    assert codes_of(e) == ["GS109"]


def test_unreadable_gs110_and_not_utf8_gs111(tmp_path: Path) -> None:
    with pytest.raises(GraphSpecError) as e:
        graphspec.load(tmp_path)
    assert codes_of(e) == ["GS110"]
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("graphspec: 1\ndescription: é\n".encode("latin-1"))
    with pytest.raises(GraphSpecError) as e:
        graphspec.load(latin1)
    assert codes_of(e) == ["GS111"]
    assert (e.value.diagnostics[0].line, e.value.diagnostics[0].column) == (2, 14)


GOOD = """
graphspec: 1
inputs: {x: {shape: [4]}}
nodes:
  d: {layer: Dense, units: 2, inputs: x}
outputs: [d]
"""


@pytest.mark.parametrize(("attribute", "code"), [("Input", "GS603"), ("Model", "GS605")])
def test_keras_refusing_an_input_or_the_model(
    attribute: str, code: str, write_spec: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keras

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("refused for the test")

    monkeypatch.setattr(keras, attribute, refuse)
    with pytest.raises(GraphSpecError) as e:
        graphspec.build(write_spec(GOOD))
    assert codes_of(e) == [code]
    assert e.value.diagnostics[0].message.endswith("refused for the test")


def test_saving_refused_gs608(
    capsys: pytest.CaptureFixture[str],
    write_spec: Write,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from graphspec.keras import save

    def refuse(model: Any, target: Any) -> Any:
        raise save.SaveError("refused for the test")

    monkeypatch.setattr(save, "save_model", refuse)
    argv = ["build", "-q", str(write_spec(GOOD)), "-o", str(tmp_path / "m.keras")]
    status, out, _ = run(capsys, *argv, "--format", "json")
    assert status == 1
    assert [d["code"] for d in json.loads(out)["diagnostics"]] == ["GS608"]


# ---- --format json ---------------------------------------------------------------------------


FIELDS = ["file", "line", "column", "end_line", "end_column", "severity", "code", "message"]
FIELDS += ["hint", "notes", "path", "id"]


def test_json_lists_every_diagnostic_with_its_fields(
    capsys: pytest.CaptureFixture[str], write_spec: Write
) -> None:
    bad = write_spec(
        GOOD.replace("Dense", "Dens").replace(
            "outputs: [d]",
            "  e: {layer: Dense, units: 2, activation: rleu, inputs: x}\noutputs: [d, e]",
        )
    )
    status, out, err = run(capsys, "validate", str(bad), "--format", "json")
    assert (status, err) == (1, "")
    report = json.loads(out)
    assert (report["errors"], report["warnings"]) == (2, 0)
    first = report["diagnostics"][0]
    assert list(first) == FIELDS
    assert first == {
        "file": str(bad),
        "line": 4,
        "column": 14,
        "end_line": 4,
        "end_column": 18,
        "severity": "error",
        "code": "GS301",
        "message": "d: unknown layer 'Dens'; did you mean 'Dense'?",
        "hint": None,
        "notes": [],
        "path": ["nodes", "d", "layer"],
        "id": "d",
    }
    assert report["diagnostics"][1]["code"] == "GS310"


def test_json_of_a_clean_run_and_of_several_specs(
    capsys: pytest.CaptureFixture[str], write_spec: Write
) -> None:
    good = write_spec(GOOD)
    assert run(capsys, "validate", str(good), "--format", "json") == (
        0,
        '{"diagnostics": [], "errors": 0, "warnings": 0, "notes": 0}\n',
        "",
    )
    spare = write_spec(GOOD.replace("outputs", "  e: {layer: ReLU, inputs: x}\noutputs"), "b.yaml")
    status, out, _ = run(capsys, "validate", str(good), str(spare), "--format", "json")
    report = json.loads(out)
    assert (status, report["errors"], report["warnings"]) == (0, 0, 1)
    assert [d["file"] for d in report["diagnostics"]] == [str(spare)]
    status, out, _ = run(capsys, "validate", str(spare), "--strict", "--format", "json")
    assert (status, json.loads(out)["warnings"]) == (1, 1)


def test_json_build_prints_no_summary_on_stdout(
    capsys: pytest.CaptureFixture[str], write_spec: Write, tmp_path: Path
) -> None:
    out_file = tmp_path / "m.keras"
    status, out, err = run(
        capsys, "build", str(write_spec(GOOD)), "-o", str(out_file), "--format", "json"
    )
    assert status == 0, err
    assert json.loads(out) == {"diagnostics": [], "errors": 0, "warnings": 0, "notes": 0}
    assert "Total params" not in out + err
    assert f"saved {out_file}" in err
    assert out_file.is_file()


def test_json_usage_errors_stay_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "validate", "missing.yaml", "--format", "json")
    assert (status, out) == (2, "")
    assert err == "graphspec validate: error: no such spec file: missing.yaml\n"


# ---- the warnings ------------------------------------------------------------------------


WARNINGS = {
    "GS405": GOOD.replace(
        "inputs: {x: {shape: [4]}}", "inputs: {x: {shape: [4]}, m: {shape: [4]}}"
    ),
    "GS406": GOOD.replace(
        "nodes:", "shared:\n  p: {layer: ReLU}\nnodes:\n  r: {use: p, inputs: x}"
    ).replace("inputs: x}\noutputs", "inputs: r}\noutputs"),
    "GS407": GOOD.replace("nodes:", "shared:\n  p: {layer: ReLU}\nnodes:"),
}


@pytest.mark.parametrize("code", sorted(WARNINGS))
def test_new_warnings_fail_only_under_strict(
    code: str, capsys: pytest.CaptureFixture[str], write_spec: Write
) -> None:
    spec = str(write_spec(WARNINGS[code]))
    status, _, err = run(capsys, "validate", spec, "--no-source")
    assert status == 0
    assert re.fullmatch(rf"\S+: warning: \w+: .* \[{code}\]\n    hint: .*\n", err), err
    assert run(capsys, "validate", spec, "--no-source", "--strict")[0] == 1


def test_a_shared_layer_called_twice_or_a_shared_graph_called_once_is_fine(
    write_spec: Write,
) -> None:
    twice = GOOD.replace("nodes:", "shared:\n  p: {layer: ReLU}\nnodes:\n  r: {use: p, inputs: x}")
    twice = twice.replace("inputs: x}\noutputs", "inputs: r}\n  s: {use: p, inputs: d}\noutputs")
    assert graphspec.check(write_spec(twice.replace("[d]", "[s]"))).warnings == []
    graph = """
    graphspec: 1
    inputs: {x: {shape: [4]}}
    shared:
      tower:
        graph:
          inputs: {i: {shape: [4]}}
          nodes: {h: {layer: Dense, units: 2, inputs: i}}
          outputs: [h]
    nodes:
      t: {use: tower, inputs: x}
    outputs: [t]
    """
    assert graphspec.check(write_spec(graph)).warnings == []


def test_source_line_caret_span_and_hint_in_text(
    capsys: pytest.CaptureFixture[str], write_spec: Write
) -> None:
    spec = write_spec(WARNINGS["GS405"])
    status, _, err = run(capsys, "validate", str(spec))
    assert status == 0
    assert err.splitlines() == [
        f"{spec}:2:30: warning: m: no output depends on this input [GS405]",
        "    inputs: {x: {shape: [4]}, m: {shape: [4]}}",
        "                                 ^~~~~~~~~~~~",
        "    hint: remove the input, or feed a node from it",
    ]


def include_doubling(tmp_path: Path, files: int) -> Path:
    """f0.yaml … shares the next file twice: 2 + 4 + … inclusions, from tiny files."""
    for k in range(files - 1):
        (tmp_path / f"f{k}.yaml").write_text(
            f"graphspec: 1\ninputs: {{x: {{shape: [4]}}}}\nshared:\n"
            f"  tower: {{spec: f{k + 1}.yaml}}\n  twin: {{spec: f{k + 1}.yaml}}\n"
            "nodes:\n  a: {use: tower, inputs: x}\n  b: {use: twin, inputs: a}\noutputs: [b]\n"
        )
    (tmp_path / f"f{files - 1}.yaml").write_text(
        "graphspec: 1\ninputs: {x: {shape: [4]}}\n"
        "nodes: {d: {layer: Dense, units: 4, inputs: x}}\noutputs: [d]\n"
    )
    return tmp_path / "f0.yaml"


def test_too_many_includes_gs409(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    graphspec.check(include_doubling(tmp_path, 6))  # 62 inclusions: fine
    with pytest.raises(GraphSpecError) as e:
        graphspec.check(include_doubling(tmp_path, 12))  # 4,094
    assert codes_of(e) == ["GS409"]
    assert "more than 1,000 included spec files" in e.value.diagnostics[0].message


DATA = {
    "graphspec": 1,
    "inputs": {"x": {"shape": (4,)}},
    "nodes": {"d": {"layer": "Dense", "units": 2, "inputs": "x"}},
    "outputs": ["d"],
}


def printed(e: pytest.ExceptionInfo[GraphSpecError]) -> list[str]:
    return [d.format() for d in e.value.diagnostics]


def test_not_plain_data_gs113() -> None:
    spec = {**DATA, "nodes": {"d": {**DATA["nodes"]["d"], "activation": object()}}}  # type: ignore[dict-item]
    with pytest.raises(GraphSpecError) as e:
        graphspec.check(spec)
    assert printed(e) == [
        "<spec> at ['nodes']['d']['activation']: error: a value of type object is not spec "
        "data: only strings, numbers, booleans, None, lists and mappings with string keys "
        "[GS113]"
    ]


def test_data_refers_to_itself_gs114() -> None:
    spec: dict[str, Any] = {**DATA, "nodes": {"d": dict(DATA["nodes"]["d"])}}  # type: ignore[call-overload]
    spec["nodes"]["d"]["kernel_initializer"] = spec
    with pytest.raises(GraphSpecError) as e:
        graphspec.check(spec)
    assert printed(e) == [
        "<spec> at ['nodes']['d']['kernel_initializer']: error: the data contains itself "
        "here [GS114]"
    ]


def test_include_without_a_directory_gs350() -> None:
    spec = {**DATA, "shared": {"tower": {"spec": "../../etc/tower.yaml"}}}
    with pytest.raises(GraphSpecError) as e:
        graphspec.check(spec)
    assert codes_of(e) == ["GS350"]
    assert printed(e)[0].startswith(
        "<spec> at ['shared']['tower']['spec']: error: tower: '../../etc/tower.yaml': a spec "
        "given as data has no directory to include files from [GS350]"
    )


def test_too_much_included_text_gs410(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each file is counted once (however often included), and the sum is capped."""
    import graphspec.resolve.resolver as resolver

    monkeypatch.setattr(resolver, "MAX_INCLUDED_BYTES", 600)
    part = "graphspec: 1\ninputs: {t: {shape: [4]}}\nnodes: {p: {layer: ReLU, inputs: t}}\noutputs: [p]\n"
    for k in range(3):
        (tmp_path / f"p{k}.yaml").write_text(part + "# " + "x" * 200 + "\n")
    main = tmp_path / "main.yaml"

    def spec(files: list[int]) -> Path:
        shared = "".join(f"  s{i}: {{spec: p{k}.yaml}}\n" for i, k in enumerate(files))
        uses = "".join(f"  u{i}: {{use: s{i}, inputs: x}}\n" for i in range(len(files)))
        main.write_text(
            "graphspec: 1\ninputs: {x: {shape: [4]}}\nshared:\n"
            + shared
            + "nodes:\n"
            + uses
            + "  out: {layer: Concatenate, inputs: ["
            + ", ".join(f"u{i}" for i in range(len(files)))
            + "]}\noutputs: [out]\n"
        )
        return main

    graphspec.check(spec([0, 0, 0, 0, 1]))  # two distinct files, five inclusions: 2 x ~290 bytes
    with pytest.raises(GraphSpecError) as e:
        graphspec.check(spec([0, 1, 2]))
    assert codes_of(e) == ["GS410"]
    assert "more than 600 bytes of included spec files" in e.value.diagnostics[0].message


@pytest.mark.parametrize(
    ("case", "code"), [("submodels_too_deep", "GS411"), ("blocks_too_deep", "GS412")]
)
def test_nesting_too_deep_gs411_gs412(
    case: str, code: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nesting past the caps is a located error, never a RecursionError; one level less is
    fine (the cases are in tests/data/invalid/)."""
    monkeypatch.chdir(INVALID)
    status, _, err = run(capsys, "validate", "--no-source", f"{case}.yaml")
    assert status == 1 and err.count("error:") == 1 and f"[{code}]" in err
    assert "Traceback" not in err


# ---- import (GS8xx): the Python examples of docs/diagnostics.md, as tests --------------------


def _unknown_layer() -> Any:
    import keras

    class Scale(keras.layers.Layer):
        def call(self, x: Any) -> Any:
            return 2.0 * x

    x = keras.Input((3,), name="x")
    return keras.Model(x, Scale(name="scale")(x))


def _lambda() -> Any:
    import keras

    x = keras.Input((3,), name="x")
    return keras.Model(x, keras.layers.Lambda(lambda t: 2.0 * t, name="double")(x))


def _raw_operation() -> Any:
    import keras

    x = keras.Input((3,), name="x")
    return keras.Model(x, keras.ops.sort(keras.layers.Dense(2, name="d")(x)))


def _subclassed_inside() -> Any:
    import keras

    class Doubled(keras.Model):
        def __init__(self) -> None:
            super().__init__(name="doubled")
            self.dense = keras.layers.Dense(3)

        def call(self, x: Any) -> Any:
            return self.dense(x)

    x = keras.Input((3,), name="x")
    return keras.Model(x, Doubled()(x))


def halve(t: Any) -> Any:
    return t / 2


def _function_argument() -> Any:
    import keras

    x = keras.Input((3,), name="x")
    return keras.Model(x, keras.layers.Dense(2, activation=halve, name="d")(x))


def _shared_across_graphs() -> Any:
    import keras

    dense = keras.layers.Dense(3, name="dense")
    x = keras.Input((3,), name="x")
    inner = keras.Model(x, dense(x), name="inner")
    y = keras.Input((3,), name="y")
    return keras.Model(y, dense(inner(y)), name="outer")


def _weighted_metrics() -> Any:
    import keras

    x = keras.Input((3,), name="x")
    model = keras.Model(x, keras.layers.Dense(2, name="d")(x), name="m")
    model.compile(loss="mse", weighted_metrics=["mae"])
    return model


IMPORT_EXAMPLES = {
    "GS801": _unknown_layer,
    "GS802": _lambda,
    "GS803": _raw_operation,
    "GS804": _subclassed_inside,
    "GS805": _function_argument,
    "GS806": _shared_across_graphs,
    "GS807": _weighted_metrics,
}


@pytest.mark.parametrize("code", sorted(IMPORT_EXAMPLES))
def test_import_example_prints_what_the_doc_says(code: str) -> None:
    from graphspec.keras import compat

    (expected,) = blocks(sections()[code], "text")
    with compat.fresh_names():  # the Keras names of a raw op (`sort`) count up
        model = IMPORT_EXAMPLES[code]()
    with pytest.raises(GraphSpecError) as e:
        graphspec.from_keras(model)
    assert codes_of(e) == [code]
    assert f"{e.value}\n" == expected


def test_a_model_file_keras_cannot_load_gs808(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.keras").write_bytes(b"not a Keras archive")
    (expected,) = blocks(sections()["GS808"], "text")
    status, _, err = run(capsys, "import", "broken.keras")
    assert (status, err) == (1, expected)
