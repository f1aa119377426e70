"""The oracle's canonical graph: every call of a model in a name-independent order."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import keras

# --------------------------------------------------------------------------------------
# The canonical graph
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """One tensor in a canonical graph: output ``output`` of the call at position ``call``."""

    call: int
    output: int = 0

    def __repr__(self) -> str:
        return f"#{self.call}" if self.output == 0 else f"#{self.call}[{self.output}]"


@dataclass
class Call:
    """One call of an operation (a layer, a nested model, a Keras op) in a canonical graph.

    ``arguments`` is the call's bound arguments, in signature order, with every symbolic
    tensor replaced by the ``Ref`` of its producer; ``layer`` is the position of the
    called operation in ``Graph.layers`` (equal for every call of a shared layer).
    """

    position: int
    operation: Any
    node: Any
    layer: int = -1
    arguments: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return type(self.operation).__name__

    @property
    def outputs(self) -> list[tuple[tuple[int | None, ...], str]]:
        return [(tuple(t.shape), str(t.dtype)) for t in self.node.outputs]

    def describe(self) -> str:
        return f"call #{self.position} {self.kind} (layer #{self.layer})"


@dataclass
class Graph:
    """A model's functional graph in canonical order (see ``canonical_graph``)."""

    model: Any
    calls: list[Call]
    layers: list[Any]
    inputs: list[Ref]
    outputs: list[Ref]
    skipped: list[Any]  # the naming Identity layers walked through

    def tensor(self, ref: Ref) -> Any:
        return self.calls[ref.call].node.outputs[ref.output]


def producer(tensor: Any) -> tuple[Any, Any, int]:
    """The operation that produced a symbolic tensor, the node of that call, the output index."""
    operation, node_index, tensor_index = tensor._keras_history
    return operation, operation._inbound_nodes[node_index], tensor_index


def is_keras_tensor(value: Any) -> bool:
    return getattr(value, "_keras_history", None) is not None


def bound_arguments(node: Any) -> list[tuple[str, Any]]:
    """A call's arguments by parameter name, in the order of the operation's ``call``.

    ``f(x, initial_state=s)`` and ``f(sequences=x, initial_state=s)`` bind alike. When the
    signature cannot bind them, the positional arguments come first, then the keywords
    sorted.
    """
    args, kwargs = tuple(node.arguments.args), dict(node.arguments.kwargs)
    try:
        bound = inspect.signature(node.operation.call).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return [("*args", list(args)), *sorted(kwargs.items())]
    return list(bound.arguments.items())


def flat_tensors(value: Any) -> list[Any]:
    """The symbolic tensors in a nested argument, in order (a dict's keys sorted)."""
    if is_keras_tensor(value):
        return [value]
    if isinstance(value, Mapping):
        return [t for k in sorted(value, key=str) for t in flat_tensors(value[k])]
    if isinstance(value, list | tuple):
        return [t for v in value for t in flat_tensors(v)]
    return []


def is_graph_model(layer: Any) -> bool:
    """A Functional or Sequential model: a layer with a graph of its own to walk."""
    if not isinstance(layer, keras.Model):
        return False
    try:
        outputs = layer.outputs
    except (AttributeError, ValueError):
        return False
    return bool(outputs) and all(is_keras_tensor(t) for t in outputs)


def naming_identity(model: Any, index: int) -> bool:
    """Whether output ``index`` is produced by an ``Identity`` layer named by the output."""
    operation, _, _ = producer(model.outputs[index])
    return (
        type(operation) is keras.layers.Identity
        and operation.name == list(model.output_names)[index]
    )


def canonical_graph(model: Any, *, skip_outputs: Iterable[int] = ()) -> Graph:
    """The model's calls and layers in a canonical order that does not depend on names.

    Iterative depth-first post-order from the outputs (in order) through each call's
    arguments (in ``bound_arguments`` order); inputs no output depends on come last.
    For the output indices in ``skip_outputs``, an output produced by a naming ``Identity``
    (see ``naming_identity``) is replaced by that Identity's input: the layer is left out.
    """
    outputs, skipped = list(model.outputs), []
    for index in skip_outputs:
        if naming_identity(model, index):
            operation, node, _ = producer(outputs[index])
            skipped.append(operation)
            outputs[index] = node.input_tensors[0]
    nodes: list[Any] = []
    position: dict[int, int] = {}
    stack = [(producer(t)[1], False) for t in reversed(outputs)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in position:
            continue
        if expanded:
            position[id(node)] = len(nodes)
            nodes.append(node)
            continue
        stack.append((node, True))
        for _, value in reversed(bound_arguments(node)):
            for tensor in reversed(flat_tensors(value)):
                stack.append((producer(tensor)[1], False))
    for tensor in model.inputs:  # inputs that no output depends on
        node = producer(tensor)[1]
        if id(node) not in position:
            position[id(node)] = len(nodes)
            nodes.append(node)

    def ref(tensor: Any) -> Ref:
        _, node, index = producer(tensor)
        return Ref(position[id(node)], index)

    def describe(value: Any) -> Any:
        if is_keras_tensor(value):
            return ref(value)
        if isinstance(value, Mapping):
            return {str(k): describe(value[k]) for k in sorted(value, key=str)}
        if isinstance(value, list | tuple):
            return [describe(v) for v in value]
        return value

    calls, layers, layer_index = [], [], {}
    for i, node in enumerate(nodes):
        if id(node.operation) not in layer_index:
            layer_index[id(node.operation)] = len(layers)
            layers.append(node.operation)
        arguments = [(k, describe(v)) for k, v in bound_arguments(node)]
        calls.append(Call(i, node.operation, node, layer_index[id(node.operation)], arguments))
    return Graph(
        model, calls, layers, [ref(t) for t in model.inputs], [ref(t) for t in outputs], skipped
    )


def canonical_layers(model: Any) -> list[Any]:
    """The model's layers (InputLayers included) in canonical order."""
    return canonical_graph(model).layers
