"""A layer configuration checked once (resolve.nodes.checked_layer) and its shapes and
parameters computed once (LayerIR.config): what is shared stays each node's own."""

from __future__ import annotations

import gc

import pytest

import graphspec
from graphspec.diagnostics import SpecError
from graphspec.ir import LayerIR
from tests.conftest import Write

HEAD = "graphspec: 1\ninputs: {x: {shape: [8]}}\nnodes:\n"


def test_nodes_configured_alike_keep_their_own_layer_and_position(write_spec: Write) -> None:
    nodes = "".join(
        f"  n{i}: {{layer: Dense, units: 8, activation: relu, inputs: {'x' if i == 0 else f'n{i - 1}'}}}\n"
        for i in range(3)
    )
    checked = graphspec.check(write_spec(HEAD + nodes + "outputs: [n2]\n"))
    layers = [n.callable for n in checked.program.graph.nodes]
    assert all(isinstance(layer, LayerIR) for layer in layers)
    assert len({id(layer) for layer in layers}) == 3
    assert all(
        layer.kwargs == {"units": 8, "activation": layers[0].kwargs["activation"]}
        for layer in layers
        if isinstance(layer, LayerIR)
    )
    lines = [n.origin.doc.locate(n.origin.path).line for n in checked.program.graph.nodes]
    assert lines == [4, 5, 6]
    assert checked.params.total is not None and checked.params.total.total == 3 * (8 * 8 + 8)


def test_the_same_mistake_on_every_node_is_reported_on_every_node(write_spec: Write) -> None:
    spec = HEAD + (
        "  a: {layer: Dense, units: 8, use_bias: yes, inputs: x}\n"
        "  b: {layer: Dense, units: 8, use_bias: yes, inputs: a}\n"
        "  c: {layer: Dense, units: 8, use_bias: yes, inputs: b}\n"
        "outputs: [c]\n"
    )
    with pytest.raises(SpecError) as e:
        graphspec.check(write_spec(spec))
    assert [(d.line, d.code) for d in e.value.diagnostics] == [
        (4, "GS307"),
        (5, "GS307"),
        (6, "GS307"),
    ]


@pytest.mark.parametrize(
    ("layer", "good", "bad"),
    [
        ("Dense", "units: 1", "units: true"),
        ("Conv1D", "filters: 1, kernel_size: [1]", "filters: 1, kernel_size: [true]"),
    ],
)
def test_equal_values_of_other_types_are_other_configurations(
    write_spec: Write, layer: str, good: str, bad: str
) -> None:
    """A value checked first does not let an equal one of another type through (True == 1
    in Python), nor in a list."""
    spec = "graphspec: 1\ninputs: {x: {shape: [4, 2]}}\nnodes:\n" + (
        f"  a: {{layer: {layer}, {good}, inputs: x}}\n"
        f"  b: {{layer: {layer}, {bad}, inputs: a}}\n"
        "outputs: [b]\n"
    )
    with pytest.raises(SpecError) as e:
        graphspec.check(write_spec(spec))
    assert [d.line for d in e.value.diagnostics] == [5]


def test_a_configuration_on_other_shapes_has_other_shapes_and_weights(write_spec: Write) -> None:
    spec = HEAD + (
        "  a: {layer: Dense, units: 4, inputs: x}\n"
        "  b: {layer: Dense, units: 4, inputs: a}\n"
        "  c: {layer: Dense, units: 4, inputs: b}\n"
        "  wide: {layer: Dense, units: 16, inputs: x}\n"
        "  d: {layer: Dense, units: 4, inputs: wide}\n"
        "  join: {layer: Concatenate, inputs: [c, d]}\n"
        "outputs: [join]\n"
    )
    checked = graphspec.check(write_spec(spec))
    counts = {k: c.total for k, c in checked.params.nodes.items() if c is not None}
    assert counts == {"a": 36, "b": 20, "c": 20, "wide": 144, "d": 68, "join": 0}
    assert checked.shapes["join"] == (None, 8)


