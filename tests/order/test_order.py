"""Stage 4, order: deterministic topological order, cycles with their path, unused nodes."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

import graphspec
from graphspec.caps import MAX_GRAPH_DEPTH
from graphspec.diagnostics import SpecError
from graphspec.ir import GraphIR, InputIR, NodeIR, OpIR, Origin, OutputIR, Ref, RefTree
from graphspec.order import order
from graphspec.order.topological import kahn, topological, with_depth
from graphspec.order.unused import unused
from graphspec.resolve import resolve
from graphspec.resolve.unchecked import UNRESOLVED
from graphspec.syntax.document import Document
from graphspec.syntax.loader import load_file
from graphspec.syntax.validate import validate
from tests.conftest import Write


def test_nodes_in_any_order_sort_by_dependencies_then_declaration(write_spec: Write) -> None:
    path = write_spec("""
graphspec: 1
inputs: {x: {shape: [4]}}
nodes:
  out: {layer: Add, inputs: [b2, a2]}
  b2: {layer: Dense, units: 4, inputs: b1}
  a2: {layer: Dense, units: 4, inputs: a1}
  b1: {layer: Dense, units: 4, inputs: x}
  a1: {layer: Dense, units: 4, inputs: x}
outputs: [out]
""")
    order = [n.id for n in graphspec.check(path).program.graph.nodes]
    assert order == ["b1", "b2", "a1", "a2", "out"]


def test_order_is_deterministic_for_shuffled_declarations(write_spec: Write) -> None:
    """The same declaration order always gives the same build order, and it is topological."""
    rng = random.Random(7)
    names = [f"n{i}" for i in range(60)]
    deps = {n: rng.sample(names[:i], min(i, 2)) or ["x"] for i, n in enumerate(names)}
    shuffled = names[:]
    rng.shuffle(shuffled)
    lines = [
        f"  {n}: {{layer: Add, inputs: [{', '.join(deps[n] * (2 if len(deps[n]) == 1 else 1))}]}}"
        for n in shuffled
    ]
    text = (
        "graphspec: 1\ninputs: {x: {shape: [4]}}\nnodes:\n"
        + "\n".join(lines)
        + f"\noutputs: [{', '.join(names)}]\n"
    )
    path = write_spec(text)
    first = [n.id for n in graphspec.check(path).program.graph.nodes]
    second = [n.id for n in graphspec.check(path).program.graph.nodes]
    assert first == second
    seen = {"x"}
    for n in first:
        assert set(deps[n]) <= seen
        seen.add(n)


def test_cycle_is_reported_with_its_path(write_spec: Write) -> None:
    path = write_spec("""
graphspec: 1
inputs: {x: {shape: [4]}}
nodes:
  a: {layer: Add, inputs: [x, c]}
  b: {layer: Dense, units: 4, inputs: a}
  c: {layer: Dense, units: 4, inputs: b}
  d: {layer: Dense, units: 4, inputs: d}
outputs: [c, d]
""")
    with pytest.raises(SpecError) as e:
        graphspec.check(path)
    got = [(d.line, d.message) for d in e.value.diagnostics if d.severity == "error"]
    assert got == [(4, "a: cycle: a → c → b → a"), (7, "d: cycle: d → d")]


def test_cycle_through_block_formals(write_spec: Write) -> None:
    path = write_spec("""
graphspec: 1
inputs: {x: {shape: [4]}}
blocks:
  passthrough:
    inputs: [i]
    nodes: {}
    outputs: [i]
nodes:
  p: {block: passthrough, inputs: q}
  q: {block: passthrough, inputs: p}
  out: {layer: Dense, units: 1, inputs: p}
outputs: [out]
""")
    with pytest.raises(SpecError, match="cycle: "):
        graphspec.check(path)


def test_nodes_no_output_needs_are_warnings(write_spec: Write) -> None:
    path = write_spec("""
graphspec: 1
inputs: {x: {shape: [4]}}
nodes:
  used: {layer: Dense, units: 4, inputs: x}
  spare: {layer: Dense, units: 4, inputs: x}
