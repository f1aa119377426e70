"""Static parameter counts (graphspec/shapes/params.py, tally.py) against Keras's own counts."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import keras
import pytest
import yaml

import graphspec
from graphspec.ir import ApplicationIR, OpIR, Program, SubGraphIR, Use
from graphspec.shapes import Count, infer
from graphspec.shapes.core import Undecided
from graphspec.shapes.tally import application, table
from tests.conftest import ALL_SPECS, ROOT
from tests.shapes.test_shapes import CASES, SPEC_CACHE, build_without_static_shapes, case_spec

PARAMS = yaml.safe_load((ROOT / "tests/data/shapes/params.yaml").read_text("utf-8"))["cases"]
GRAPHS = yaml.safe_load((ROOT / "tests/data/shapes/params_graphs.yaml").read_text("utf-8"))


def keras_count(layer: Any) -> Count:
    """What Keras counts: its trainable and non-trainable weights, by their shapes."""

    def size(weights: list[Any]) -> int:
        return sum(math.prod(int(d) for d in w.shape) for w in weights)

    if not hasattr(layer, "trainable_weights"):  # a keras.ops operation: it holds no weights
        return Count()
    return Count(size(layer.trainable_weights), size(layer.non_trainable_weights))


def keras_layer(program: Program, model: keras.Model, node_id: str) -> Any:
    """The Keras layer (or model) the top graph's node `node_id` calls."""
    node = next(n for n in program.graph.nodes if n.id == node_id)
    fn = node.callable
    if isinstance(fn, OpIR):  # an operation, not a layer: found among the model's operations
        return next(op for op in model.operations if op.name == fn.keras_name)
    if not isinstance(fn, Use):
        return model.get_layer(node_id)
    entry = program.shared[fn.key]
    return model.get_layer(entry.graph.name if isinstance(entry, SubGraphIR) else fn.shared_id)


def assert_counts_equal_keras(checked: graphspec.Checked, model: keras.Model) -> None:
    params = checked.params
    assert params.total == keras_count(model)
    assert params.total.total == model.count_params()
    assert set(params.nodes) == {n.id for n in checked.program.graph.nodes}
    for nid, count in params.nodes.items():
        assert count == keras_count(keras_layer(checked.program, model, nid)), nid


UNKNOWN_STATICALLY = {
    "segmentation_unet": "a partial application (`outputs:` on MobileNetV2) holds the layers up "
    "to those outputs only; the catalog has no per-layer counts of applications yet",
}
"""Bundled specs whose total cannot be known without building, and why (summary builds them)."""


@pytest.mark.parametrize("path", ALL_SPECS, ids=lambda p: p.stem)
def test_bundled_spec_counts_equal_keras(path: Path) -> None:
    checked = graphspec.check(path)
    if path.stem in UNKNOWN_STATICALLY:
        assert checked.params.total is None
        return
    assert_counts_equal_keras(checked, SPEC_CACHE.graphspec(str(path)))
    expect = checked.spec.expect
    if expect is not None and expect.params is not None:
        assert checked.params.total is not None
        assert checked.params.total.total == expect.params


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_graph_counts_equal_keras(name: str) -> None:
    checked = graphspec.check(GRAPHS[name])
    assert_counts_equal_keras(checked, graphspec.build(GRAPHS[name]))


def test_submodel_nodes_are_counted_inside_it() -> None:
    checked = graphspec.check(GRAPHS["tower_twice"])
    model = graphspec.build(GRAPHS["tower_twice"])
    tower = model.get_layer("tower")
    assert checked.params.inner["tower"] == {
        "h": keras_count(tower.get_layer("h")),
        "n": keras_count(tower.get_layer("n")),
    }
    assert checked.params.shared["tower"] == keras_count(tower)


SINGLE = {**{f"shapes:{k}": v for k, v in CASES["valid"].items()}, **PARAMS}


@pytest.mark.parametrize("name", sorted(SINGLE))
def test_layer_count_equals_keras(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    case = SINGLE[name]
    spec = case_spec({k: v for k, v in case.items() if k != "unknown"})
    checked = graphspec.check(spec)
    if case.get("unknown"):
        assert checked.params.nodes["out"] is None
        assert checked.params.total is None
        return
    model = build_without_static_shapes(spec, monkeypatch)
    assert checked.params.nodes["out"] == keras_count(model.get_layer("out"))
    assert checked.params.total == keras_count(model)


APPLICATIONS = [
    ("MobileNetV2", {"include_top": False}, [97, 97, 3]),
    (
        "MobileNetV2",
        {"include_top": False, "input_shape": [97, 97, 3], "pooling": "avg"},
        [97, 97, 3],
    ),
    ("MobileNetV2", {"include_top": True, "classes": 7}, [224, 224, 3]),
    ("MobileNetV3Small", {"include_top": True, "classes": 5}, [96, 96, 3]),
    ("NASNetMobile", {"include_top": False}, [224, 224, 3]),
    ("EfficientNetB0", {"include_top": False, "input_shape": [64, 64, 3]}, [64, 64, 3]),
]


@pytest.mark.parametrize(("name", "kwargs", "shape"), APPLICATIONS, ids=lambda v: str(v))
def test_application_counts_equal_keras(
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
    model = graphspec.build(spec)
    assert checked.params.total == keras_count(model)
    assert checked.params.shared["base"] == keras_count(model.get_layer("base"))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"include_top": False, "alpha": 0.5},  # changes the weights: not in the table
        {"include_top": True, "input_shape": [96, 96, 3]},  # a top on another size
        {"include_top": False, "input_shape": [64, 64, 1]},  # another first convolution
    ],
    ids=str,
)
def test_application_counts_not_in_the_table_are_unknown(kwargs: dict[str, Any]) -> None:
    entry = ApplicationIR("MobileNetV2", {"weights": None, **kwargs}, None)  # type: ignore[arg-type]
    with pytest.raises(Undecided):
        application(entry)


def test_application_table_is_from_the_installed_keras() -> None:
    """Stale after a Keras upgrade? Run `python tools/gen_app_params.py`."""
    data = json.loads((ROOT / "graphspec/catalog/application_params.json").read_text("utf-8"))
    assert data["keras_version"] == keras.__version__
    assert set(table()) == {n for n in dir(keras.applications) if n[0].isupper()}


def test_unknown_upstream_leaves_counts_that_need_no_shape() -> None:
    spec = {
        "graphspec": 1,
        "inputs": {"x": {"shape": [8, 8, 3]}, "t": {"shape": [4], "dtype": "int32"}},
        "nodes": {
            "flip": {"layer": "RandomFlip", "inputs": "x"},
            "conv": {"layer": "Conv2D", "filters": 2, "kernel_size": 3, "inputs": "flip"},
            "drop": {"layer": "Dropout", "rate": 0.5, "inputs": "conv"},
            "emb": {"layer": "Embedding", "input_dim": 10, "output_dim": 3, "inputs": "t"},
        },
        "outputs": ["drop", "emb"],
    }
    params = infer(graphspec.check(spec).program).params
    assert params.nodes == {"flip": None, "conv": None, "drop": Count(), "emb": Count(30)}
    assert params.total is None
