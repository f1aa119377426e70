"""The checked program as a drawing: boxes, edges and clusters, for `graphspec plot` to render."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphspec.ir import (
    ApplicationIR,
    GraphIR,
    InputsIR,
    NodeIR,
    Origin,
    Program,
    Ref,
    SubGraphIR,
    Use,
)
from graphspec.shapes import Count, Inferred, ShapeTree
from graphspec.views.facts import callable_label, count_text, shape_text, training


@dataclass
class Box:
    """One drawn node: an input, a layer call, a shared callable, an output, a collapsed
    cluster or a node that did not resolve."""

    key: str
    title: str
    kind: str
    what: str
    shape: str = ""
    params: Count | None = None
    counted: bool = False
    """Whether the box holds parameters (`params` None then means unknown)."""
    cluster: str | None = None
    lines: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    """The ids of the spec's elements the box stands for (a shared callable: its calls)."""
    origin: Origin | None = None


@dataclass
class Edge:
    tail: str
    head: str
    label: str = ""
    shape: str = ""


@dataclass
class Cluster:
    """A block copy (`block`) or a sub-model (`submodel`), inside `parent`."""

    key: str
    title: str
    kind: str
    parent: str | None

    def depth(self, clusters: dict[str, Cluster]) -> int:
        parent = clusters.get(self.parent) if self.parent else None
        return 1 + (parent.depth(clusters) if parent else 0)


@dataclass
class Drawing:
    name: str
    title: str = ""
    boxes: dict[str, Box] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    clusters: dict[str, Cluster] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    """Problems that belong to no drawn box."""

    def add(self, box: Box) -> Box:
        return self.boxes.setdefault(box.key, box)

    def members(self) -> dict[str | None, tuple[list[Box], list[Cluster]]]:
        """The boxes and clusters directly inside each cluster (None: the top level)."""
        found: dict[str | None, tuple[list[Box], list[Cluster]]] = {None: ([], [])}
        for key in self.clusters:
            found[key] = ([], [])
        for box in self.boxes.values():
            found[box.cluster][0].append(box)
        for cluster in self.clusters.values():
            found[cluster.parent][1].append(cluster)
        return found


@dataclass
class Source:
    """Where a value of the graph is drawn from: a box, and which call of it made the value."""

    box: str
    call: str = ""
    """`call 2` for the second call of a shared callable called more than once."""
    named: bool = False
    """Whether edges name the value (`left_output`): the box does not (a shared callable)."""
    outputs: list[str] | None = None
    """For a sub-model's call: the box of each of its outputs."""


@dataclass
class Scope:
    """One graph being drawn: its box-key prefix, the cluster it sits in, its facts."""

    prefix: str
    cluster: str | None
    shapes: dict[str, ShapeTree]
    params: dict[str, Count | None]
    sources: dict[str, Source] = field(default_factory=dict)


