"""The parameter budget is enforced from static counts, before TensorFlow: on the largest
layer's line, the total when known, else at least the largest callable's count."""

from __future__ import annotations

from typing import Any

import pytest

import graphspec
from graphspec.diagnostics import SpecError


def spec(*nodes: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "graphspec": 1,
        "inputs": {"x": {"shape": [4096]}},
        "nodes": dict(nodes),
        "outputs": [nodes[-1][0]],
    }


HUGE = ("huge", {"layer": "Dense", "units": 2_000_000_000, "inputs": "x"})


def test_a_model_over_the_budget_is_refused_by_check_on_its_largest_layer() -> None:
    with pytest.raises(SpecError) as e:
        graphspec.check(spec(HUGE, ("out", {"layer": "Dense", "units": 1, "inputs": "huge"})))
    [d] = e.value.errors
    assert (d.code, d.id, d.path) == ("GS607", "huge", ("nodes", "huge"))
    total = 4096 * 2_000_000_000 + 2_000_000_000 + 2_000_000_000 + 1
    assert f"would have {total:,} parameters, over the budget of 1,000,000,000" in d.message
    assert "the largest layer, 'huge', has 8,194,000,000,000" in d.message


def test_with_unknown_counts_the_largest_known_is_a_lower_bound() -> None:
    unknown = ("flip", {"layer": "RandomFlip", "inputs": "huge"})  # no static rule
    with pytest.raises(SpecError) as e:
        graphspec.check(spec(HUGE, unknown))
    [d] = e.value.errors
    assert "would have at least 8,194,000,000,000 parameters" in d.message


def test_the_budget_is_a_parameter_and_the_default_admits_what_fits() -> None:
    model = spec(("small", {"layer": "Dense", "units": 10, "inputs": "x"}))
    assert graphspec.check(model).params.total is not None
    with pytest.raises(SpecError, match="over the budget of 1,000"):
        graphspec.check(model, max_params=1_000)
    assert graphspec.check(spec(HUGE), max_params=10**13).params.total is not None
