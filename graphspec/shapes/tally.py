"""Parameter accounting over a program: every weight counted once (a shared callable at its
first call, as Keras builds it), sub-models as the sum of what they hold, applications from
a table of keras.applications made by tools/gen_app_params.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, cast

from graphspec.diagnostics import Problem
from graphspec.ir import (
    ApplicationIR,
    LayerIR,
    NodeIR,
    OpIR,
    Program,
    SequentialIR,
    SharedIR,
    SubGraphIR,
    Use,
)
from graphspec.shapes.core import Undecided, default_format, ints, per_config
from graphspec.shapes.params import Count, layer_count
from graphspec.shapes.rules import RULES, make_call

UNDECIDED = (Undecided, Problem, TypeError, ValueError, LookupError, AttributeError)
"""What a count raises on a call its rule does not cover: the count is unknown (None)."""

NEUTRAL = frozenset(
    {
        "weights",
        "include_top",
        "input_shape",
        "pooling",
        "classes",
        "classifier_activation",
        "name",
        "dropout",
        "dropout_rate",
        "drop_connect_rate",
    }
)
"""Application arguments that leave its weights as the table has them (classes: by formula)."""


@dataclass
class Params:
    """Static parameter counts; None wherever a count cannot be known without building."""

    nodes: dict[str, Count | None] = field(default_factory=dict)
    """Each node of the top graph: the parameters of what it calls (a shared callable's, at
    every call; the total counts them once)."""
    shared: dict[str, Count | None] = field(default_factory=dict)
    """Each shared callable that is called, by its key in Program.shared."""
    total: Count | None = None
    """The model's parameters, each weight once: Keras's count_params() and its split."""
    inner: dict[str, dict[str, Count | None]] = field(default_factory=dict)
    """Each sub-model's nodes, by its key in Program.shared."""


@cache
def table() -> dict[str, Any]:
    path = resources.files("graphspec.catalog").joinpath("application_params.json")
    found: dict[str, Any] = json.loads(path.read_text("utf-8"))["applications"]
    return found


def application(entry: ApplicationIR) -> Count:
    """keras.applications.NAME(weights=None, …) on three channels, from the table."""
    row = table().get(entry.name)
    kwargs = entry.kwargs
    if row is None or set(kwargs) - NEUTRAL or kwargs.get("weights") is not None:
        raise Undecided
    if getattr(entry, "outputs", None) or default_format() != "channels_last":
        raise Undecided  # a partial application holds fewer layers: no rule for that yet
    size = kwargs.get("input_shape")
    if size is not None and (not isinstance(size, list | tuple) or len(size) != 3):
        raise Undecided
    if size is not None and list(size[:2]) == [None, None] and size[2] == 3:
        size = None
    if size is not None and size[2] != 3:
        raise Undecided
    default = row["default_size"]
    if kwargs.get("include_top", True):
        if size is not None and list(size) != default:
            raise Undecided
        more = ints(kwargs.get("classes", 1000), 1)[0] - 1000
        trainable, frozen = row["top"]
        return Count(trainable + (row["classifier_inputs"] + 1) * more, frozen)
    if size is None:
        return Count(*row["no_top"])
    if list(size) == default or row["no_top"] == row["no_top_at_default_size"]:
        return Count(*row["no_top_at_default_size"])
    raise Undecided  # its weights depend on the input's size (NASNetLarge)


def frozen(entry: SharedIR) -> bool:
    """`trainable: false` on a shared entry: every weight of the callable is non-trainable."""
    if isinstance(entry, LayerIR):
        return entry.kwargs.get("trainable") is False
    return getattr(entry, "trainable", True) is False


Counter = Callable[["Tally", str, Any, Any, NodeIR], Count]


