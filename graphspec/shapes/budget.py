"""The budgets before TensorFlow: parameters (at the largest callable), values per tensor."""

from __future__ import annotations

from math import prod
from typing import cast

from graphspec.caps import MAX_TENSOR_VALUES
from graphspec.diagnostics import Diagnostic, codes
from graphspec.ir import GraphIR, InputIR, NodeIR, Origin, Program, SubGraphIR, Use
from graphspec.shapes.core import ShapeTree
from graphspec.shapes.params import Count
from graphspec.shapes.tally import Params


def _largest(program: Program, params: Params) -> tuple[NodeIR, Count] | None:
    """The node (of the top graph or a sub-model) whose callable declares the most."""
    graphs: list[tuple[GraphIR, dict[str, Count | None]]] = [(program.graph, params.nodes)]
    for key, inner in params.inner.items():
        entry = program.shared.get(key)
        if isinstance(entry, SubGraphIR):
            graphs.append((entry.graph, inner))
    best: tuple[NodeIR, Count] | None = None
    for graph, counts in graphs:
        for node in graph.nodes:
            count = counts.get(node.id)
            if count is not None and (best is None or count.total > best[1].total):
                best = (node, count)
    return best


def over_budget(program: Program, params: Params, budget: int) -> Diagnostic | None:
    """GS607 when the static count — the total, or where some counts are unknown, the largest
    callable's, which the model has at least — passes the budget; None otherwise."""
    total = params.total.total if params.total is not None else None
    if total is not None and total <= budget:
        return None  # (most models: no need to look for the largest)
    largest = _largest(program, params)
    at_least = total if total is not None else (largest[1].total if largest else 0)
    if at_least <= budget or largest is None:
        return None
    node, count = largest
    name = node.callable.shared_id if isinstance(node.callable, Use) else node.id
    amount = f"{total:,}" if total is not None else f"at least {at_least:,}"
    return node.origin.diagnostic(
        f"the model would have {amount} parameters, over the budget of {budget:,} "
        f"(raise it with --max-params); the largest layer, '{name}', has {count.total:,}",
        code=codes.PARAMETER_BUDGET,
        hint="raise the budget with --max-params N (max_params= in Python)",
    )


def _values(shape: ShapeTree) -> int:
    """The values one example of `shape` holds (the largest, for several outputs); 0 when
    some size is unknown."""
    if isinstance(shape, list):
        return max((_values(s) for s in shape), default=0)
    if not isinstance(shape, tuple) or not all(type(d) is int for d in shape[1:]):
        return 0
    return prod(cast(tuple[int, ...], shape[1:]))


def too_large(program: Program, shapes: dict[str, ShapeTree]) -> Diagnostic | None:
    """GS505 at the first input, else the first node in build order, of the top graph whose
    tensor holds more than MAX_TENSOR_VALUES values per example; None when none does."""
    distinct = {id(shape): shape for shape in shapes.values()}  # nodes alike share shapes
    sizes = {key: _values(shape) for key, shape in distinct.items()}
    if all(values <= MAX_TENSOR_VALUES for values in sizes.values()):
        return None  # (most models: no walk of the nodes, only of their distinct shapes)
    graph = program.graph
    tensors: list[tuple[str, list[InputIR] | list[NodeIR]]]
    tensors = [("input", graph.inputs), ("output", graph.nodes)]
    for what, items in tensors:
        for item in items:
            shape = shapes.get(item.id)
            values = sizes.get(id(shape), 0)  # (absent: an entry set aside by an error)
            if values > MAX_TENSOR_VALUES:
                return _too_large(item.origin, what, shape, values)
    return None


def _too_large(origin: Origin, what: str, shape: ShapeTree, values: int) -> Diagnostic:
    return origin.diagnostic(
        f"its {what} of shape {shape} holds {values:,} values per example, more "
        f"than {MAX_TENSOR_VALUES:,} (a cap of graphspec's): Keras makes it whole when "
        "it compiles or runs the model",
        code=codes.TENSOR_TOO_LARGE,
        hint="make it smaller: shapes follow from the inputs' `shape:`",
    )