class Drawer:
    """Draws the top graph and, once each, the sub-models and shared callables it calls."""

    def __init__(self, program: Program, inferred: Inferred) -> None:
        self.program = program
        self.inferred = inferred
        self.drawing = Drawing(program.graph.name)
        self.calls: dict[str, int] = {}
        self.total_calls = program.shared_calls()
        self.submodels: dict[str, tuple[dict[str, str], list[str]]] = {}

    def draw(self) -> Drawing:
        top = Scope("", None, self.inferred.shapes, self.inferred.params.nodes)
        self.graph(self.program.graph, top)
        self.outputs(self.program.graph, top)
        for box in self.drawing.boxes.values():
            if box.kind in ("shared", "application") and len(box.ids) > 1:
                box.lines = [calls_line(box.ids)]
        return self.drawing

    def graph(self, graph: GraphIR, scope: Scope) -> None:
        homes = shared_homes(graph, scope, self.program)
        for i in graph.inputs:
            key = scope.prefix + i.id
            what = f"Input {i.dtype}" + (" sparse" if i.sparse else "")
            shape = shape_text(scope.shapes.get(i.id))
            box = Box(key, i.id, "input", what, shape, cluster=scope.cluster, ids=[i.id])
            box.origin = i.origin
            self.drawing.add(box)
            scope.sources[i.id] = Source(key)
        for node in graph.nodes:
            self.node(node, scope, homes)

    def node(self, node: NodeIR, scope: Scope, homes: dict[str, str | None]) -> None:
        fn = node.callable
        shape = shape_text(scope.shapes.get(node.id))
        cluster = block_cluster(self.drawing, node.origin, scope)
        if not isinstance(fn, Use):
            key = scope.prefix + node.id
            kind, what = callable_label(fn)
            box = Box(key, local_name(node), kind, what, shape, cluster=cluster, ids=[node.id])
            box.params, box.counted, box.origin = scope.params.get(node.id), True, node.origin
            self.drawing.add(box)
            self.connect(node.inputs, key, scope)
            scope.sources[node.id] = Source(key)
            return
        number = self.calls[fn.key] = self.calls.get(fn.key, 0) + 1
        entry = self.program.shared[fn.key]
        calls = f"call {number}" if self.total_calls[fn.key] > 1 else ""
        if isinstance(entry, SubGraphIR):
            inputs, outputs = self.submodel(fn.key, fn.shared_id, entry, scope)
            self.connect_call(node, entry.graph, inputs, scope, calls)
            scope.sources[node.id] = Source("", "", True, outputs)  # edges name the call
            return
        key = f"shared:{fn.key}"
        if isinstance(entry, ApplicationIR):
            kind, what = "application", f"{entry.name} application"
        else:
            kind, what = "shared", callable_label(entry)[1]
        box = Box(key, fn.shared_id, kind, what, cluster=homes.get(fn.key))
        box = self.drawing.add(box)
        box.params, box.counted, box.origin = (
            self.inferred.params.shared.get(fn.key),
            True,
            entry.origin,
        )
        box.ids.append(node.id)
        box.shape = shape if number == 1 or box.shape == shape else ""
        self.connect(node.inputs, key, scope, calls)
        scope.sources[node.id] = Source(key, calls, True)

    def submodel(
        self, key: str, sid: str, entry: SubGraphIR, scope: Scope
    ) -> tuple[dict[str, str], list[str]]:
        """A sub-model's cluster, drawn at its first call: its input boxes, its output boxes."""
        if key in self.submodels:
            return self.submodels[key]
        cluster = f"{scope.prefix}model:{key}"
        calls = self.total_calls[key]
        count = count_text(self.inferred.params.shared.get(key), True)
        name = f" {entry.graph.name}" if entry.graph.name != sid else ""
        tag = f", {calls} calls" if calls > 1 else ""
        title = f"{sid} (sub-model{name}{tag}) · {count}"
        self.drawing.clusters[cluster] = Cluster(cluster, title, "submodel", scope.cluster)
        inner = Scope(
            f"{scope.prefix}{key}/",
            cluster,
            self.inferred.inner.get(key, {}),
            self.inferred.params.inner.get(key, {}),
        )
        self.graph(entry.graph, inner)
        inputs = {i.id: inner.sources[i.id].box for i in entry.graph.inputs}
        outputs = [self.source_box(o.ref, inner) for o in entry.graph.outputs]
        self.submodels[key] = (inputs, outputs)
        return inputs, outputs

    def source_box(self, ref: Ref, scope: Scope) -> str:
        """The box a sub-model's output `ref` is drawn from (its inner producer)."""
        source = scope.sources.get(ref.target)
        if source is None:
            return ""
        if source.outputs is not None:
            index = ref.index or 0
            return source.outputs[index] if index < len(source.outputs) else ""
        return source.box

    def connect(self, tree: InputsIR, head: str, scope: Scope, calls: str = "") -> None:
        """Edges from each reference of a node's inputs into box `head`."""
        for keyword, ref in references(tree):
            for tail, made_by in self.tails(ref, scope):
                label = join(calls, keyword, made_by)
                shape = shape_text(select(scope.shapes, ref))
                self.drawing.edges.append(Edge(tail, head, label, shape))

    def connect_call(
        self, node: NodeIR, graph: GraphIR, inputs: dict[str, str], scope: Scope, calls: str
    ) -> None:
        """Edges from a sub-model call's inputs into the sub-model's input boxes."""
        tree = node.inputs
        formal = [i.id for i in graph.inputs]
        if isinstance(tree, dict):
            pairs = [(inputs.get(k, ""), v) for k, v in tree.items()]
        elif isinstance(tree, list) and len(formal) > 1:
            pairs = [(inputs.get(f, ""), v) for f, v in zip(formal, tree, strict=False)]
        else:
            pairs = [(inputs.get(formal[0], ""), tree)] if formal else []
        for head, value in pairs:
            if head:
                self.connect(value, head, scope, join(calls, node.id))

    def tails(self, ref: Ref, scope: Scope) -> list[tuple[str, str]]:
        """The boxes a reference's value comes out of, with the call that made it."""
        source = scope.sources.get(ref.target)
        if source is None:
            return []
        if source.outputs is None:
            return [(source.box, value_label(source, ref))]
        chosen = source.outputs if ref.index is None else source.outputs[ref.index : ref.index + 1]
        return [(box, value_label(source, ref)) for box in chosen if box]

    def outputs(self, graph: GraphIR, scope: Scope) -> None:
        settings = training(self.program)
        for o in graph.outputs:
            key = f"output:{o.id}"
            box = Box(key, o.id, "output", "output", ids=[o.id], origin=o.origin)
            box.lines = settings.get(o.id, [])
            self.drawing.add(box)
            for tail, label in self.tails(o.ref, scope):
                shape = shape_text(select(scope.shapes, o.ref))
                self.drawing.edges.append(Edge(tail, key, label, shape))


