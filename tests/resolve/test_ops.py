"""`op:` nodes before building: the allow-list, binding to the signature, blocks and sub-models."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

import graphspec
from graphspec.catalog import ops, registry
from graphspec.diagnostics import SpecError
from graphspec.ir import OpIR, Ref, SubGraphIR
from tests.conftest import ROOT


def spec(nodes: dict[str, Any], outputs: list[str], **more: Any) -> dict[str, Any]:
    inputs = {"x": {"shape": [4, 6]}, "y": {"shape": [4, 6]}}
    return {"graphspec": 1, "inputs": inputs, "nodes": nodes, "outputs": outputs, **more}


def codes_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as e:
        graphspec.check(data)
    return [d.code for d in e.value.diagnostics if d.severity == "error"]


def test_the_allow_list_holds_the_contracts_functions_and_refuses_the_loops() -> None:
    contract = [
        "add",
        "subtract",
        "multiply",
        "divide",
        "power",
        "negative",
        "abs",
        "square",
        "sqrt",
        "exp",
        "log",
        "maximum",
        "minimum",
        "clip",
        "sum",
        "mean",
        "max",
        "min",
        "norm",
        "normalize",
        "reshape",
        "transpose",
        "expand_dims",
        "squeeze",
        "concatenate",
        "stack",
        "flip",
        "matmul",
        "cast",
        "relu",
        "relu6",
        "sigmoid",
        "hard_sigmoid",
        "softmax",
        "gelu",
        "silu",
        "tanh",
    ]
    assert set(contract) <= set(ops.ALLOWED)
    functions = set(registry.data()["op_functions"])
    assert set(ops.ALLOWED) <= functions
    assert set(ops.REFUSED) <= functions
    assert not set(ops.REFUSED) & set(ops.ALLOWED)
    for name in ("cond", "while_loop", "map", "scan", "vectorized_map", "custom_gradient"):
        assert name in ops.REFUSED
    assert sorted(registry.data()["ops"]) == sorted(ops.ALLOWED)


def test_an_op_node_is_one_call_with_its_constants() -> None:
    checked = graphspec.check(
        spec(
            {
                "d": {"op": "norm", "inputs": "x", "axis": -1, "keepdims": True},
                "s": {"op": "add", "inputs": "d", "args": [3.0]},
                "j": {"op": "concatenate", "inputs": [["x", "y"]], "axis": -1},
            },
            ["s", "j"],
        )
    )
    nodes = {n.id: n for n in checked.program.graph.nodes}
    norm, add, joined = (nodes[k].callable for k in ("d", "s", "j"))
    assert norm == OpIR("norm", [], {"axis": -1, "keepdims": True}, norm.origin, "d")
    assert (add.name, add.args, add.keras_name) == ("add", [3.0], "s_op")  # an output: ID_op
    assert isinstance(joined, OpIR) and joined.keras_name == "j_op"
    assert nodes["j"].inputs == [[Ref("x"), Ref("y")]]
    assert nodes["d"].inputs == [Ref("x")]
    assert checked.shapes["d"] == (None, 4, 1)
    assert checked.shapes["j"] == (None, 4, 12)


def test_an_op_in_a_block_takes_parameters_in_args_and_keywords() -> None:
    block = {
        "params": {"k": None, "shift": 3.0},
        "inputs": ["i"],
        "nodes": {
            "shifted": {"op": "add", "inputs": "i", "args": ["$shift"]},
            "top": {"op": "$f", "inputs": "shifted", "axis": "${k - 1}", "keepdims": True},
        },
        "outputs": ["top"],
    }
    block["params"]["f"] = "mean"
    data = spec(
        {"b": {"block": "g", "k": 3, "shift": 0.5, "repeat": 2, "inputs": "x"}},
        ["b"],
        blocks={"g": block},
    )
    checked = graphspec.check(data)
    nodes = {n.id: n.callable for n in checked.program.graph.nodes}
    assert sorted(nodes) == ["b_1_shifted", "b_1_top", "b_2_shifted", "b_2_top"]
    assert nodes["b_2_shifted"].args == [0.5]
    top = nodes["b_2_top"]
    assert (
        isinstance(top, OpIR) and top.name == "mean" and top.kwargs == {"axis": 2, "keepdims": True}
    )
    assert checked.shapes["b_2_top"] == (None, 4, 1)


def test_an_op_in_a_sub_model() -> None:
    inner = {
        "inputs": {"v": {"shape": [6]}},
        "nodes": {"n": {"op": "normalize", "inputs": "v"}},
        "outputs": ["n"],
    }
    data = spec({"a": {"use": "g", "inputs": "x"}}, ["a"], shared={"g": {"graph": inner}})
    checked = graphspec.check(data)
    entry = checked.program.shared["g"]
    assert isinstance(entry, SubGraphIR)
    [node] = entry.graph.nodes
    assert isinstance(node.callable, OpIR) and node.callable.keras_name == "n_op"
    assert checked.shapes["a"] == (None, 4, 6)


@pytest.mark.parametrize(
    ("node", "code"),
    [
        ({"op": "nrom", "inputs": "x"}, "GS360"),
        ({"op": "scan", "inputs": "x"}, "GS361"),
        ({"op": "sum", "inputs": "x", "axes": 1}, "GS362"),
        ({"op": "sum", "inputs": "x", "args": [1], "axis": 1}, "GS363"),
        ({"op": "reshape", "inputs": "x"}, "GS364"),
        ({"op": "relu", "inputs": "x", "args": [1]}, "GS365"),
        ({"op": "clip", "inputs": ["x", "y"], "args": [1.0]}, "GS366"),
        ({"op": "concatenate", "inputs": "x"}, "GS367"),
        ({"op": "add", "inputs": [["x", "y"], "y"]}, "GS367"),
        ({"op": "sum", "inputs": "x", "axis": {"a": 1}}, "GS230"),
        ({"op": "add", "inputs": {"x1": "x", "x2": "y"}}, "GS231"),
        ({"op": "add", "inputs": [[["x"]]]}, "GS231"),
        ({"op": "relu", "inputs": "x", "call": {"training": True}}, "GS211"),
        ({"op": "relu", "layer": "ReLU", "inputs": "x"}, "GS210"),
        ({"op": "cast", "inputs": "x", "dtype": "float33"}, "GS209"),
        ({"op": "softmax", "inputs": "x", "axis": [1, 2]}, "GS502"),
    ],
)
def test_op_mistakes_are_found_before_building(node: dict[str, Any], code: str) -> None:
    assert codes_of(spec({"o": node}, ["o"])) == [code]


def test_an_operation_name_taken_by_another_node() -> None:
    data = spec(
        {"s": {"op": "relu", "inputs": "x"}, "s_op": {"layer": "ReLU", "inputs": "s"}},
        ["s", "s_op"],
    )
    assert codes_of(data) == ["GS403"]


def test_docs_list_every_allowed_op_with_its_arguments() -> None:
    """Stale? Run `python tools/regen_ops_doc.py`."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "regen_ops_doc.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    text = (ROOT / "docs" / "language.md").read_text("utf-8")
    for name in ops.ALLOWED:
        assert f"- `{ops.op(name).signature()}` — tensors: " in text, name
