"""Static shapes (graphspec/shapes/) against the shapes Keras gives when it builds the model."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import keras
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from keras.src.backend.common.backend_utils import compute_conv_transpose_output_shape
from keras.src.ops.operation_utils import compute_conv_output_shape, compute_pooling_output_shape

import graphspec
import graphspec.api
from graphspec.diagnostics import BlockUse, BuildError, SpecError
from graphspec.ir import ApplicationIR, LayerIR, NodeIR, OpIR, Program, SubGraphIR, Use
from graphspec.shapes import Inferred, ShapeTree, infer
from graphspec.shapes.core import ShapeProblem
from graphspec.shapes.rules import make_call
from graphspec.shapes.spatial import conv, pooling
from tests.conftest import ALL_SPECS, ROOT
from tests.model_cache import ModelCache

CASES = yaml.safe_load((ROOT / "tests/data/shapes/cases.yaml").read_text("utf-8"))
SPEC_CACHE = ModelCache({}, Path)


def flat(tree: ShapeTree) -> list[Any]:
    if isinstance(tree, list):
        return [s for t in tree for s in flat(t)]
    return [tree]


def keras_name(program: Program, node_callable: LayerIR | Use | OpIR, node_id: str) -> str:
    """The name of the Keras layer, model or operation a node calls."""
    if isinstance(node_callable, OpIR):
        return node_callable.keras_name
    if isinstance(node_callable, LayerIR):
        return node_id
    entry = program.shared[node_callable.key]
    return entry.graph.name if isinstance(entry, SubGraphIR) else node_callable.shared_id


def keras_shapes(program: Program, model: keras.Model) -> dict[str, list[Any]]:
    """Each node's output shapes as Keras built them, per call of shared layers."""
    calls: dict[str, list[str]] = {}
    for node in program.graph.nodes:
        calls.setdefault(keras_name(program, node.callable, node.id), []).append(node.id)
    operations = {op.name: op for op in model.operations}
    found: dict[str, list[Any]] = {}
    for name, ids in calls.items():
        inbound = operations[name]._inbound_nodes[-len(ids) :]
        for nid, keras_node in zip(ids, inbound, strict=True):
            found[nid] = [tuple(t.shape) for t in keras_node.outputs]
    for i in program.graph.inputs:
        found[i.id] = [tuple(model.get_layer(i.id).output.shape)]
    return found


@pytest.mark.parametrize("path", ALL_SPECS, ids=lambda p: p.stem)
def test_bundled_spec_static_shapes_equal_keras(path: Path) -> None:
    checked = graphspec.check(path)
    inferred = infer(checked.program)
    assert inferred.diagnostics == []  # no error, and no node whose shape is unknown
    assert checked.shapes == inferred.shapes
    assert all(s is not None for s in inferred.shapes.values())
    model = SPEC_CACHE.graphspec(str(path))
    expected = keras_shapes(checked.program, model)
    assert set(expected) == set(inferred.shapes)
    for nid, shapes in expected.items():
        assert flat(inferred.shapes[nid]) == shapes, nid


def case_spec(case: dict[str, Any]) -> dict[str, Any]:
    """A whole spec around one case: its inputs, the node `out`, `out` as the output."""
    reserved = {"node", "inputs", "call", "code", "dtype", "batch_size"}
    inputs = {
        k: {"shape": v, "dtype": case.get("dtype", "float32"), "batch_size": case.get("batch_size")}
        for k, v in case.items()
        if k not in reserved
    }
    node = {**case["node"], "inputs": case.get("inputs", "x")}
    if "call" in case:
        node["call"] = case["call"]
    result = {"layer": "Identity", "inputs": "out.0"}  # `out` may have several outputs
    nodes = {"out": node, "result": result}
    return {"graphspec": 1, "inputs": inputs, "nodes": nodes, "outputs": ["result"]}


