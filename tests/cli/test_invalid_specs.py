"""Every bad spec in tests/data/invalid/ against the exact diagnostics it must produce.

Each NAME.yaml has a NAME.expected beside it (format: tests/data/invalid/README.md).
The CLI runs in-process with the data directory as the working directory, so the
printed paths are the ones written in the .expected files.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

from graphspec.cli import main
from tests.conftest import ROOT

INVALID = ROOT / "tests" / "data" / "invalid"
CASES = sorted(INVALID.glob("*.yaml"))

DIAGNOSTIC = re.compile(r"^\S.*?(:\d+:\d+)?: (error|warning|note): ")
COMMANDS = ("validate", "build")


@dataclass
class Expected:
    command: str
    lines: list[str]

    def has(self, severity: str) -> bool:
        return any(DIAGNOSTIC.match(line).group(2) == severity for line in self.lines)  # type: ignore[union-attr]


def read_expected(path: Path) -> Expected:
    command = "validate"
    lines: list[str] = []
    for raw in path.read_text("utf-8").splitlines():
        line = raw.rstrip()
        if line.startswith("#"):
            m = re.fullmatch(r"#\s*command:\s*(\S+)", line)
            if m:
                command = m.group(1)
                assert command in COMMANDS, f"{path.name}: unknown command {command!r}"
            continue
        if line:
            assert DIAGNOSTIC.match(line), f"{path.name}: not a diagnostic line: {line!r}"
            lines.append(line)
    assert lines, f"{path.name}: no expected diagnostics"
    return Expected(command, lines)


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, list[str], str]:
    """Run the CLI; return its exit status, the diagnostic lines and all of its output."""
    capsys.readouterr()
    try:
        status = main(argv)
    except SystemExit as e:  # argparse
        status = e.code if isinstance(e.code, int) else 2
    except BaseException:
        out, err = capsys.readouterr()
        pytest.fail(
            f"graphspec {' '.join(argv)} raised instead of reporting:\n"
            f"{traceback.format_exc()}\nstderr so far:\n{err}"
        )
    out, err = capsys.readouterr()
    text = out + err
    assert "Traceback (most recent call last)" not in text, text
    diagnostics = [line for line in err.splitlines() if DIAGNOSTIC.match(line)]
    return status, diagnostics, text


@pytest.mark.parametrize("spec", CASES, ids=[p.name for p in CASES])
def test_invalid_spec(
    spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = read_expected(spec.with_suffix(".expected"))
    monkeypatch.chdir(INVALID)
    out = tmp_path / "m.keras"
    if expected.command == "build":
        argv = ["build", spec.name, "-o", str(out), "--no-source"]
    else:
        argv = ["validate", spec.name, "--no-source"]

    status, lines, text = run(capsys, argv)
    assert lines == expected.lines, f"graphspec {' '.join(argv)} printed:\n{text}"
    if expected.has("error"):
        assert status == 1, text
        assert not out.exists(), "a model was saved despite errors"
        return

    assert status == 0, f"warnings and notes alone must not fail the run:\n{text}"
    status, lines, text = run(capsys, [*argv, "--strict"])
    assert lines == expected.lines, f"graphspec {' '.join(argv)} --strict printed:\n{text}"
    if expected.has("warning"):
        assert status == 1, f"--strict must fail on warnings:\n{text}"
    else:
        assert status == 0, f"--strict must not fail on notes:\n{text}"


def test_every_case_has_its_expectation() -> None:
    specs = {p.stem for p in INVALID.glob("*.yaml")}
    expectations = {p.stem for p in INVALID.glob("*.expected")}
    assert sorted(specs - expectations) == [], "specs without a .expected"
    assert sorted(expectations - specs) == [], ".expected files without a spec"
    assert len(specs) >= 40
