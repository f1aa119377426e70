"""The shape walker: each graph in order, each node through its rule; errors and notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphspec.diagnostics import Diagnostic, Problem, codes
from graphspec.ir import (
    ApplicationIR,
    GraphIR,
    InputsIR,
    LayerIR,
    NodeIR,
    OpIR,
    Origin,
    Program,
    Ref,
    SequentialIR,
    SubGraphIR,
    Use,
)
from graphspec.shapes import app_layers
from graphspec.shapes.apps import APPS, application
from graphspec.shapes.core import ShapeProblem, ShapeTree, Undecided, per_config
from graphspec.shapes.op_combine import op_shape
from graphspec.shapes.rules import RULES, make_call
from graphspec.shapes.tally import Params, Tally

UNKNOWN = codes.SHAPE_UNKNOWN
"""The code of the note saying a shape is unknown past a node."""

UNDECIDED = (
    Undecided,
    Problem,
    TypeError,
    ValueError,
    LookupError,
    AttributeError,
    ZeroDivisionError,
)
"""What a rule raises on a call it does not cover (arguments Keras itself would refuse to take,
an input structure the rule does not know): the shape is unknown, never a false error."""


@dataclass
class Inferred:
    """Every input's and node's shape in the top graph, and what inference found."""

    shapes: dict[str, ShapeTree]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    params: Params = field(default_factory=Params)
    """Parameter counts of every node, shared callable and sub-model, and the total."""
    inner: dict[str, dict[str, ShapeTree]] = field(default_factory=dict)
    """Each called sub-model's inputs and nodes on its declared inputs, by its shared key."""


class NoRule(Exception):
    """No static rule exists for this callable (a custom layer, an uncovered class)."""


class NoOutput(Exception):
    """A reference selects an output its callable does not have."""


def fmt(tree: ShapeTree) -> str:
    if isinstance(tree, list):
        return "[" + ", ".join(fmt(t) for t in tree) + "]"
    return "unknown" if tree is None else str(tree)


def _unknown(tree: Any) -> bool:
    if isinstance(tree, dict):
        return any(_unknown(v) for v in tree.values())
    if isinstance(tree, list):
        return any(_unknown(v) for v in tree)
    return tree is None


def select(ref: Ref, values: dict[str, ShapeTree]) -> ShapeTree:
    """The shape `ref` names; NoOutput when its index is past the callable's outputs."""
    value = values.get(ref.target)  # absent: an entry set aside by an earlier error
    if ref.index is None or value is None:
        return value
    count = len(value) if isinstance(value, list) else 1
    if ref.index < count:
        return value[ref.index] if isinstance(value, list) else value
    raise NoOutput(ref.past_outputs(count))


def fetch(tree: InputsIR, values: dict[str, ShapeTree]) -> Any:
    """The node's inputs with every reference replaced by its shape."""
    if type(tree) is Ref:  # one input (most nodes)
        return select(tree, values)
    if isinstance(tree, dict):
        return {k: fetch(v, values) for k, v in tree.items()}
    if isinstance(tree, list):
        return [fetch(v, values) for v in tree]
    return select(tree, values)


