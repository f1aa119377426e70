"""views/fold.py: repeated structures of a flat spec folded into blocks with parameters; the
folded spec builds the same model as the flat one (oracle, name-independent) and keeps the
inputs' and outputs' names."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
import yaml

import graphspec
from graphspec.views.fold import fold, name_key
from graphspec.views.spec_yaml import IMPORT_LAYOUT, to_yaml
from tests.conftest import Write
from tests.keras.test_importer_applications import differences, weightless_build


def spec(text: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(textwrap.dedent(text))
    return data


def same_model(flat: dict[str, Any], folded: dict[str, Any], write_spec: Write) -> None:
    a = weightless_build(write_spec(to_yaml(folded, IMPORT_LAYOUT), "folded.yaml"))
    b = weightless_build(write_spec(to_yaml(flat), "flat.yaml"))
    assert differences(a, b) == []


MLP = """
graphspec: 1
name: mlp
inputs: {x: {shape: [8]}}
nodes:
  dense:     {layer: Dense, units: 16, inputs: x}
  dropout:   {layer: Dropout, rate: 0.5, inputs: dense}
  dense_1:   {layer: Dense, units: 16, inputs: dropout}
  dropout_1: {layer: Dropout, rate: 0.5, inputs: dense_1}
  dense_2:   {layer: Dense, units: 16, inputs: dropout_1}
  dropout_2: {layer: Dropout, rate: 0.5, inputs: dense_2}
  logits:    {layer: Dense, units: 2, inputs: dropout_2}
outputs: [logits]
"""


def test_auto_named_units_become_one_block_repeated(write_spec: Write) -> None:
    flat = spec(MLP)
    folded = fold(flat)
    assert folded["blocks"] == {
        "dense_dropout": {
            "inputs": ["x"],
            "nodes": {
                "dense": {"layer": "Dense", "units": 16, "inputs": "x"},
                "dropout": {"layer": "Dropout", "rate": 0.5, "inputs": "dense"},
            },
            "outputs": ["dropout"],
        }
    }
    assert folded["nodes"] == {
        "dropout": {"block": "dense_dropout", "repeat": 3, "inputs": "x"},
        "logits": {"layer": "Dense", "units": 2, "inputs": "dropout"},
    }
    assert list(folded) == ["graphspec", "name", "inputs", "blocks", "nodes", "outputs"]
    same_model(flat, folded, write_spec)


def residual(filters: list[int]) -> dict[str, Any]:
    """Residual units: conv, bn, a 1x1 conv back to 16 channels, add the unit's input, relu."""
    nodes: dict[str, Any] = {}
    x = "image"
    for k, f in enumerate(filters):
        u = f"unit{k}"
        nodes[f"{u}_conv"] = {
            "layer": "Conv2D",
            "filters": f,
            "kernel_size": 3,
            "padding": "same",
            "inputs": x,
        }
        nodes[f"{u}_bn"] = {"layer": "BatchNormalization", "inputs": f"{u}_conv"}
        nodes[f"{u}_wide"] = {
            "layer": "Conv2D",
            "filters": 16,
            "kernel_size": 1,
            "inputs": f"{u}_bn",
        }
        nodes[f"{u}_add"] = {"layer": "Add", "inputs": [x, f"{u}_wide"]}
        nodes[f"{u}_out"] = {"layer": "Activation", "activation": "relu", "inputs": f"{u}_add"}
        x = f"{u}_out"
    nodes["head"] = {"layer": "GlobalAveragePooling2D", "inputs": x}
    return {
        "graphspec": 1,
        "inputs": {"image": {"shape": [8, 8, 16]}},
        "nodes": nodes,
        "outputs": ["head"],
    }


def test_units_between_cut_nodes_with_a_parameter_and_its_default(write_spec: Write) -> None:
    flat = residual([8, 4, 8, 8])
    folded = fold(flat)
    units = [n for n in folded["nodes"].values() if "block" in n]
    template = folded["blocks"][units[0]["block"]]
    assert template["params"] == {"filters": 8}, "the most common value is the default"
    assert [u.get("filters") for u in units] == [None, 4, None]
    assert units[2]["repeat"] == 2, "two uses with the same parameters in a chain"
    assert folded["outputs"] == ["head"] and "head" in folded["nodes"]
    same_model(flat, folded, write_spec)


