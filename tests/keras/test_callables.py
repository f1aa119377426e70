"""Built models of the 2026-12 additions: op names, Sequential entries, frozen callables,
applications' inner outputs and their own layers; each saved and reloaded with safe_mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest

import graphspec
from graphspec.diagnostics import BuildError
from graphspec.keras.save import save_model
from tests import oracle
from tests.conftest import ROOT


def spec(nodes: dict[str, Any], outputs: list[str], **more: Any) -> dict[str, Any]:
    inputs = more.pop("inputs", {"x": {"shape": [8]}})
    return {"graphspec": 1, "inputs": inputs, "nodes": nodes, "outputs": outputs, **more}


def reloaded(model: keras.Model, tmp_path: Path) -> keras.Model:
    """Saved and loaded again with safe_mode=True; predictions must be equal."""
    path = tmp_path / "m.keras"
    save_model(model, path)  # graphspec saves a compiled model so that it reloads quietly
    again = keras.saving.load_model(path, safe_mode=True)
    data = oracle.sample_inputs(model)
    data = data[0] if len(data) == 1 else data  # Keras takes one input bare
    for got, want in zip(
        keras.tree.flatten(again.predict(data, verbose=0)),
        keras.tree.flatten(model.predict(data, verbose=0)),
        strict=True,
    ):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    return again


def operation(model: keras.Model, name: str) -> Any:
    (found,) = [op for op in model.operations if op.name == name]
    return found


# ---- op nodes ------------------------------------------------------------------------------


OPS = spec(
    {
        "shifted": {"block": "gate", "repeat": 2, "inputs": "x"},
        "dist": {"op": "norm", "inputs": "shifted", "axis": -1, "keepdims": True},
        "parts": {"op": "split", "inputs": "shifted", "indices_or_sections": 2, "axis": -1},
        "second": {"op": "multiply", "inputs": "parts.1", "args": [2.0]},
    },
    ["dist", "second"],
    blocks={
        "gate": {
            "inputs": ["i"],
            "nodes": {
                "add": {"op": "add", "inputs": "i", "args": [3.0]},
                "relu6": {"op": "relu6", "inputs": "add"},
                "scale": {"op": "multiply", "inputs": "relu6", "args": [1 / 6]},
            },
            "outputs": ["scale"],
        }
    },
)


def test_operations_are_named_by_their_node_ids_and_outputs_by_identity_layers() -> None:
    names = []
    for _ in range(2):  # the same names in a process that built it before
        model = graphspec.build(OPS)
        names.append([op.name for op in model.operations])
    assert names[0] == names[1]
    assert {"shifted_1_add", "shifted_2_relu6", "shifted_2_scale", "parts"} <= set(names[0])
    assert list(model.output_names) == ["dist", "second"]
    identity = model.get_layer("dist")
    assert isinstance(identity, keras.layers.Identity)
    produced = identity._inbound_nodes[0].input_tensors[0]._keras_history.operation
    assert produced.name == "dist_op" and type(produced).__name__ == "Norm"
    assert not isinstance(produced, keras.layers.Layer)
    assert type(operation(model, "shifted_1_add")).__name__ == "Add"  # never an Add layer


def test_a_model_with_op_nodes_reloads_with_safe_mode(tmp_path: Path) -> None:
    model = graphspec.build(OPS)
    again = reloaded(model, tmp_path)
    assert [op.name for op in again.operations] == [op.name for op in model.operations]


def test_keras_refusing_an_op_call_is_reported_on_the_node() -> None:
    data = spec({"h": {"op": "heaviside", "inputs": "x", "args": [0.5]}}, ["h"])
    with pytest.raises(BuildError) as e:
        graphspec.build(data)
    [d] = e.value.diagnostics
    assert (d.code, d.id) == ("GS604", "h")
    assert "keras.ops.heaviside" in d.message and "x (None, 8)" in d.message


# ---- sequential, trainable -----------------------------------------------------------------


def test_a_sequential_entry_is_one_sequential_named_by_its_id(tmp_path: Path) -> None:
    data = spec(
        {"a": {"use": "stack", "inputs": "x"}, "b": {"use": "stack", "inputs": "a"}},
        ["b"],
        shared={
            "stack": {
                "sequential": [
                    {"layer": "Dense", "units": 8},
                    {"layer": "LayerNormalization", "epsilon": 1e-6},
                ]
            }
        },
    )
    model = graphspec.build(data)
    stack = model.get_layer("stack")
    assert type(stack) is keras.Sequential
    assert [layer.name for layer in stack.layers] == ["stack_1", "stack_2"]
    assert stack.get_config()["layers"][0]["config"]["name"] == "stack_input"  # not input_layer_N
    assert len(stack._inbound_nodes) == 2  # one object, called twice
    assert graphspec.check(data).shapes["b"] == (None, 8)
    again = reloaded(model, tmp_path)
    assert type(again.get_layer("stack")) is keras.Sequential


FROZEN = {
    "layer": {"layer": "Dense", "units": 8, "trainable": False},
    "sequential": {"sequential": [{"layer": "Dense", "units": 8}], "trainable": False},
    "graph": {
        "trainable": False,
        "graph": {
            "inputs": {"v": {"shape": [8]}},
            "nodes": {"d": {"layer": "Dense", "units": 8, "inputs": "v"}},
            "outputs": ["d"],
        },
    },
    "spec": {"spec": "tower.yaml", "trainable": False},
}


@pytest.mark.parametrize("kind", sorted(FROZEN))
def test_trainable_false_freezes_every_weight_of_a_shared_entry(
    kind: str, tmp_path: Path, write_spec: Any
) -> None:
    write_spec(
        "graphspec: 1\ninputs: {v: {shape: [8]}}\nnodes: {d: {layer: Dense, units: 8, inputs: v}}\n"
        "outputs: [d]\n",
        "tower.yaml",
    )
    data = spec(
        {"a": {"use": "s", "inputs": "x"}, "top": {"layer": "Dense", "units": 2, "inputs": "a"}},
        ["top"],
        shared={"s": FROZEN[kind]},
    )
    path = write_spec(__import__("yaml").safe_dump(data), "spec.yaml")
    model = graphspec.build(path)
    assert oracle.param_counts(model) == (72 + 18, 18, 72)
    again = reloaded(model, tmp_path)
    assert oracle.param_counts(again) == (72 + 18, 18, 72)


# ---- applications --------------------------------------------------------------------------

PARTIAL = spec(
    {
        "features": {"use": "base", "inputs": "image", "call": {"training": False}},
        "early": {
            "layer": "Conv2D",
            "filters": 4,
            "kernel_size": 1,
            "inputs": "features.block_3_expand_relu",
        },
        "deep": {"layer": "Conv2D", "filters": 4, "kernel_size": 1, "inputs": "features.1"},
    },
    ["early", "deep"],
    inputs={"image": {"shape": [64, 64, 3]}},
    shared={
        "base": {
            "application": "MobileNetV2",
            "weights": None,
            "include_top": False,
            "input_shape": [64, 64, 3],
            "trainable": False,
            "outputs": ["block_3_expand_relu", "block_6_expand_relu"],
        }
    },
)


def test_an_application_with_outputs_is_the_model_up_to_those_layers(tmp_path: Path) -> None:
    model = graphspec.build(PARTIAL)
    app = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(64, 64, 3))
    twin = keras.Model(
        app.input, [app.get_layer(n).output for n in ("block_3_expand_relu", "block_6_expand_relu")]
    )
    twin.trainable = False
    base = model.get_layer("base")
    assert oracle.structure_differences(base, twin, names=False) == []
    assert oracle.param_counts(base).trainable == 0
    assert oracle.param_counts(base).total == oracle.param_counts(twin).total
    assert oracle.param_counts(base).total < oracle.param_counts(app).total  # the rest is gone
    assert "block_16_project" not in [layer.name for layer in base.layers]
    checked = graphspec.check(PARTIAL)
    assert checked.shapes["early"] == (None, 16, 16, 4) and checked.shapes["deep"] == (
        None,
        8,
        8,
        4,
    )
    assert [tuple(t.shape) for t in model.outputs] == [(None, 16, 16, 4), (None, 8, 8, 4)]
    reloaded(model, tmp_path)


def test_one_inner_output_is_the_output_itself() -> None:
    data = {**PARTIAL, "shared": {"base": {**PARTIAL["shared"]["base"], "outputs": ["out_relu"]}}}
    data["nodes"] = {
        "features": {"use": "base", "inputs": "image"},
        "pooled": {"layer": "GlobalAveragePooling2D", "inputs": "features.out_relu"},
        "same": {"layer": "GlobalMaxPooling2D", "inputs": "features"},
    }
    data["outputs"] = ["pooled", "same"]
    model = graphspec.build(data)
    assert [tuple(t.shape) for t in model.outputs] == [(None, 1280), (None, 1280)]


def test_an_application_keeps_keras_names_under_any_shared_id() -> None:
    """EfficientNetV2 looks its blocks up by the model's name: it builds under any id now."""
    data = spec(
        {"f": {"use": "my_base", "inputs": "image"}},
        ["f"],
        inputs={"image": {"shape": [32, 32, 3]}},
        shared={
            "my_base": {
                "application": "EfficientNetV2B0",
                "weights": None,
                "include_top": False,
                "outputs": ["block2a_expand_activation"],
            }
        },
    )
    model = graphspec.build(data)
    assert model.get_layer("my_base").name == "my_base"
    assert tuple(model.outputs[0].shape) == (None, 8, 8, 64)