def test_nested_layers_are_checked_at_each_node(write_spec: Write) -> None:
    """An argument that is a mapping (a nested layer) carries its node's position: not shared."""
    spec = (
        "graphspec: 1\ninputs: {x: {shape: [5, 3]}}\nnodes:\n"
        "  a: {layer: Bidirectional, wraps: {layer: LSTM, units: 2, return_sequences: true}, inputs: x}\n"
        "  b: {layer: Bidirectional, wraps: {layer: LSTM, units: 2, return_sequences: yes}, inputs: a}\n"
        "  c: {layer: Bidirectional, wraps: {layer: LSTM, units: 2, return_sequences: yes}, inputs: b}\n"
        "outputs: [c]\n"
    )
    with pytest.raises(SpecError) as e:
        graphspec.check(write_spec(spec))
    assert [(d.line, d.code) for d in e.value.diagnostics] == [(5, "GS307"), (6, "GS307")]
    fixed = write_spec(spec.replace("yes", "true"), "fixed.yaml")
    nodes = graphspec.check(fixed).program.graph.nodes
    inner = [n.callable.kwargs["layer"] for n in nodes if isinstance(n.callable, LayerIR)]
    assert [layer.origin.doc.locate(layer.origin.path).line for layer in inner] == [4, 5, 6]
    assert all(n.callable.config is None for n in nodes if isinstance(n.callable, LayerIR))


BLOCK = """graphspec: 1
inputs: {x: {shape: [8]}}
blocks:
  unit:
    params: {width: , act: relu}
    inputs: [a]
    nodes:
      d: {layer: Dense, units: "${width * 2}", activation: $act, inputs: a}
    outputs: [d]
nodes:
"""


def test_block_copies_with_the_same_parameters_are_each_their_own(write_spec: Write) -> None:
    uses = "".join(
        f"  u{i}: {{block: unit, width: {w}, act: {a}, inputs: {'x' if i == 0 else f'u{i - 1}'}}}\n"
        for i, (w, a) in enumerate(
            [(4, "relu"), (4, "relu"), (2, "tanh"), (4, "relu"), (2, "relu")]
        )
    )
    checked = graphspec.check(write_spec(BLOCK + uses + "outputs: [u4]\n"))
    nodes = checked.program.graph.nodes
    assert [n.id for n in nodes] == [f"u{i}_d" for i in range(5)]
    assert [n.origin.uses[-1].node for n in nodes] == [f"u{i}" for i in range(5)]
    layers = [n.callable for n in nodes if isinstance(n.callable, LayerIR)]
    assert [(layer.kwargs["units"], layer.kwargs["activation"].name) for layer in layers] == [
        (8, "relu"),
        (8, "relu"),
        (4, "tanh"),
        (8, "relu"),
        (4, "relu"),
    ]
    counts = [checked.params.nodes[n.id] for n in nodes]
    assert [c.total for c in counts if c is not None] == [72, 72, 36, 40, 36]


def test_a_parameter_that_fails_fails_at_every_use(write_spec: Write) -> None:
    uses = "".join(
        f"  u{i}: {{block: unit, width: {w}, inputs: {'x' if i == 0 else f'u{i - 1}'}}}\n"
        for i, w in enumerate(["4", "wide", "4", "wide"])
    )
    with pytest.raises(SpecError) as e:
        graphspec.check(write_spec(BLOCK + uses + "outputs: [u3]\n"))
    assert sorted({d.uses[-1].node for d in e.value.diagnostics if d.uses}) == ["u1", "u3"]


def _cycles_left(path: object) -> int:
    """Objects only the cyclic GC would free, once a check's result is dropped."""
    gc.collect()
    gc.disable()
    try:
        checked = graphspec.check(path)  # type: ignore[arg-type]
        del checked
        return gc.collect()
    finally:
        gc.enable()


def test_resolving_leaves_no_cycles_that_grow_with_the_spec(write_spec: Write) -> None:
    """Block copies and their bindings refer to each other while resolving; released after,
    so a large spec is freed by reference counting, not by a long pass of the cyclic GC."""

    def spec(uses: int) -> str:
        lines = "".join(
            f"  u{i}: {{block: unit, width: 4, inputs: {'x' if i == 0 else f'u{i - 1}'}}}\n"
            for i in range(uses)
        )
        return BLOCK + lines + f"outputs: [u{uses - 1}]\n"

    small = _cycles_left(write_spec(spec(10), "small.yaml"))
    large = _cycles_left(write_spec(spec(200), "large.yaml"))
    assert large <= small + 10, (small, large)