class Walker:
    """Walks graphs in order; `quiet` walkers (sub-models re-run on other shapes) only count
    errors. The first walker also tallies parameters: each callable at its first call."""

    def __init__(self, program: Program, quiet: bool = False) -> None:
        self.program = program
        self.quiet = quiet
        self.diagnostics: list[Diagnostic] = []
        self.errors = 0
        self.noted: set[str] = set()
        self.submodels: dict[str, tuple[list[ShapeTree], ShapeTree]] = {}
        self.tally = None if quiet else Tally(program)
        self.inner: dict[str, dict[str, ShapeTree]] = {}
        self.shapes: dict[tuple[Any, ...], ShapeTree] = {}
        """Output shapes by layer configuration and input shape (LayerIR.config)."""
        self.written: dict[int, dict[str, Origin]] = {}
        """Each walked graph's origins by id, by the graph's id (Walker.origins)."""

    def graph(self, graph: GraphIR, inputs: list[ShapeTree], key: str = "") -> dict[str, ShapeTree]:
        values: dict[str, ShapeTree] = {i.id: s for i, s in zip(graph.inputs, inputs, strict=True)}
        for node in graph.nodes:
            try:
                given = fetch(node.inputs, values)
            except NoOutput as e:
                given = None  # (the tally too counts it as called on unknown shapes)
                values[node.id] = None
                self.no_output(node, e)
            else:
                values[node.id] = self.node(node, given, values, graph)
            if self.tally is not None:
                self.tally.call(key, node, given)
        return values

    def origins(self, graph: GraphIR) -> dict[str, Origin]:
        """Where each input and node of `graph` is written (for messages: made at the first)."""
        found = self.written.get(id(graph))
        if found is None:
            found = {i.id: i.origin for i in graph.inputs}
            found.update((n.id, n.origin) for n in graph.nodes)
            self.written[id(graph)] = found
        return found

    def no_output(self, node: NodeIR, e: NoOutput) -> None:
        """A node reading an output its input lacks: reported; its own output is unknown."""
        self.declare_submodel(node)
        path = (*node.origin.path, "inputs")
        self.report(node.origin.diagnostic(str(e), path=path, code=codes.NO_SUCH_OUTPUT))

    def declare_submodel(self, node: NodeIR) -> None:
        fn = node.callable
        if isinstance(fn, Use) and isinstance(entry := self.program.shared[fn.key], SubGraphIR):
            self.declared(fn.key, entry.graph)  # built on its declared inputs, called or not

    def node(self, node: NodeIR, given: Any, values: dict[str, ShapeTree], graph: GraphIR) -> Any:
        """The output shape of `node` (of `graph`) called on `given` (its inputs' shapes)."""
        if type(node.callable) is Use:
            self.declare_submodel(node)
        if type(given) is not tuple and _unknown(given):  # (a tuple: one known shape)
            return None  # unknown propagates silently: the note was given upstream
        try:
            return self.apply(node, given)
        except ShapeProblem as e:
            received = describe(node.inputs, values, self.origins(graph), top=True)
            self.report(node.origin.diagnostic(f"{e}; received {received}", code=e.code))
        except NoRule as e:
            self.note(node, str(e), f"no static rule for {e}")
        except UNDECIDED:
            label = callable_label(self.program, node)
            self.note(node, f"?{label}", f"the static rule for {label} does not cover this call")
        return None

    def apply(self, node: NodeIR, given: Any) -> ShapeTree:
        fn = node.callable
        if isinstance(fn, OpIR):
            return op_shape(fn, given)
        if isinstance(fn, Use):
            entry = self.program.shared[fn.key]
            if isinstance(entry, SubGraphIR):
                return self.submodel(fn.key, entry.graph, given)
            if isinstance(entry, ApplicationIR):
                return self.application(entry, given)
            if isinstance(entry, SequentialIR):
                value: ShapeTree = given
                for inner in entry.layers:
                    value = layer_shape(inner, value, {})
                return value
            fn = entry
        return per_config(self.shapes, fn, given, node.call, layer_shape)

    def application(self, entry: ApplicationIR, given: Any) -> ShapeTree:
        if entry.outputs:  # inner layers: their shapes where the catalog knows them
            return app_layers.outputs(entry.name, entry.kwargs, entry.outputs, given)
        if entry.name not in APPS and not entry.kwargs.get("include_top", True):
            raise NoRule(f"application {entry.name}")
        return application(entry.name, entry.kwargs, given)

    def submodel(self, key: str, graph: GraphIR, given: Any) -> ShapeTree:
        """A sub-model's outputs: inferred once on its declared inputs (reporting), again
        quietly when it is called on other shapes (Keras re-runs its layers on them)."""
        inputs, result = self.declared(key, graph)
        if isinstance(given, dict):
            actual = [given.get(i.id) for i in graph.inputs]
        else:
            actual = given if isinstance(given, list) else [given]
        if actual == inputs:
            return result
        if len(actual) != len(inputs) or _unknown(actual):
            raise Undecided
        quiet = Walker(self.program, quiet=True)
        quiet.submodels = self.submodels
        values = quiet.graph(graph, actual)
        if quiet.errors:
            raise Undecided
        return outputs(graph, values)

    def declared(self, key: str, graph: GraphIR) -> tuple[list[ShapeTree], ShapeTree]:
        """A sub-model walked once on its declared inputs: those shapes and its outputs'."""
        if key not in self.submodels:
            inputs = declared(graph)
            self.inner[key] = self.graph(graph, inputs, key)
            self.submodels[key] = (inputs, outputs(graph, self.inner[key]))
        return self.submodels[key]

    def report(self, d: Diagnostic) -> None:
        self.errors += d.severity == "error"
        if not self.quiet:
            self.diagnostics.append(d)

    def note(self, node: NodeIR, key: str, why: str) -> None:
        if key in self.noted:
            return
        self.noted.add(key)
        message = f"shape unknown past this node: {why}; build checks it"
        self.report(node.origin.diagnostic(message, severity="note", code=UNKNOWN))


def layer_shape(layer: LayerIR, given: Any, call: dict[str, Any]) -> ShapeTree:
    """A layer's output shape by its class's rule; NoRule where it has none."""
    if layer.custom or layer.class_name not in RULES:
        raise NoRule(layer.class_name)
    return RULES[layer.class_name](make_call(layer, given, call))


def declared(graph: GraphIR) -> list[ShapeTree]:
    """The shapes a graph's inputs declare, batch axis first."""
    return [(i.batch_size, *i.shape) for i in graph.inputs]


def outputs(graph: GraphIR, values: dict[str, ShapeTree]) -> ShapeTree:
    try:
        found = [select(o.ref, values) for o in graph.outputs]
    except NoOutput:
        return None
    return found[0] if len(found) == 1 else found


def callable_label(program: Program, node: NodeIR) -> str:
    fn = node.callable
    if isinstance(fn, OpIR):
        return f"op {fn.name}"
    if isinstance(fn, LayerIR):
        return fn.class_name
    entry = program.shared.get(fn.key)
    if isinstance(entry, LayerIR):
        return entry.class_name
    if isinstance(entry, ApplicationIR):
        return f"application {entry.name}"
    if isinstance(entry, SequentialIR):
        return f"sequential {fn.shared_id}"
    return f"sub-model {fn.shared_id}"


def describe(
    tree: InputsIR, values: dict[str, ShapeTree], origins: dict[str, Origin], top: bool = False
) -> str:
    """Each input with its shape and the line of the node or input that produced it."""
    if isinstance(tree, dict):
        return ", ".join(f"{k}: {describe(v, values, origins)}" for k, v in tree.items())
    if isinstance(tree, list):
        inner = ", ".join(describe(v, values, origins) for v in tree)
        return inner if top else f"[{inner}]"
    text = f"{tree} {fmt(select(tree, values))}"
    origin = origins.get(tree.target)
    if origin is not None:
        text += f" from line {origin.doc.locate(origin.path).line}"
    return text


def infer(program: Program) -> Inferred:
    """Static shapes of the program's top graph: errors where Keras would refuse a call, one
    note per layer class whose shape cannot be known statically (unknown propagates)."""
    walker = Walker(program)
    graph = program.graph
    shapes = walker.graph(graph, declared(graph))
    params = walker.tally.params() if walker.tally is not None else Params()
    return Inferred(shapes, walker.diagnostics, params, walker.inner)