outputs: [used]
""")
    warnings = graphspec.check(path).warnings
    assert [(w.severity, w.line, w.message) for w in warnings] == [
        ("warning", 5, "spare: no output depends on this node")
    ]


@pytest.mark.parametrize("last_first", [True, False], ids=["last_first", "in_order"])
def test_large_chain_orders(write_spec: Write, last_first: bool) -> None:
    """20,000 nodes declared last-first (Kahn's algorithm, not quadratic, nor recursive) or in
    order (one pass, which finds the depth as it goes): too deep to build, either way."""
    count = 20_000
    lines = [
        f"  n{i}: {{layer: ReLU, inputs: {'n' + str(i - 1) if i else 'x'}}}"
        for i in (reversed(range(count)) if last_first else range(count))
    ]
    path = write_spec(
        "graphspec: 1\ninputs: {x: {shape: [4]}}\nnodes:\n"
        + "\n".join(lines)
        + f"\noutputs: [n{count - 1}]\n"
    )
    doc = load_file(path)
    nodes = order(resolve(validate(doc), doc)).graph.nodes
    assert [n.id for n in nodes[:3]] == ["n0", "n1", "n2"] and len(nodes) == count
    with pytest.raises(SpecError) as e:  # Keras could not build (nor load) so long a chain
        graphspec.check(path)
    assert [d.code for d in e.value.diagnostics] == ["GS413"]
    assert e.value.diagnostics[0].id == f"n{MAX_GRAPH_DEPTH}"


@st.composite
def _graphs(draw: st.DrawFn) -> GraphIR:
    """Graphs of up to 12 nodes, each reading up to 3 of any nodes (before or after it, itself
    too: cycles included), the input, a reference that did not resolve or an id of no node
    (one read alone is sometimes a bare reference, as most nodes' are), listed in declaration
    order or shuffled; outputs are any of them, or the id of no node."""
    size = draw(st.integers(0, 12))
    names = [f"n{i}" for i in range(size)]
    origin = Origin(Document("<t>", "", None), ())
    nodes = []
    for i, nid in enumerate(names):
        reads = draw(st.lists(st.sampled_from([*names, "x", UNRESOLVED.target, "y"]), max_size=3))
        inputs: RefTree = [Ref(r) for r in reads]
        if len(reads) == 1 and draw(st.booleans()):
            inputs = Ref(reads[0])
        nodes.append(NodeIR(nid, OpIR("add", [], {}, origin, nid), inputs, {}, origin, order=i))
    if draw(st.booleans()):
        nodes = draw(st.permutations(nodes))
    x = InputIR("x", (4,), "float32", None, False, origin)
    outs = draw(st.lists(st.sampled_from([*names, "x", "y"]), max_size=3))
    return GraphIR("g", [x], nodes, [OutputIR(o, Ref(o), None, None, [], origin) for o in outs])


@given(_graphs())
def test_one_pass_order_is_kahns(graph: GraphIR) -> None:
    """Where the nodes are written in an order they can be called in, topological keeps it in
    one pass: the same order and cycles as Kahn's algorithm on every graph."""
    fast, fast_cycles = topological(graph)
    slow, slow_cycles = kahn(graph)
    assert [n.id for n in fast] == [n.id for n in slow]
    assert [d.message for d in fast_cycles] == [d.message for d in slow_cycles]


@given(_graphs())
def test_one_pass_depth_is_the_longest_chain(graph: GraphIR) -> None:
    """Where the one pass keeps the written order, the depth it finds is the longest chain of
    calls from an input, counted on Kahn's order (what order.depth.too_deep walks)."""
    depth = with_depth(graph).depth
    if depth is None:
        return
    longest: dict[str, int] = {"x": 0}
    for n in kahn(graph)[0]:
        longest[n.id] = 1 + max((longest.get(r.target, 0) for r in n.references()), default=0)
    assert depth == max([0, *longest.values()])


@given(_graphs())
def test_unused_in_one_sweep_is_the_search(graph: GraphIR) -> None:
    """On nodes in a callable order, what no output needs is found in one sweep back from the
    last node: the same warnings as the search from the outputs on the nodes as written."""
    ordered, cycles = kahn(graph)
    searched = [(d.id, d.code) for d in unused(graph)]
    if cycles:
        return
    swept = [(d.id, d.code) for d in unused(replace(graph, nodes=ordered), ordered=True)]
    assert sorted(swept, key=str) == sorted(searched, key=str)


@given(_graphs())
def test_one_pass_finds_when_all_is_needed(graph: GraphIR) -> None:
    """Where the one pass keeps the written order, it says that every input and node is
    needed exactly when the search from the outputs finds nothing unused (then order() skips
    the sweep)."""
    found = with_depth(graph)
    if found.depth is None:
        assert not found.all_needed
        return
    assert found.all_needed == (not unused(graph))