CALLS_LISTED = 6
"""At most this many calls of a shared callable are named in its box."""


def calls_line(ids: list[str]) -> str:
    """`calls: 1 left_output, 2 right_output` (the first few, and how many, when many)."""
    named = [f"{i} {c}" for i, c in enumerate(ids[:CALLS_LISTED], 1)]
    more = f", … ({len(ids)} calls)" if len(ids) > CALLS_LISTED else ""
    return "calls: " + ", ".join(named) + more


def local_name(node: NodeIR) -> str:
    """A node's id inside the block copy it was written in (`conv1` of `down1_skip_conv1`)."""
    prefix = "".join(f"{u.node}_" + (f"{u.copy}_" if u.copies else "") for u in node.origin.uses)
    return node.id.removeprefix(prefix) if prefix and node.id.startswith(prefix) else node.id


def value_label(source: Source, ref: Ref) -> str:
    """What an edge says of the value it carries: `call 2 · right_output`, `enc.1`."""
    named = source.named or ref.index is not None
    return join(source.call, str(ref) if named else "")


def join(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def references(tree: Any, keyword: str = "") -> list[tuple[str, Ref]]:
    """Every reference of a node's inputs, with the call keyword it is passed under."""
    if isinstance(tree, Ref):
        return [(keyword, tree)]
    if isinstance(tree, dict):
        return [r for k, v in tree.items() for r in references(v, k)]
    if isinstance(tree, list):
        return [r for v in tree for r in references(v, keyword)]
    return []


def select(shapes: dict[str, ShapeTree], ref: Ref) -> ShapeTree:
    value = shapes.get(ref.target)
    if ref.index is None or not isinstance(value, list):
        return value
    return value[ref.index] if ref.index < len(value) else None


def block_cluster(drawing: Drawing, origin: Origin, scope: Scope) -> str | None:
    """The cluster of the innermost block copy a node was written in (made on first sight)."""
    parent = scope.cluster
    key = f"{scope.prefix}block:"
    for use in origin.uses:
        key += f"{use.node}.{use.copy}/"
        if key not in drawing.clusters:
            drawing.clusters[key] = Cluster(key, str(use), "block", parent)
        parent = key
    return parent


def shared_homes(graph: GraphIR, scope: Scope, program: Program) -> dict[str, str | None]:
    """Where each shared layer or application called in `graph` is drawn: in the block copy
    that makes all its calls, else at the graph's own level."""
    found: dict[str, set[str | None]] = {}
    for node in graph.nodes:
        fn = node.callable
        if isinstance(fn, Use) and not isinstance(program.shared[fn.key], SubGraphIR):
            probe = Drawing("")
            found.setdefault(fn.key, set()).add(block_cluster(probe, node.origin, scope))
    homes: dict[str, str | None] = {}
    for key, clusters in found.items():
        homes[key] = next(iter(clusters)) if len(clusters) == 1 else scope.cluster
    return homes


def drawing(program: Program, inferred: Inferred) -> Drawing:
    """The program drawn: block copies and sub-models as nested clusters, each shared
    callable once with its calls numbered, the outputs with their training settings."""
    return Drawer(program, inferred).draw()
