"""What writing one graph keeps track of: its ids, which calls are shared, the references of
its tensors, and the spec data written so far; and what a whole import shares."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphspec.diagnostics import Diagnostic, codes
from graphspec.keras import compat
from graphspec.keras.importer.names import Ids, as_id
from graphspec.keras.importer.problems import Unwritable
from graphspec.keras.importer.values import LayerArguments

CallKey = tuple[int, int]
"""A call: (id of the operation, which of its calls)."""


@dataclass
class Session:
    """One import: layer arguments (memoised), the plugin classes by spec name, the problems
    found, and how to write a sub-model's graph."""

    source: str
    custom: Mapping[type, str]
    submodel: Callable[[Any, str], dict[str, Any]]
    arguments: LayerArguments = field(default_factory=LayerArguments)
    problems: list[Diagnostic] = field(default_factory=list)
    home: dict[int, int] = field(default_factory=dict)
    """Each operation's graph (by the id of its model): one graph may call it, not two."""


@dataclass
class GraphState:
    """One graph (the top model or a sub-model) being written."""

    session: Session
    model: Any
    where: str
    calls: list[compat.Call]
    inputs: dict[int, str] = field(default_factory=dict)
    """Input id of each input tensor's InputLayer (by the layer's id)."""
    node_ids: dict[CallKey, str] = field(default_factory=dict)
    shared_ids: dict[int, str] = field(default_factory=dict)
    outputs_of: dict[CallKey, int] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)
    nodes: dict[str, Any] = field(default_factory=dict)
    ids: Ids = field(default_factory=Ids)
    times: Counter[int] = field(default_factory=Counter)
    """How many calls of each operation (by its id) the graph has."""

    def __post_init__(self) -> None:
        self.times = Counter(id(c.operation) for c in self.calls)
        self.outputs_of = {(id(c.operation), c.index): len(c.outputs) for c in self.calls}

    def called_more_than_once(self, operation: Any) -> bool:
        return self.times[id(operation)] > 1

    def ref(self, tensor: Any) -> str:
        """`id` or `id.K`: the reference of a tensor of this graph."""
        made = compat.producer(tensor)
        if made is None:
            raise Unwritable("it reads a tensor with no history in the graph", codes.IMPORT_GRAPH)
        operation, index, output = made
        if id(operation) in self.inputs:
            return self.inputs[id(operation)]
        key = (id(operation), index)
        if key not in self.node_ids:
            raise Unwritable(
                f"it reads a tensor of '{operation.name}', which is not in this graph",
                codes.IMPORT_GRAPH,
            )
        node = self.node_ids[key]
        return node if self.outputs_of[key] == 1 else f"{node}.{output}"

    def share(self, operation: Any, entry: Callable[[], dict[str, Any]]) -> str:
        """The shared id of an operation called from here, its entry written on first use."""
        sid = self.shared_ids[id(operation)]
        if sid not in self.shared:
            self.shared[sid] = entry()
        return sid


def claim_ids(state: GraphState, shares: Callable[[Any], bool]) -> None:
    """Every id of the graph, valid Keras names first (kept as they are), then the mapped
    ones, then the ids of `use:` nodes (`SHARED_call`, `SHARED_call2`, …)."""
    wanted: list[tuple[str, Callable[[str], None]]] = []
    for tensor in state.model.inputs:  # named as the model names its inputs: by the tensor
        layer = compat.producer(tensor)
        if layer is not None:
            name = str(getattr(tensor, "name", None) or layer[0].name)
            wanted.append((name, _setter(state.inputs, id(layer[0]))))
    seen: set[int] = set()
    uses: list[compat.Call] = []
    for call in state.calls:
        op = call.operation
        if shares(op):
            uses.append(call)
            if id(op) not in seen:
                seen.add(id(op))
                wanted.append((op.name, _setter(state.shared_ids, id(op))))
        else:
            wanted.append((op.name, _setter(state.node_ids, (id(op), call.index))))
    for valid in (True, False):
        for name, assign in wanted:
            if (as_id(name) == name) is valid:
                assign(state.ids.claim(name))
    _claim_uses(state, uses)


def _claim_uses(state: GraphState, uses: list[compat.Call]) -> None:
    number: Counter[int] = Counter()
    for call in uses:
        op = call.operation
        number[id(op)] += 1
        sid = state.shared_ids[id(op)]
        suffix = "" if number[id(op)] == 1 else str(number[id(op)])
        state.node_ids[(id(op), call.index)] = state.ids.claim(f"{sid}_call{suffix}")


def _setter(target: dict[Any, str], key: Any) -> Callable[[str], None]:
    def assign(value: str) -> None:
        target[key] = value

    return assign
