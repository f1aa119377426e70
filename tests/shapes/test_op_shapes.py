"""`op:` nodes against Keras: static shapes (tests/data/shapes/ops.yaml), the operation each
makes, and a model holding every case saved and reloaded with safe_mode=True."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest
import yaml

import graphspec
import graphspec.api
from graphspec.catalog import ops
from graphspec.diagnostics import BuildError, SpecError
from graphspec.keras.save import save_model
from graphspec.shapes import Inferred, ShapeTree
from graphspec.shapes.op_combine import RULES
from tests.conftest import ROOT

CASES = yaml.safe_load((ROOT / "tests/data/shapes/ops.yaml").read_text("utf-8"))
VALID: dict[str, dict[str, Any]] = CASES["valid"]
INVALID: dict[str, dict[str, Any]] = CASES["invalid"]
RESERVED = {"node", "inputs", "dtypes", "code"}


def flat(tree: ShapeTree) -> list[Any]:
    if isinstance(tree, list):
        return [s for t in tree for s in flat(t)]
    return [tree]


def renamed(inputs: Any, prefix: str) -> Any:
    if isinstance(inputs, list):
        return [renamed(i, prefix) for i in inputs]
    return f"{prefix}{inputs}"


def case_nodes(name: str, case: dict[str, Any], prefix: str = "") -> tuple[dict[str, Any], ...]:
    """The case's inputs, its op node `{prefix}out`, and an Identity of the op's output 0."""
    dtypes = case.get("dtypes", {})
    inputs = {
        f"{prefix}{k}": {"shape": v, "dtype": dtypes.get(k, "float32")}
        for k, v in case.items()
        if k not in RESERVED
    }
    node = {**case["node"], "inputs": renamed(case.get("inputs", "x"), prefix)}
    out = f"{prefix}out"
    return inputs, {out: node, f"{prefix}result": {"layer": "Identity", "inputs": f"{out}.0"}}


def case_spec(name: str, case: dict[str, Any]) -> dict[str, Any]:
    inputs, nodes = case_nodes(name, case)
    return {"graphspec": 1, "inputs": inputs, "nodes": nodes, "outputs": ["result"]}


def operation(model: keras.Model, name: str) -> Any:
    (found,) = [op for op in model.operations if op.name == name]
    return found


def build_without_static_shapes(spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(graphspec.api, "infer", lambda program: Inferred({}, []))
    return graphspec.build(spec)


def test_every_allowed_op_has_a_rule_and_a_case() -> None:
    assert sorted(RULES) == sorted(ops.ALLOWED)
    assert sorted({c["node"]["op"] for c in VALID.values()}) == sorted(ops.ALLOWED)


@pytest.mark.parametrize("name", sorted(VALID))
def test_op_rule_equals_keras(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = case_spec(name, VALID[name])
    checked = graphspec.check(spec)
    assert [d for d in checked.warnings if d.code == "GS590"] == []
    model = build_without_static_shapes(spec, monkeypatch)
    made = operation(model, "out")
    expected = [tuple(t.shape) for t in made._inbound_nodes[0].outputs]
    assert flat(checked.shapes["out"]) == expected
    info = ops.op(VALID[name]["node"]["op"])
    assert f"{type(made).__module__}.{type(made).__qualname__}" == info.operation
    assert not isinstance(made, keras.layers.Layer)  # the operation itself, no layer


@pytest.mark.parametrize("name", sorted(INVALID))
def test_op_rule_refuses_what_keras_refuses(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    case = INVALID[name]
    spec = case_spec(name, case)
    with pytest.raises(SpecError) as e:
        graphspec.check(spec)
    [d] = e.value.diagnostics
    assert (d.severity, d.code, d.id) == ("error", case["code"], "out")
    assert "; received " in d.message
    with pytest.raises(BuildError):
        build_without_static_shapes(spec, monkeypatch)


def sample(tensor: Any, rng: np.random.Generator) -> np.ndarray:
    """A batch of 2; an unknown size is 4 (the cases give the other inputs 4 there)."""
    dims = [2, *(4 if d is None else int(d) for d in tensor.shape[1:])]
    dtype = np.dtype(str(tensor.dtype))
    if dtype == np.bool_:
        return rng.integers(0, 2, dims).astype(bool)
    if np.issubdtype(dtype, np.integer):
        return rng.integers(0, 2, dims).astype(dtype)
    return rng.uniform(-1.0, 1.0, dims).astype(dtype)


def test_every_case_in_one_model_reloads_with_safe_mode(tmp_path: Path) -> None:
    inputs: dict[str, Any] = {}
    nodes: dict[str, Any] = {}
    for name, case in sorted(VALID.items()):
        more_inputs, more_nodes = case_nodes(name, case, prefix=f"{name}_")
        inputs |= more_inputs
        nodes |= more_nodes
    results = [n for n in nodes if n.endswith("_result")]
    spec = {"graphspec": 1, "inputs": inputs, "nodes": nodes, "outputs": results}
    model = graphspec.build(spec)
    for name, case in VALID.items():  # each operation named by its node's id
        made = operation(model, f"{name}_out")
        assert (
            f"{type(made).__module__}.{type(made).__qualname__}"
            == ops.op(case["node"]["op"]).operation
        )
    path = tmp_path / "ops.keras"
    save_model(model, path)  # graphspec saves a compiled model so that it reloads quietly
    again = keras.saving.load_model(path, safe_mode=True)
    assert [op.name for op in again.operations] == [op.name for op in model.operations]
    rng = np.random.default_rng(0)
    data = [sample(t, rng) for t in model.inputs]
    for name, got, want in zip(
        results, again.predict(data, verbose=0), model.predict(data, verbose=0), strict=True
    ):
        np.testing.assert_allclose(
            np.asarray(got, float), np.asarray(want, float), equal_nan=True, err_msg=name
        )
