"""`graphspec check A B …` reports every spec, whatever the ones before it gave."""

from __future__ import annotations

import pytest

from graphspec.cli import main
from tests.conftest import Write

GOOD = """
graphspec: 1
inputs: {x: {shape: [4]}}
nodes:
  d: {layer: Dense, units: 2, inputs: x}
outputs: [d]
expect: {params: 10}
"""


@pytest.mark.parametrize(
    "first",
    [
        GOOD.replace("Dense", "Dens"),  # invalid
        GOOD.replace("params: 10", "params: 11"),  # builds, breaks its expect
        GOOD.replace("  d: {layer", "  u: {layer: ReLU, inputs: x}\n  d: {layer"),  # a warning
    ],
    ids=["invalid", "expect_broken", "warning_under_strict"],
)
def test_a_spec_that_fails_does_not_skip_the_next(
    first: str, write_spec: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = write_spec(first, "a.yaml"), write_spec(GOOD, "b.yaml")
    assert main(["check", "--strict", "--no-source", str(a), str(b)]) == 1
    out, err = capsys.readouterr()
    assert f"{b}: ok (10 parameters)" in out
    assert str(a) in err and str(b) not in err


def test_every_spec_is_reported_when_several_fail(
    write_spec: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = [write_spec(GOOD.replace("Dense", f"Dens{i}"), f"s{i}.yaml") for i in range(3)]
    assert main(["check", "--no-source", *map(str, specs)]) == 1
    err = capsys.readouterr().err
    assert [f"unknown layer 'Dens{i}'" in err for i in range(3)] == [True] * 3
