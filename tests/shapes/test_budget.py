"""The parameter budget is enforced from static counts, before TensorFlow: on the largest
layer's line, the total when known, else at least the largest callable's count."""

from __future__ import annotations

from typing import Any

import pytest

import graphspec
from graphspec.diagnostics import SpecError
from tests.conftest import Write


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
    big = ("big", {"layer": "Dense", "units": 300_000, "inputs": "x"})  # 1.2 * 10^9
    with pytest.raises(SpecError, match="over the budget of 1,000,000,000"):
        graphspec.check(spec(big))
    assert graphspec.check(spec(big), max_params=10**13).params.total is not None
    with pytest.raises(SpecError) as e:  # within the budget, its output is past the tensor cap
        graphspec.check(spec(HUGE), max_params=10**13)
    assert [d.code for d in e.value.diagnostics] == ["GS505"]


RELU = "  r: {layer: ReLU, inputs: x}\n"
REPEAT = "  r: {layer: RepeatVector, n: 100000000, inputs: x}\n"


@pytest.mark.parametrize(
    ("shape", "node", "line"),
    [
        ("[16384, 16384]", RELU, None),  # 2^28 values: at the cap, allowed
        ("[16384, 16385]", RELU, 2),  # one row more: the input is refused
        ("[4]", REPEAT, 4),  # (None, 10^8, 4): the output is refused
        ("[null, 16384, 16385]", RELU, None),  # a size unknown: not counted
    ],
)
def test_a_tensor_past_the_cap_is_refused_before_keras(
    write_spec: Write, shape: str, node: str, line: int | None
) -> None:
    """GS505: Keras would make the tensor whole when it compiles (a batch of one) or runs."""
    text = f"graphspec: 1\ninputs: {{x: {{shape: {shape}}}}}\nnodes:\n{node}outputs: [r]\n"
    path = write_spec(text)
    if line is None:
        graphspec.check(path)
        return
    with pytest.raises(SpecError) as e:
        graphspec.check(path)
    assert [(d.line, d.code) for d in e.value.diagnostics] == [(line, "GS505")]
