"""The JSON Schema for editors: current, valid draft-07, accepts every spec, catches mistakes."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given, settings

import graphspec
from graphspec.catalog import ops, registry
from graphspec.diagnostics import GraphSpecError
from graphspec.syntax import schema
from graphspec.syntax.loader import load_file
from graphspec.views import json_schema
from tests.conftest import ALL_SPECS, ROOT
from tests.fuzz_specs import Generated, valid_specs

SHIPPED = ROOT / "schema" / "graphspec.schema.json"
SCHEMA = json_schema.build()
DEFS = SCHEMA["definitions"]
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)
HEAVY = {"tensorflow", "keras", "numpy", "jax", "torch"}


def _errors(data: Any) -> set[tuple[str | int, ...]]:
    """The instance paths at which the schema rejects `data`."""
    return {tuple(e.absolute_path) for e in VALIDATOR.iter_errors(data)}


def _where(data: Any) -> tuple[str | int, ...] | None:
    """Where the most relevant error is (what an editor underlines), None when valid."""
    error = jsonschema.exceptions.best_match(VALIDATOR.iter_errors(data))
    return None if error is None else tuple(error.absolute_path)


def _doc_specs() -> list[tuple[str, str]]:
    """The YAML examples of README.md and docs/language.md that are whole specs
    (docs/diagnostics.md's are wrong on purpose)."""
    found = []
    for md in [ROOT / "README.md", ROOT / "docs" / "language.md"]:
        for i, block in enumerate(re.findall(r"```yaml\n(.*?)```", md.read_text("utf-8"), re.S)):
            if re.search(r"^graphspec:", block, re.M):
                found.append((f"{md.name}#{i}", block))
    return found


def test_shipped_schema_is_current() -> None:
    """Stale after a change to the models or the catalog? Run
    `graphspec schema -o schema/graphspec.schema.json`."""
    assert SHIPPED.read_text("utf-8") == json_schema.dumps(SCHEMA), "schema/ is stale"


def test_schema_command_is_deterministic_and_light(tmp_path: Path) -> None:
    """A fresh interpreter (another hash seed) writes the same file, without TensorFlow."""
    out = tmp_path / "s.json"
    probe = (
        "import sys\nfrom graphspec.cli import main\n"
        f"code = main(['schema', '-o', {str(out)!r}])\n"
        "print(code, ' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1800,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    )
    assert run.returncode == 0, run.stderr
    code, *modules = run.stdout.split()
    assert code == "0" and HEAVY.isdisjoint(modules)
    assert out.read_text("utf-8") == SHIPPED.read_text("utf-8")


def test_schema_command_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    from graphspec.cli import main

    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == SCHEMA
    assert main(["schema", "-o", "/nonexistent/dir/s.json"]) == 2
    assert "graphspec schema: error: -o /nonexistent/dir/s.json" in capsys.readouterr().err


def test_schema_is_valid_draft_07_and_every_reference_resolves() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"
    refs = set(re.findall(r'"\$ref": "#/definitions/([^"]+)"', json.dumps(SCHEMA)))
    assert refs and refs <= set(DEFS), refs - set(DEFS)


SPEC_FILES = [
    *ALL_SPECS,
    *sorted((ROOT / "tests/data/expand").glob("*.yaml")),
    *sorted((ROOT / "tests/data/expand").glob("*.expected")),
]


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_bundled_spec_validates(path: Path) -> None:
    errors = sorted(VALIDATOR.iter_errors(load_file(path).data), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors]


@pytest.mark.parametrize(("where", "text"), _doc_specs(), ids=lambda v: v.split("\n")[0])
def test_every_spec_in_the_docs_validates(where: str, text: str) -> None:
    assert _errors(yaml.safe_load(text)) == set(), where


@settings(max_examples=100)
@given(valid_specs())
def test_generated_valid_specs_validate(generated: Generated) -> None:
    """The fuzzer's random valid specs (shared layers, blocks, repeats, losses) all pass."""
    assert _errors(generated.data) == set(), generated.text


BASE = """\
graphspec: 1
inputs:
  x: {shape: [4]}
nodes:
  d: {layer: Dense, units: 3, inputs: x}
outputs: [d]
"""

VALID = {
    "units by position": ("units: 3", "args: [3]"),
    "an activation layer": ("units: 3", "units: 3, activation: {layer: ReLU}"),
    "an initializer with arguments": (
        "units: 3",
        "units: 3, kernel_initializer: {name: HeNormal, seed: 1}",
    ),
    "a loss per output": ("outputs: [d]", "outputs: [d]\ncompile: {loss: {d: mse}}"),
    "a loss with arguments": (
        "outputs: [d]",
        "outputs: {d: {loss: {name: Huber, delta: 2.0}}}\ncompile: {optimizer: RMSProp}",
    ),
    "outputs with options": ("outputs: [d]", "outputs: {d: {loss: mse, metrics: [mae]}}"),
    "a shared layer": (
        "d: {layer: Dense, units: 3, inputs: x}",
        "d: {use: s, inputs: x}\nshared:\n  s: {layer: Dense, units: 3}",
    ),
    "call keywords as a mapping": (
        "d: {layer: Dense, units: 3, inputs: x}",
        "d: {layer: MultiHeadAttention, num_heads: 2, key_dim: 2, inputs: {query: x, value: x}}",
    ),
    "a block with parameters": (
        "d: {layer: Dense, units: 3, inputs: x}",
        "d: {block: b, width: 5, inputs: x}\nblocks:\n  b:\n    params: {width: , act: relu}\n"
        "    inputs: [i]\n    nodes:\n      o: {layer: Dense, units: '${width * 2}', "
        "activation: $act, use_bias: $width, inputs: i}\n    outputs: [o]",
    ),
    "a bidirectional LSTM": (
        "x: {shape: [4]}\nnodes:\n  d: {layer: Dense, units: 3, inputs: x}",
        "x: {shape: [6, 4]}\nnodes:\n  d: {layer: Bidirectional, wraps: {layer: LSTM, units: 3}, "
        "merge_mode: sum, inputs: x}",
    ),
    "an op node": (
        "units: 3, inputs: x}",
        "units: 3, inputs: x}\n  n: {op: norm, inputs: d, axis: -1, keepdims: true}",
    ),
    "an op with args and a list argument": (
        "units: 3, inputs: x}",
        "units: 3, inputs: x}\n  a: {op: add, inputs: d, args: [3.0]}\n  c: {op: concatenate, inputs: [[d, a]], axis: -1}",
    ),
    "an op in a block": (
        "outputs: [d]",
        "outputs: [d]\nblocks:\n  b:\n    params: {k: 2, f: sum}\n    inputs: [i]\n    nodes:\n"
        "      o: {op: $f, inputs: i, axis: $k}\n    outputs: [o]",
    ),
    "a frozen sequential entry": (
        "d: {layer: Dense, units: 3, inputs: x}",
        "d: {use: s, inputs: x}\nshared:\n  s: {sequential: [{layer: Dense, units: 3}, {layer: ReLU}], trainable: false}",
    ),
    "a frozen application with outputs": (
        "d: {layer: Dense, units: 3, inputs: x}",
        "d: {layer: Dense, units: 3, inputs: x}\nshared:\n  s: {application: MobileNetV2, weights: null, "
        "include_top: false, trainable: false, outputs: [block_1_expand_relu, out_relu]}",
    ),
    "a frozen sub-model": (
        "d: {layer: Dense, units: 3, inputs: x}",
        "d: {use: s, inputs: x}\nshared:\n  s:\n    trainable: false\n    graph: {inputs: {i: {shape: [4]}}, "
        "nodes: {o: {layer: Dense, units: 3, inputs: i}}, outputs: [o]}",
    ),
    "an application's own layer": (
        "units: 3, inputs: x}",
        "units: 3, inputs: x}\n  s: {layer: LayerScale, init_values: 1.0e-6, projection_dim: 3, inputs: d}",
    ),
}


@pytest.mark.parametrize("case", sorted(VALID))
def test_valid_variants_pass_the_schema_and_graphspec(case: str) -> None:
    old, new = VALID[case]
    assert old in BASE
    data = yaml.safe_load(BASE.replace(old, new))
    assert _errors(data) == set()
    graphspec.check(data)  # the schema accepts no more than what graphspec takes


INVALID: dict[str, tuple[str, str, tuple[str | int, ...], bool]] = {
    # case: (replace, with, where the schema complains, whether `graphspec.check` objects too)
    "misspelt top-level key": ("outputs: [d]", "outputs: [d]\ncompil: {}", (), True),
    "graphspec: 2": ("graphspec: 1", "graphspec: 2", ("graphspec",), True),
    "an input without shape": ("{shape: [4]}", "{dtype: int32}", ("inputs", "x"), True),
    "an unknown dtype": (
        "{shape: [4]}",
        "{shape: [4], dtype: float}",
        ("inputs", "x", "dtype"),
        True,
    ),
    "an unknown layer": ("Dense", "Dens", ("nodes", "d", "layer"), True),
    "a refused layer": ("Dense, units: 3", "Lambda", ("nodes", "d", "layer"), True),
    "units: ten": ("units: 3", "units: ten", ("nodes", "d", "units"), False),
    "a misspelt keyword": ("units: 3", "units: 3, unit: 3", ("nodes", "d"), True),
    "a required argument left out": ("units: 3, ", "", ("nodes", "d"), True),
    "too many positional arguments": (
        "units: 3",
        "args: [3, relu, true, he_normal, zeros, l2, l2, l2, max_norm, max_norm, 1, 1, null, 9]",
        ("nodes", "d", "args"),
        True,
    ),
    "an unknown activation": (
        "units: 3",
        "units: 3, activation: relux",
        ("nodes", "d", "activation"),
        True,
    ),
    "a Keras config": (
        "units: 3",
        "units: 3, kernel_initializer: {class_name: HeNormal}",
        ("nodes", "d", "kernel_initializer", "class_name"),
        True,
    ),
    "a string for a boolean": (
        "units: 3",
        "units: 3, use_bias: 'no'",
        ("nodes", "d", "use_bias"),
        True,
    ),
    "a name": ("units: 3", "units: 3, name: dense", ("nodes", "d"), True),
    "layer and use": ("{layer: Dense", "{use: d, layer: Dense", ("nodes", "d"), True),
    "an unknown call keyword": (
        "units: 3",
        "units: 3, call: {trainin: true}",
        ("nodes", "d", "call"),
        True,
    ),
    "a bad reference": ("inputs: x", "inputs: x.y.z", ("nodes", "d", "inputs"), True),
    "an invalid id": ("d: {", "d-1: {", ("nodes",), True),
    "a misspelt fit key": ("outputs: [d]", "outputs: [d]\nfit: {epoch: 3}", ("fit",), True),
    "a misspelt compile key": (
        "outputs: [d]",
        "outputs: [d]\ncompile: {los: mse}",
        ("compile",),
        True,
    ),
    "a misspelt expect key": (
        "outputs: [d]",
        "outputs: [d]\nexpect: {param: 3}",
        ("expect",),
        True,
    ),
    "an unknown loss": (
        "outputs: [d]",
        "outputs: {d: {loss: msee}}",
        ("outputs", "d", "loss"),
        True,
    ),
    "an unknown optimizer": (
        "outputs: [d]",
        "outputs: [d]\ncompile: {optimizer: adamm}",
        ("compile", "optimizer"),
        True,
    ),
    "a misspelt output key": (
        "outputs: [d]",
        "outputs: {d: {losses: mse}}",
        ("outputs", "d"),
        True,
    ),
    "an application without weights: null": (
        "outputs: [d]",
        "outputs: [d]\nshared: {b: {application: Xception, include_top: false}}",
        ("shared", "b"),
        True,
    ),
    "keyword arguments on a use: node": (
        "d: {layer: Dense, units: 3, inputs: x}",
        "d: {use: s, units: 3, inputs: x}\nshared: {s: {layer: Dense, units: 3}}",
        ("nodes", "d"),
        True,
    ),
    "a misspelt keyword in wraps": (
        "d: {layer: Dense, units: 3, inputs: x}",
        "d: {layer: Bidirectional, wraps: {layer: LSTM, unit: 3}, inputs: x}",
        ("nodes", "d", "wraps"),
        True,
    ),
    "a wrong type inside a block": (
        "outputs: [d]",
        "outputs: [d]\nblocks:\n  b: {inputs: [i], nodes: {o: {layer: Dense, units: ten, inputs: i}}, "
        "outputs: [o]}",
        ("blocks", "b", "nodes", "o", "units"),
        False,
    ),
    "an unknown op": ("{layer: Dense, units: 3", "{op: nrom", ("nodes", "d", "op"), True),
    "an op and a layer": (
        "{layer: Dense, units: 3",
        "{op: relu, layer: Dense, units: 3",
        ("nodes", "d"),
        True,
    ),
    "a misspelt op argument": (
        "{layer: Dense, units: 3",
        "{op: sum, axes: 1",
        ("nodes", "d"),
        True,
    ),
    "repeat on an op": ("{layer: Dense, units: 3", "{op: relu, repeat: 2", ("nodes", "d"), True),
    "a mapping as an op argument": (
        "{layer: Dense, units: 3",
        "{op: sum, axis: {a: 1}",
        ("nodes", "d", "axis"),
        True,
    ),
    "a mapping as op inputs": (
        "{layer: Dense, units: 3, inputs: x}",
        "{op: add, inputs: {x1: x}}",
        ("nodes", "d", "inputs"),
        True,
    ),
    "a nested list as layer inputs": (
        "inputs: x}",
        "inputs: [[x]]}",
        ("nodes", "d", "inputs", 0),
        True,
    ),
    "outputs on a layer entry": (
        "d: {layer: Dense, units: 3, inputs: x}",
        "d: {use: s, inputs: x}\nshared: {s: {layer: Dense, units: 3, outputs: [a]}}",
        ("shared", "s"),
        True,
    ),
    "a string for trainable": (
        "d: {layer: Dense, units: 3, inputs: x}",
        "d: {use: s, inputs: x}\nshared: {s: {sequential: [{layer: Dense, units: 3}], trainable: 'no'}}",
        ("shared", "s", "trainable"),
        True,
    ),
}


def test_each_op_takes_exactly_its_arguments() -> None:
    for name in ops.ALLOWED:
        info = ops.op(name)
        keys = set(DEFS[f"op.{name}"]["properties"])
        assert keys == {"op", "inputs", "args", *info.names}, name
        assert DEFS[f"op.{name}"]["additionalProperties"] is False
    assert DEFS["op_name"]["enum"] == list(ops.ALLOWED)


@pytest.mark.parametrize("case", sorted(INVALID))
def test_mistakes_fail_the_schema(case: str) -> None:
    old, new, where, checked = INVALID[case]
    assert old in BASE
    data = yaml.safe_load(BASE.replace(old, new))
    assert _where(data) == where, list(VALIDATOR.iter_errors(data))
    if checked:
        with pytest.raises(GraphSpecError):
            graphspec.check(data)


def test_layer_and_application_enums_are_the_catalogs() -> None:
    layers = DEFS["layer_name"]["enum"]
    assert layers == registry.layer_names()
    assert set(registry.data()["layers"]) - set(layers) == set(registry.REFUSED_LAYERS) & set(
        registry.data()["layers"]
    )
    assert DEFS["application_name"]["enum"] == sorted(registry.data()["applications"])
    for kind in ("activation", "initializer", "regularizer", "constraint"):
        assert DEFS[f"{kind}_name"]["enum"] == registry.data()[f"{kind}s"]


@pytest.mark.parametrize("name", registry.layer_names())
def test_each_layer_takes_exactly_its_keyword_arguments(name: str) -> None:
    info = registry.layer(name)
    assert info is not None
    keys = set(DEFS[f"layer.{name}"]["properties"])
    wanted = {"wraps" if k == "layer" else k for k in info.keywords} - {"name"}
    assert keys == wanted | set(json_schema.STRUCTURAL)
    assert DEFS[f"layer.{name}"]["additionalProperties"] is False


def _keras_defaults(owner: Any) -> dict[str, Any]:
    """Keyword → default of a Keras class's constructor (through its bases) or function."""
    found: dict[str, Any] = {}
    chain = owner.__mro__ if inspect.isclass(owner) else (owner,)
    for part in chain:
        fn = vars(part).get("__init__") if inspect.isclass(part) else part
        if fn is None:
            continue
        for k, p in inspect.signature(fn).parameters.items():
            if p.default is not p.empty:
                found.setdefault(k, p.default)
    return found


def _plain(value: Any) -> Any:
    return [_plain(v) for v in value] if isinstance(value, tuple | list) else value


def test_typed_arguments_accept_every_keras_default() -> None:
    """The simple types the schema gives keyword arguments by name hold in every layer and
    application that takes them: Keras's own defaults pass."""
    import keras

    from graphspec.keras import compat

    def layer_class(name: str) -> Any:
        info = registry.layer(name)
        assert info is not None
        return (
            compat.application_layer(info.module, name)
            if info.module
            else getattr(keras.layers, name)
        )

    owners = [(f"layer.{n}", layer_class(n)) for n in registry.layer_names()]
    owners += [
        (f"application.{n}", getattr(keras.applications, n))
        for n in DEFS["application_name"]["enum"]
    ]
    checked = 0
    for definition, owner in owners:
        props = DEFS[definition]["properties"]
        for keyword, default in _keras_defaults(owner).items():
            prop = props.get("wraps" if keyword == "layer" else keyword)
            if not prop or keyword == "weights":
                continue
            validator = jsonschema.Draft7Validator({"definitions": DEFS, "allOf": [prop]})
            assert validator.is_valid(_plain(default)), (definition, keyword, default)
            checked += 1
    assert checked > 1000


MODELS = {
    "Input": schema.Input,
    "Node": schema.Node,
    "LayerSpec": schema.LayerSpec,
    "Shared": schema.Shared,
    "Block": schema.Block,
    "Graph": schema.Graph,
    "OutputOptions": schema.OutputOptions,
    "Compile": schema.Compile,
    "Fit": schema.Fit,
    "Expect": schema.Expect,
}


def test_every_key_of_the_models_has_a_description() -> None:
    pairs = [(SCHEMA, schema.Spec), *((DEFS[n], m) for n, m in MODELS.items())]
    for definition, model in pairs:
        for field in model.model_fields:
            assert definition["properties"][field].get("description"), (model.__name__, field)