def test_the_applications_own_layers_reload_with_safe_mode(tmp_path: Path) -> None:
    data = spec(
        {
            "s": {"layer": "LayerScale", "init_values": 0.5, "projection_dim": 8, "inputs": "x"},
            "d": {"layer": "StochasticDepth", "drop_path_rate": 0.2, "inputs": "s"},
            "r": {"layer": "CustomScaleLayer", "scale": 0.17, "inputs": ["x", "d"]},
        },
        ["r"],
    )
    model = graphspec.build(data)
    from keras.src.applications import convnext, inception_resnet_v2

    assert type(model.get_layer("s")) is convnext.LayerScale
    assert type(model.get_layer("d")) is convnext.StochasticDepth
    assert type(model.get_layer("r")) is inception_resnet_v2.CustomScaleLayer
    assert graphspec.check(data).shapes["r"] == (None, 8)
    again = reloaded(model, tmp_path)
    assert type(again.get_layer("s")) is convnext.LayerScale
    assert again.get_layer("s").get_config()["init_values"] == 0.5


def test_every_example_with_the_additions_reloads_with_safe_mode(tmp_path: Path) -> None:
    for name in ("siamese_distance", "convnext_block"):
        model = graphspec.build(ROOT / "specs" / "examples" / f"{name}.yaml")
        reloaded(model, tmp_path)
