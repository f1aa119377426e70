"""What a built model takes and gives, for `graphspec fit`: every input's shape and dtype, the
integer range an Embedding allows it, and every output's target as its loss wants it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphspec.ir import CompileIR, GraphIR, LayerIR, Named, NodeIR, Program, Ref, SubGraphIR, Use

BOUNDED = {"Embedding": ("input_dim", 0), "CategoryEncoding": ("num_tokens", 0)}
"""Layers that take integers below one of their arguments (keyword, position)."""

PASS_THROUGH = {
    "Reshape",
    "Flatten",
    "Permute",
    "RepeatVector",
    "Identity",
    "Cropping1D",
    "Concatenate",
    "Masking",
}
"""Layers whose output holds their input's values (so an Embedding after them bounds them)."""

LOSS_KINDS = {
    "sparsecategoricalcrossentropy": "sparse",
    "circle": "sparse",
    "categoricalcrossentropy": "categorical",
    "categoricalfocalcrossentropy": "categorical",
    "categoricalhinge": "categorical",
    "binarycrossentropy": "binary",
    "bce": "binary",
    "binaryfocalcrossentropy": "binary",
    "hinge": "binary",
    "squaredhinge": "binary",
    "dice": "binary",
    "tversky": "binary",
    "kld": "distribution",
    "kldivergence": "distribution",
    "ctc": "unsupported",
}
"""What each loss wants as targets (by name, case and underscores ignored); any other loss
is a regression: floats of the output's shape."""


@dataclass(frozen=True)
class Tensor:
    """One input of the model: its id, shape without the batch axis, and dtype."""

    name: str
    shape: tuple[int | None, ...]
    dtype: str


@dataclass(frozen=True)
class Target:
    """One output: its id, shape without the batch axis, dtype, and the kind of target its
    loss wants (a key of LOSS_KINDS' values, or `regression`; `none` without a loss)."""

    name: str
    shape: tuple[int | None, ...]
    dtype: str
    kind: str
    loss: str | None = None

    @property
    def label_shape(self) -> tuple[int | None, ...]:
        """The shape of one target: class numbers drop the last axis (`sparse`)."""
        return self.shape[:-1] if self.kind == "sparse" else self.shape


@dataclass(frozen=True)
class Signature:
    inputs: list[Tensor]
    targets: list[Target]
    bounds: dict[str, tuple[int, str]] = field(default_factory=dict)
    """Input id → (the integers it may hold are below this, the layer that says so)."""


def loss_kind(loss: Named | None) -> str:
    if loss is None:
        return "none"
    return LOSS_KINDS.get(loss.name.replace("_", "").lower(), "regression")


def output_losses(names: list[str], compiled: CompileIR | None) -> dict[str, Named | None]:
    """Each output's loss: its own, or the model-wide one."""
    loss = compiled.loss if compiled else None
    if isinstance(loss, dict):
        return {n: loss.get(n) for n in names}
    return dict.fromkeys(names, loss)


def signature(model: Any, program: Program) -> Signature:
    """The model's inputs and outputs as built, with the program's losses and bounds."""
    inputs = [Tensor(t.name, tuple(t.shape[1:]), str(t.dtype)) for t in model.inputs]
    names = list(model.output_names)
    losses = output_losses(names, program.compile)
    targets = [
        Target(n, tuple(t.shape[1:]), str(t.dtype), loss_kind(losses[n]), _name(losses[n]))
        for n, t in zip(names, model.outputs, strict=True)
    ]
    return Signature(inputs, targets, integer_bounds(program.graph, program))


def _name(loss: Named | None) -> str | None:
    return None if loss is None else loss.name


def integer_bounds(graph: GraphIR, program: Program) -> dict[str, tuple[int, str]]:
    """For each input of `graph` that reaches an Embedding (or CategoryEncoding) directly or
    through layers that keep values (Reshape, Concatenate, …; sub-models followed), the
    smallest bound it meets, with that layer's id."""
    inputs = {i.id for i in graph.inputs}
    carried: dict[str, set[str]] = {i: {i} for i in inputs}
    bounds: dict[str, tuple[int, str]] = {}
    for node in graph.nodes:
        refs = node.references()
        sources = set().union(*(carried.get(r.target, set()) for r in refs)) if refs else set()
        callable_ = node.callable
        layer = program.shared.get(callable_.key) if isinstance(callable_, Use) else callable_
        if isinstance(layer, LayerIR):
            limit = _bound(layer)
            if limit is not None:
                for source in sources:
                    _lower(bounds, source, limit, node.id)
            elif layer.class_name in PASS_THROUGH:
                carried[node.id] = sources
        elif isinstance(layer, SubGraphIR):
            _through_submodel(node, layer.graph, program, carried, bounds)
    return bounds


def _bound(layer: LayerIR) -> int | None:
    if layer.class_name not in BOUNDED:
        return None
    keyword, position = BOUNDED[layer.class_name]
    value = layer.kwargs.get(keyword, layer.args[position] if len(layer.args) > position else None)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _lower(bounds: dict[str, tuple[int, str]], source: str, limit: int, where: str) -> None:
    if source not in bounds or limit < bounds[source][0]:
        bounds[source] = (limit, where)


def _through_submodel(
    node: NodeIR,
    graph: GraphIR,
    program: Program,
    carried: dict[str, set[str]],
    bounds: dict[str, tuple[int, str]],
) -> None:
    """A sub-model's own bounds, mapped back to the outer inputs its arguments carry."""
    inner = integer_bounds(graph, program)
    args = node.inputs if isinstance(node.inputs, list) else [node.inputs]
    for formal, actual in zip(graph.inputs, args, strict=False):
        if formal.id in inner and isinstance(actual, Ref):
            limit, where = inner[formal.id]
            for source in carried.get(actual.target, set()):
                _lower(bounds, source, limit, f"{node.id} ({where})")
