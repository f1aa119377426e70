"""The reporter: each file's lines read and split once, however many diagnostics it has."""

from __future__ import annotations

import io

import pytest

from graphspec.cli import main, report
from graphspec.cli.report import Reporter, UsageError, spec_file
from graphspec.diagnostics import Diagnostic, codes
from tests.conftest import Write


def test_a_file_is_split_into_lines_once(
    write_spec: Write, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """20,000 duplicate keys: one split of the file, not one a diagnostic (once quadratic)."""
    splits: list[str] = []
    split = report.lines

    def counting(text: str) -> list[str]:
        splits.append(text)
        return split(text)

    monkeypatch.setattr(report, "lines", counting)
    body = "  d: {layer: Dense, units: 2, inputs: x}\n" * 2_001
    spec = write_spec("graphspec: 1\ninputs: {x: {shape: [4]}}\nnodes:\n" + body + "outputs: [d]\n")
    assert main(["validate", str(spec)]) == 1
    err = capsys.readouterr().err
    assert err.count("duplicate key 'd'") == 2_000 and len(splits) == 1
    assert err.count("      d: {layer: Dense, units: 2, inputs: x}") == 2_000


def test_report_says_whether_its_own_diagnostics_fail() -> None:
    rep = Reporter(io.StringIO(), strict=True, show_source=False)
    warning = Diagnostic("w", "s.yaml", code=codes.UNUSED_NODE, severity="warning")
    note = Diagnostic("n", "s.yaml", code=codes.SHAPE_UNKNOWN, severity="note")
    assert rep.report([note]) is False and not rep.failed
    assert rep.report([warning]) is True and rep.failed
    assert rep.report([note]) is False  # this spec's own: a failure before is not one now


@pytest.mark.parametrize("name", ["x" * 5_000, "d/" * 3_000 + "x.yaml"])
def test_a_path_too_long_for_the_system_is_a_usage_error(name: str) -> None:
    with pytest.raises(UsageError, match="cannot use the spec path: File name too long"):
        spec_file(name)