class Tally:
    """Counts what each node calls, as the shape walker reaches it: a new layer (or op) of a
    graph at its node's first call, a shared callable (by its key) at its first call."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.shared_counts: dict[str, Count | None] = {}
        """Each shared callable called, by key: its count at its first call."""
        self.own: dict[str, list[Count | None]] = {}
        """Each graph's new layers and ops ("" the top, else the sub-model's key): counts."""
        self.uses: dict[str, dict[str, None]] = {}
        """The keys of the shared callables each graph calls, in order."""
        self.nodes: dict[str, dict[str, Count | None]] = {}
        self.keys: dict[str, dict[str, str]] = {}
        """Each graph's `use:` nodes: the key of the callable each calls."""
        self.layers: dict[tuple[Any, ...], Count] = {}
        """Counts by layer configuration and input shape (LayerIR.config)."""

    def call(self, graph: str, node: NodeIR, given: Any) -> None:
        """Node `node` of graph `graph` ("" for the top, else the sub-model's key) is called
        on inputs of shapes `given`."""
        fn = node.callable
        nodes = self.nodes.get(graph)
        if nodes is None:
            nodes = self.nodes[graph] = {}
            self.own[graph], self.uses[graph], self.keys[graph] = [], {}, {}
        if type(fn) is Use:
            self.uses[graph][fn.key] = None
            self.keys[graph][node.id] = fn.key
            if fn.key not in self.shared_counts:
                self.shared_counts[fn.key] = self.count(node, given)
            nodes[node.id] = self.shared_counts[fn.key]
        elif node.id not in nodes:  # (a graph walked again keeps its first counts)
            nodes[node.id] = count = self.count(node, given)
            self.own[graph].append(count)

    def count(self, node: NodeIR, given: Any) -> Count | None:
        counter = CALLS.get(type(node.callable))
        if counter is None:
            return None  # a kind of node with no rule yet
        try:
            return counter(self, node, given)
        except UNDECIDED:
            return None

    def shared(self, node: NodeIR, given: Any) -> Count:
        """The parameters of the shared callable a `use:` node calls (at its first call)."""
        fn = node.callable
        assert isinstance(fn, Use)
        entry = self.program.shared[fn.key]
        found = SHARED[type(entry)](self, fn.key, entry, given, node)
        return found.frozen() if frozen(entry) else found

    def reached(self, graph: str) -> Reached:
        """What graph `graph` holds, through its sub-models, each owner once, with whether some
        path to it freezes it: a callable is one Keras object, so `trainable: false` on a
        sub-model freezes its layers wherever else they are called too."""
        found: Reached = {}
        self._reach(graph, False, found)
        return found

    def _reach(self, graph: str, frozen_: bool, found: Reached) -> None:
        _merge(found, ("new", graph), _sum(self.own.get(graph, [])), frozen_)
        for key in self.uses.get(graph, {}):
            entry = self.program.shared.get(key)
            if isinstance(entry, SubGraphIR):
                inner = frozen_ or frozen(entry)
                _merge(found, ("sub", key), None, inner)
                self._reach(key, inner, found)
            else:
                _merge(found, ("shared", key), self.shared_counts.get(key), frozen_)

    def total(self, graph: str) -> Count | None:
        return _total(self.reached(graph))

    def params(self) -> Params:
        found = self.reached("")
        # the keys of the shared callables (sub-models too) frozen on some path:
        cold = {key for (kind, key), (_, f) in found.items() if f and kind != "new"}
        nodes = self.nodes  # (as counted, where nothing is frozen on a path: most models)
        if cold:
            nodes = {g: self._frozen(g, counts, cold) for g, counts in nodes.items()}
        shared = {k: _cold(c, k in cold) for k, c in self.shared_counts.items()}
        inner = {k: v for k, v in nodes.items() if k}
        return Params(nodes.get("", {}), shared, _total(found), inner)

    def _frozen(
        self, graph: str, counts: dict[str, Count | None], cold: set[str]
    ) -> dict[str, Count | None]:
        """A graph's node counts as Keras has them: every one frozen in a frozen sub-model,
        and each call of a callable frozen on some path."""
        keys = self.keys.get(graph, {})
        return {nid: _cold(c, graph in cold or keys.get(nid) in cold) for nid, c in counts.items()}


Reached = dict[tuple[str, str], tuple[Count | None, bool]]
"""Owner → (its count, whether some path to it freezes it). An owner is ("new", GRAPH): a
graph's own new layers and ops, "" the top; ("shared", KEY): a shared callable; ("sub", KEY):
a sub-model, no count of its own (what it holds is counted by its own owners)."""


def _merge(found: Reached, owner: tuple[str, str], count: Count | None, frozen_: bool) -> None:
    seen = found.get(owner)
    found[owner] = (count, frozen_ or (seen is not None and seen[1]))


def _total(found: Reached) -> Count | None:
    """What the owners hold, each frozen where some path freezes it; None when one is unknown."""
    return _sum([_cold(c, f) for (kind, _), (c, f) in found.items() if kind != "sub"])


def _cold(count: Count | None, frozen_: bool) -> Count | None:
    return count.frozen() if frozen_ and count is not None else count


def _sum(counts: list[Count | None]) -> Count | None:
    """The counts added up; None when one is unknown."""
    if any(c is None for c in counts):
        return None
    known = cast(list[Count], counts)
    return Count(sum(c.trainable for c in known), sum(c.non_trainable for c in known))


def _layer(tally: Tally, key: str, entry: LayerIR, given: Any, node: NodeIR) -> Count:
    return layer_count(entry, given, node.call)


def _application(tally: Tally, key: str, entry: ApplicationIR, given: Any, node: NodeIR) -> Count:
    return application(entry)


def _submodel(tally: Tally, key: str, entry: SubGraphIR, given: Any, node: NodeIR) -> Count:
    found = tally.total(key)  # the walker has walked the sub-model on its declared inputs
    if found is None:
        raise Undecided
    return found


def _sequential(tally: Tally, key: str, entry: SequentialIR, given: Any, node: NodeIR) -> Count:
    """Each layer on the shape the one before it gives (the walker's chain, again)."""
    total, value = Count(), given
    for layer in entry.layers:
        total = total + layer_count(layer, value, {})
        if layer.custom or layer.class_name not in RULES:
            raise Undecided
        value = RULES[layer.class_name](make_call(layer, value, {}))
    return total


SHARED: dict[type, Counter] = {
    LayerIR: _layer,
    ApplicationIR: _application,
    SubGraphIR: _submodel,
    SequentialIR: _sequential,
}
"""Kind of shared entry → how its parameters are counted (a new kind: one function here)."""


def _new_layer(tally: Tally, node: NodeIR, given: Any) -> Count:
    assert isinstance(node.callable, LayerIR)
    return per_config(tally.layers, node.callable, given, node.call, layer_count)


def _op(tally: Tally, node: NodeIR, given: Any) -> Count:
    return Count()  # a keras.ops call holds no weights


CALLS: dict[type, Callable[[Tally, NodeIR, Any], Count]] = {
    LayerIR: _new_layer,
    OpIR: _op,
    Use: Tally.shared,
}
"""Kind of node callable → how the parameters of a call are counted (an op: one entry)."""
