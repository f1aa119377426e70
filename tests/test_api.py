"""The Python API: load, check, build; and a fuzz of the whole pipeline before building."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphspec
from graphspec.diagnostics import GraphSpecError
from tests.conftest import SPECS, Write


def test_load_returns_pydantic_models() -> None:
    spec = graphspec.load(SPECS / "seed" / "multi_output.yaml")
    assert isinstance(spec, graphspec.Spec)
    assert list(spec.inputs) == ["posts"]
    assert spec.inputs["posts"].dtype == "int32"
    assert spec.output_options()["age"].loss_weight == 0.25
    assert spec.document is not None and spec.document.file.endswith("multi_output.yaml")


def test_build_accepts_a_path_a_spec_or_a_mapping() -> None:
    data = {
        "graphspec": 1,
        "inputs": {"x": {"shape": [3]}},
        "nodes": {"d": {"layer": "Dense", "units": 2, "inputs": "x"}},
        "outputs": ["d"],
    }
    model = graphspec.build(data)
    assert model.count_params() == 8 and model.name == "model"
    with pytest.raises(graphspec.SpecError) as e:
        graphspec.build({**data, "nodes": {"d": {"layer": "Dens", "inputs": "x"}}})
    assert e.value.diagnostics[0].message == "d: unknown layer 'Dens'; did you mean 'Dense'?"


def test_errors_carry_file_line_column_path_and_id(write_spec: Write) -> None:
    path = write_spec(
        "graphspec: 1\ninputs: {x: {shape: [3]}}\nnodes:\n  d: {layer: Dense, units: 2, inputs: y}\noutputs: [d]\n"
    )
    with pytest.raises(GraphSpecError) as e:
        graphspec.load(path) and graphspec.check(path)
    d = e.value.diagnostics[0]
    assert (d.file, d.line, d.column, d.path, d.id) == (
        str(path),
        4,
        39,
        ("nodes", "d", "inputs"),
        "d",
    )


_KEYS = [
    "graphspec",
    "inputs",
    "nodes",
    "outputs",
    "shared",
    "blocks",
    "layer",
    "use",
    "block",
    "shape",
    "dtype",
    "units",
    "params",
    "args",
    "call",
    "repeat",
    "graph",
    "spec",
    "application",
    "loss",
    "x",
    "y",
    "d",
    "name",
    "wraps",
    "compile",
    "expect",
]
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 300),
    st.sampled_from(
        ["Dense", "x", "y", "d", "x.0", "d.NAME", "$x", "${x*2}", "relu", "LSTM", "Add", "", "1"]
    ),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda c: st.one_of(
        st.lists(c, max_size=4), st.dictionaries(st.sampled_from(_KEYS), c, max_size=5)
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=7))
def test_any_mapping_checks_or_raises_graphspec_error(data: dict[str, Any]) -> None:
    """Fuzz: whatever the spec says, every stage before emit answers with diagnostics."""
    data = {"graphspec": 1, **data}
    try:
        graphspec.check(data)
    except GraphSpecError as e:
        assert e.diagnostics and all(d.message for d in e.diagnostics)


_REFS = st.sampled_from(["x", "x", "n0", "n1", "n2", "n3", "n1.0", "b0", "b0.out", "b0.1", "no"])
_INPUTS = st.one_of(
    _REFS,
    _REFS,
    st.lists(_REFS, min_size=1, max_size=3),
    st.dictionaries(st.sampled_from(["i", "inputs", "query"]), _REFS, max_size=2),
)
_NODE = st.one_of(
    st.fixed_dictionaries(
        {"layer": st.sampled_from(["Dense", "ReLU", "Add", "Dens", "Lambda"]), "inputs": _INPUTS},
        optional={"units": st.sampled_from([2, 4, "$w", "no"]), "repeat": st.integers(0, 3)},
    ),
    st.fixed_dictionaries(
        {"block": st.sampled_from(["blk", "blk", "loop", "nope"]), "inputs": _INPUTS},
        optional={"w": st.sampled_from([1, 4, "x"]), "repeat": st.integers(0, 3)},
    ),
    st.fixed_dictionaries(
        {"use": st.sampled_from(["shared_dense", "shared_dense", "blk", "nope"]), "inputs": _INPUTS}
    ),
)
_BLOCKS = {
    "blk": {
        "params": {"w": 2},
        "inputs": ["i"],
        "nodes": {
            "d": {"layer": "Dense", "units": "${w * 2}", "inputs": "i"},
            "out": {"layer": "ReLU", "inputs": "d"},
        },
        "outputs": ["out"],
    },
    "loop": {"inputs": ["i"], "nodes": {"o": {"block": "loop", "inputs": "i"}}, "outputs": ["o"]},
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.sampled_from(["n0", "n1", "n2", "n3", "b0"]), _NODE, min_size=1),
    st.lists(
        st.sampled_from(["n0", "n1", "n2", "n3", "b0", "x"]), min_size=1, max_size=3, unique=True
    ),
)
def test_random_graphs_check_or_raise_graphspec_error(
    nodes: dict[str, Any], outputs: list[str]
) -> None:
    """Fuzz resolve and order: references, selectors, blocks, repeats and cycles at random."""
    data = {
        "graphspec": 1,
        "inputs": {"x": {"shape": [4]}},
        "nodes": nodes,
        "outputs": outputs,
        "blocks": _BLOCKS,
        "shared": {"shared_dense": {"layer": "Dense", "units": 4}},
    }
    try:
        checked = graphspec.check(data)
    except GraphSpecError as e:
        assert e.diagnostics and all(d.message for d in e.diagnostics)
        return
    ids = [n.id for n in checked.program.graph.nodes]
    assert len(ids) == len(set(ids))


def test_checking_runs_without_the_cyclic_garbage_collector(
    write_spec: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its passes over a large spec's many small objects made checking superlinear; it is
    paused for the check, and enabled again after (also when the check fails)."""
    import gc

    import graphspec.api

    seen: list[bool] = []
    resolve_all = graphspec.api.resolve_all

    def spy(*args: Any) -> Any:
        seen.append(gc.isenabled())
        return resolve_all(*args)

    monkeypatch.setattr(graphspec.api, "resolve_all", spy)
    good = "graphspec: 1\ninputs: {x: {shape: [4]}}\nnodes: {d: {layer: Dense, units: 2, inputs: x}}\noutputs: [d]\n"
    assert gc.isenabled()
    graphspec.check(write_spec(good))
    with pytest.raises(graphspec.GraphSpecError):
        graphspec.check(write_spec(good.replace("Dense", "Dens")))
    assert seen == [False, False] and gc.isenabled()
