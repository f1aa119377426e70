"""`graphspec validate --only-specs`: YAML files that are not specs are skipped, not failed."""

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
"""


def test_only_specs_skips_other_yaml(capsys: pytest.CaptureFixture[str], write_spec: Write) -> None:
    good = write_spec(GOOD, "good.yaml")
    bad = write_spec(GOOD.replace("Dense", "Dens"), "bad.yaml")
    other = write_spec("repos: []\n# graphspec is mentioned here\n", "other.yaml")
    broken = write_spec("graphspec: 1\nnodes: [unclosed\n", "broken.yaml")
    assert main(["validate", str(other)]) == 1  # without the flag, every file is a spec
    capsys.readouterr()
    assert main(["validate", "--only-specs", str(good), str(other)]) == 0
    assert capsys.readouterr().err == ""
    assert main(["validate", "--only-specs", str(other), str(bad), str(broken)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:4:14: error: d: unknown layer 'Dens'" in err
    assert f"{broken}:3:1: error: invalid YAML" in err
    assert str(other) not in err