def build_without_static_shapes(spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(graphspec.api, "infer", lambda program: Inferred({}, []))
    return graphspec.build(spec)


@pytest.mark.parametrize("name", sorted(CASES["valid"]))
def test_rule_equals_keras(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = case_spec(CASES["valid"][name])
    checked = graphspec.check(spec)
    assert not [d for d in checked.warnings if d.code == "GS590"]
    model = build_without_static_shapes(spec, monkeypatch)
    expected = [tuple(t.shape) for t in model.get_layer("out")._inbound_nodes[0].outputs]
    assert flat(checked.shapes["out"]) == expected


@pytest.mark.parametrize("name", sorted(CASES["invalid"]))
def test_rule_refuses_what_keras_refuses(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    case = CASES["invalid"][name]
    spec = case_spec(case)
    with pytest.raises(SpecError) as e:
        graphspec.check(spec)
    [d] = e.value.diagnostics
    assert (d.severity, d.code, d.id) == ("error", case["code"], "out")
    assert "; received " in d.message
    with pytest.raises(BuildError):
        build_without_static_shapes(spec, monkeypatch)


def test_mismatch_names_each_input_with_its_line(write_spec: Any) -> None:
    path = write_spec(
        """
        graphspec: 1
        inputs:
          x: {shape: [32, 32, 64]}
        nodes:
          conv: {layer: Conv2D, filters: 128, kernel_size: 3, padding: same, inputs: x}
          residual: {layer: Add, inputs: [conv, x]}
        outputs: [residual]
        """
    )
    with pytest.raises(SpecError) as e:
        graphspec.check(path)
    [d] = e.value.diagnostics
    assert (d.line, d.code) == (6, "GS501")
    assert d.message == (
        "residual: Add needs inputs of the same shape; received "
        "conv (None, 32, 32, 128) from line 5, x (None, 32, 32, 64) from line 3"
    )


def test_unknown_shape_is_one_note_per_class_and_propagates(write_spec: Any) -> None:
    path = write_spec(
        """
        graphspec: 1
        inputs:
          x: {shape: [8, 8, 3]}
        nodes:
          a: {layer: RandomFlip, inputs: x}
          b: {layer: RandomFlip, inputs: a}
          c: {layer: Dense, units: 5, inputs: b}
          d: {layer: Add, inputs: [c, x]}
        outputs: [d]
        """
    )
    checked = graphspec.check(path)
    notes = [d for d in checked.warnings if d.severity == "note"]
    assert [(d.id, d.code) for d in notes] == [("a", "GS590")]
    assert "no static rule for RandomFlip" in notes[0].message
    assert checked.shapes["x"] == (None, 8, 8, 3)
    assert [checked.shapes[k] for k in "abcd"] == [None] * 4


def test_custom_layers_are_unknown(write_spec: Any) -> None:
    path = write_spec(
        """
        graphspec: 1
        inputs: {x: {shape: [4]}}
        nodes:
          y: {layer: MyLayer, inputs: x}
        outputs: [y]
        """
    )
    checked = graphspec.check(path, custom_objects={"MyLayer": object})
    assert checked.shapes["y"] is None
    assert [d.code for d in checked.warnings] == ["GS590"]


def test_mismatch_inside_a_repeated_block_points_into_the_block(write_spec: Any) -> None:
    path = write_spec(
        """
        graphspec: 1
        inputs:
          image: {shape: [32, 32, 16]}
        blocks:
          res:
            params: {filters: }
            inputs: [x]
            nodes:
              c1: {layer: Conv2D, filters: $filters, kernel_size: 3, padding: same, inputs: x}
              c2: {layer: Add, inputs: [c1, x]}
              widen: {layer: Conv2D, filters: "${filters * 2}", kernel_size: 1, inputs: c2}
            outputs: [widen]
        nodes:
          stage1: {block: res, filters: 16, repeat: 3, inputs: image}
        outputs: [stage1]
        """
    )
    with pytest.raises(SpecError) as e:
        graphspec.check(path)
    [d] = e.value.diagnostics
    assert d.line == 10
    assert d.uses == (BlockUse("stage1", "res", copy=2, copies=3, at=("nodes", "stage1")),)
    assert d.text.startswith("stage1 (block res, repeat 2 of 3) → c2: Add needs")
    assert "stage1_1_widen (None, 32, 32, 32) from line 11" in d.message


def test_all_problems_are_reported_together(write_spec: Any) -> None:
    path = write_spec(
        """
        graphspec: 1
        inputs: {x: {shape: [8, 8]}}
        nodes:
          a: {layer: Conv2D, filters: 3, kernel_size: 3, inputs: x}
          b: {layer: Dense, units: 2, inputs: x}
          c: {layer: Concatenate, axis: 1, inputs: [b, x]}
          unused: {layer: Dense, units: 2, inputs: x}
        outputs: [a, c]
        """
    )
    with pytest.raises(SpecError) as e:
        graphspec.check(path)
    found = Counter(
        (d.id, d.severity, d.code if d.severity == "error" else "") for d in e.value.diagnostics
    )
    assert found == Counter(
        {("a", "error", "GS502"): 1, ("c", "error", "GS501"): 1, ("unused", "warning", ""): 1}
    )


def test_output_index_past_the_outputs(write_spec: Any) -> None:
    path = write_spec(
        """
        graphspec: 1
        inputs: {x: {shape: [10, 8]}}
        nodes:
          lstm: {layer: LSTM, units: 16, return_state: true, inputs: x}
          out: {layer: Dense, units: 1, inputs: lstm.3}
        outputs: [out]
        """
    )
    with pytest.raises(SpecError) as e:
        graphspec.check(path)
    [d] = e.value.diagnostics
    assert (d.code, d.message) == (
        "GS321",
        "out: 'lstm.3': 'lstm' has 3 outputs, so there is no output 3",
    )


def test_submodel_called_on_other_shapes(write_spec: Any) -> None:
    path = write_spec(
        """
        graphspec: 1
        inputs: {a: {shape: [7, 16]}, b: {shape: [9, 16]}}
        shared:
          tower:
            graph:
              inputs: {t: {shape: [null, 16]}}
              nodes:
                h: {layer: Dense, units: 4, inputs: t}
              outputs: [h]
        nodes:
          ta: {use: tower, inputs: a}
          tb: {use: tower, inputs: b}
          both: {layer: Concatenate, axis: 1, inputs: [ta, tb]}
        outputs: [both]
        """
    )
    checked = graphspec.check(path)
    assert (checked.shapes["ta"], checked.shapes["tb"]) == ((None, 7, 4), (None, 9, 4))
    assert checked.shapes["both"] == (None, 16, 4)
    model = graphspec.build(path)
    assert tuple(model.output.shape) == checked.shapes["both"]


APPLICATIONS = [
    ("MobileNetV2", {"include_top": False}, [97, 97, 3]),
    ("MobileNetV2", {"include_top": False, "input_shape": [97, 97, 3]}, [97, 97, 3]),
    ("MobileNet", {"include_top": False, "alpha": 0.5}, [99, 99, 3]),
    ("ResNet50V2", {"include_top": False}, [99, 99, 3]),
    ("InceptionV3", {"include_top": False}, [101, 101, 3]),
    ("DenseNet121", {"include_top": False}, [97, 97, 3]),
    ("EfficientNetB0", {"include_top": False}, [97, 97, 3]),
    ("ConvNeXtTiny", {"include_top": False}, [97, 97, 3]),
    ("VGG16", {"include_top": False, "pooling": "max"}, [97, 97, 3]),
    (
        "NASNetMobile",
        {"include_top": True, "classes": 7, "input_shape": [224, 224, 3]},
        [224, 224, 3],
    ),
]


@pytest.mark.parametrize(("name", "kwargs", "shape"), APPLICATIONS, ids=lambda v: str(v))
def test_application_shapes_equal_keras(
    name: str, kwargs: dict[str, Any], shape: list[int]
) -> None:
    spec = {
        "graphspec": 1,
        "inputs": {"x": {"shape": shape}},
        "shared": {"base": {"application": name, "weights": None, **kwargs}},
        "nodes": {"out": {"use": "base", "inputs": "x"}},
        "outputs": ["out"],
    }
    checked = graphspec.check(spec)
    assert checked.shapes["out"] is not None
    model = graphspec.build(spec)
    assert checked.shapes["out"] == tuple(model.output.shape)


def test_application_without_a_table_entry_is_unknown() -> None:
    program = graphspec.check(
        {
            "graphspec": 1,
            "inputs": {"x": {"shape": [224, 224, 3]}},
            "shared": {
                "base": {"application": "NASNetMobile", "weights": None, "include_top": False}
            },
            "nodes": {"out": {"use": "base", "inputs": "x"}},
            "outputs": ["out"],
        }
    ).program
    assert isinstance(program.shared["base"], ApplicationIR)
    inferred = infer(program)
    assert inferred.shapes["out"] is None
    [note] = inferred.diagnostics
    assert "no static rule for application NASNetMobile" in note.message


# ---- the arithmetic against Keras's own helpers, on random sizes --------------------------------

sizes = st.integers(1, 40)
small = st.integers(1, 5)
paddings = st.sampled_from(["valid", "same"])


def static(rule_shape: Any, **kwargs: Any) -> Any:
    layer = LayerIR(kwargs.pop("layer"), [], kwargs, None)  # type: ignore[arg-type]
    rule = conv(2) if "kernel_size" in kwargs else pooling(2)
    return rule(make_call(layer, rule_shape, {}))


@settings(max_examples=200, deadline=None)
@given(h=sizes, w=sizes, k=small, s=small, d=small, padding=paddings)
def test_conv_arithmetic_equals_keras(h: int, w: int, k: int, s: int, d: int, padding: str) -> None:
    shape = (None, h, w, 3)
    d = 1 if s > 1 else d  # Keras refuses strides > 1 with dilation > 1
    args = {"filters": 4, "kernel_size": k, "strides": s, "padding": padding, "dilation_rate": d}
    try:
        expected = compute_conv_output_shape(shape, 4, (k, k), s, padding, "channels_last", d)
    except ValueError:
        with pytest.raises(ShapeProblem):
            static(shape, layer="Conv2D", **args)
    else:
        assert static(shape, layer="Conv2D", **args) == tuple(expected)


@settings(max_examples=200, deadline=None)
@given(h=sizes, k=small, s=small, padding=paddings)
def test_pooling_arithmetic_equals_keras(h: int, k: int, s: int, padding: str) -> None:
    shape = (None, h, h + 1, 3)
    try:
        expected = compute_pooling_output_shape(shape, (k, k), (s, s), padding)
    except ValueError:
        with pytest.raises(ShapeProblem):
            static(shape, layer="MaxPooling2D", pool_size=k, strides=s, padding=padding)
    else:
        got = static(shape, layer="MaxPooling2D", pool_size=k, strides=s, padding=padding)
        assert got == tuple(expected)


@settings(max_examples=200, deadline=None)
@given(h=sizes, k=small, s=small, padding=paddings, extra=st.none() | st.integers(0, 4))
def test_transposed_conv_arithmetic_equals_keras(
    h: int, k: int, s: int, padding: str, extra: int | None
) -> None:
    if extra is not None and extra >= s:
        extra = None  # Keras requires output_padding < strides
    shape = (None, h, h, 3)
    expected = compute_conv_transpose_output_shape(shape, (k, k), 4, s, padding, extra)
    layer = LayerIR(
        "Conv2DTranspose",
        [],
        {"filters": 4, "kernel_size": k, "strides": s, "padding": padding, "output_padding": extra},
        None,  # type: ignore[arg-type]
    )
    rule = conv(2, "transpose")
    assert rule(make_call(layer, shape, {})) == tuple(expected)


def test_inference_on_the_architectures_visits_each_node_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Linear work, counted (not timed): static shapes of every bundled architecture walk
    each node once and apply its rule at most once."""
    from graphspec.shapes import walker

    programs = [
        graphspec.check(p).program for p in sorted((ROOT / "specs/architectures").glob("*.yaml"))
    ]
    visits: list[str] = []
    applied: list[str] = []
    node, apply = walker.Walker.node, walker.Walker.apply

    def counting_node(self: walker.Walker, n: NodeIR, *args: Any) -> Any:
        visits.append(n.id)
        return node(self, n, *args)

    def counting_apply(self: walker.Walker, n: NodeIR, given: Any) -> Any:
        applied.append(n.id)
        return apply(self, n, given)

    monkeypatch.setattr(walker.Walker, "node", counting_node)
    monkeypatch.setattr(walker.Walker, "apply", counting_apply)
    for program in programs:
        visits.clear()
        applied.clear()
        infer(program)
        ids = [n.id for n in program.graph.nodes]
        assert visits == ids
        assert len(applied) <= len(ids) and len(set(applied)) == len(applied)