def test_a_multiple_of_a_parameter_is_an_expression(write_spec: Write) -> None:
    nodes: dict[str, Any] = {}
    x = "x"
    for k, (a, b) in enumerate([(8, 32), (4, 16), (2, 8)]):
        nodes[f"unit{k}_narrow"] = {"layer": "Dense", "units": a, "inputs": x}
        nodes[f"unit{k}_wide"] = {"layer": "Dense", "units": b, "inputs": f"unit{k}_narrow"}
        x = f"unit{k}_wide"
    flat = {"graphspec": 1, "inputs": {"x": {"shape": [8]}}, "nodes": nodes, "outputs": [x]}
    folded = fold(flat)
    (template,) = folded["blocks"].values()
    assert template["params"] == {"units": 8}
    assert template["nodes"]["wide"]["units"] == "${4 * units}"
    same_model(flat, folded, write_spec)


def test_literal_dollars_in_a_block_are_escaped(write_spec: Write) -> None:
    flat = spec(MLP)
    for k in ("dense", "dense_1", "dense_2"):
        flat["nodes"][k]["activation"] = "relu"
    folded = fold(flat)
    text = to_yaml(folded, IMPORT_LAYOUT)
    assert "$" not in text.replace("$$", "")
    graphspec.check(write_spec(text))


def test_expanded_names_never_collide(write_spec: Write) -> None:
    flat = spec(MLP)
    # the use `dropout` (repeat 3) would make a layer `dropout_3_dropout`: one is there already
    flat["nodes"]["dropout_3_dropout"] = {"layer": "ReLU", "inputs": "dropout_2"}
    flat["nodes"]["logits"]["inputs"] = "dropout_3_dropout"
    folded = fold(flat)
    assert "dropout" not in folded["nodes"] and "dropout_2" in folded["nodes"]
    graphspec.check(write_spec(to_yaml(folded, IMPORT_LAYOUT)))
    same_model(flat, folded, write_spec)


def test_keys_left_out_share_a_template_only_with_their_defaults(write_spec: Write) -> None:
    flat = spec(
        MLP.replace("units: 16, inputs: dropout}", "units: 16, inputs: dropout, use_bias: false}")
    )
    apart = fold(flat)  # without Dense's default for use_bias, the middle unit is apart
    assert len(apart["blocks"]) == 1 and "dense_1" in apart["nodes"]
    together = fold(flat, {"Dense": {"use_bias": True}})
    (template,) = together["blocks"].values()
    assert template["params"] == {"use_bias": True}
    assert [n.get("use_bias") for n in together["nodes"].values() if "block" in n] == [
        None,
        False,
        None,
    ]
    same_model(flat, together, write_spec)


def test_what_occurs_once_stays_as_it_is() -> None:
    once = spec(
        """
        graphspec: 1
        inputs: {x: {shape: [4]}}
        nodes:
          a: {layer: Dense, units: 2, inputs: x}
          b: {layer: ReLU, inputs: a}
        outputs: [b]
        """
    )
    assert fold(once) == once


@pytest.mark.parametrize(
    ("node_id", "layer", "key"),
    [
        ("conv2_block1_1_conv", "Conv2D", "conv2_block1_1"),
        ("block1a_se_reduce", "Conv2D", "block1a"),
        ("conv2d_5", "Conv2D", "#5"),
        ("batch_normalization", "BatchNormalization", "#0"),
        ("re_lu_3", "ReLU", "#3"),
        ("predictions", "Dense", "predictions"),
    ],
)
def test_name_keys(node_id: str, layer: str, key: str) -> None:
    assert name_key(node_id, {"layer": layer}) == key


def test_sub_graphs_are_folded_in_their_own_blocks(write_spec: Write) -> None:
    inner = spec(MLP)
    flat = spec(
        """
        graphspec: 1
        inputs: {a: {shape: [8]}}
        nodes:
          t: {use: tower, inputs: a}
        outputs: [t]
        """
    )
    flat["shared"] = {"tower": {"graph": {k: inner[k] for k in ("inputs", "nodes", "outputs")}}}
    folded = fold(flat)
    assert "blocks" in folded["shared"]["tower"]["graph"] and "blocks" not in folded
    same_model(flat, folded, write_spec)
