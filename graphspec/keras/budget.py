"""The parameter budget: parameters counted from declared shapes, before any is allocated."""

from __future__ import annotations

from typing import Any

from graphspec.diagnostics import BuildError, codes
from graphspec.ir import GraphIR


def count(weights: list[Any]) -> int:
    """Parameters in these weights, from their shapes (works before they are allocated)."""
    total = 0
    for v in weights:
        size = 1
        for d in v.shape:
            size *= int(d)
        total += size
    return total


def count_declared(model: Any) -> int:
    """Parameters declared by the model's weights (counted from shapes: none is allocated)."""
    return count(model.weights)


def over_budget(graph: GraphIR, model: Any, declared: int, budget: int) -> BuildError:
    """The refusal, on the node whose layer declares the most parameters."""
    largest = max(model.layers, key=count_declared)
    node = next((n for n in graph.nodes if n.id == largest.name), None)
    origin = node.origin if node else graph.origin or graph.outputs[0].origin
    return BuildError(
        origin.diagnostic(
            f"the model would have {declared:,} parameters, over the budget of {budget:,} "
            f"(raise it with --max-params); the largest layer, '{largest.name}', has "
            f"{count_declared(largest):,}",
            code=codes.PARAMETER_BUDGET,
            hint="raise the budget with --max-params N (max_params= in Python)",
        )
    )
