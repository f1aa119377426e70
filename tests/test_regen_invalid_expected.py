"""tools/regen_invalid_expected.py: a changed code is reported, and rewritten only when both the
case and the code change are named; a changed message needs --force. Run on a temporary copy of
one case whose .expected was tampered with."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASE = "unknown_layer"
PRINTED = "unknown_layer.yaml:5:19: error: hidden: unknown layer 'Dens'; did you mean 'Dense'?"
"""What graphspec prints for the case, without its code (GS301)."""
Capture = pytest.CaptureFixture[str]


@pytest.fixture(scope="module")
def tool() -> Iterator[ModuleType]:
    """The tool as a module (tools/ is not a package)."""
    path = ROOT / "tools" / "regen_invalid_expected.py"
    spec = importlib.util.spec_from_file_location("regen_invalid_expected", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # for its dataclasses
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def copy_case(tmp_path: Path, expected: str) -> Path:
    """The case in a directory of its own, with `expected` as its .expected; that file's path."""
    shutil.copy(ROOT / "tests" / "data" / "invalid" / f"{CASE}.yaml", tmp_path)
    path = tmp_path / f"{CASE}.expected"
    path.write_text(expected, "utf-8")
    return path


def run(tool: ModuleType, capsys: Capture, cases: Path, *argv: str) -> tuple[object, str]:
    """The tool's exit status and what it printed."""
    try:
        status = tool.main(["--cases", str(cases), *argv])
    except SystemExit as e:  # argparse: a usage error
        status = e.code
    out, err = capsys.readouterr()
    return status, out + err


def test_the_case_is_as_expected_untampered(
    tool: ModuleType, tmp_path: Path, capsys: Capture
) -> None:
    copy_case(tmp_path, f"{PRINTED} [GS301]\n")
    assert run(tool, capsys, tmp_path) == (0, "")


TAMPERED = f"# a comment the tool keeps\n{PRINTED} [GS399]\n"
"""The .expected as if the code had been GS399: the CLI now prints GS301, a code change."""


def test_a_changed_code_is_only_reported(tool: ModuleType, tmp_path: Path, capsys: Capture) -> None:
    expected = copy_case(tmp_path, TAMPERED)
    status, out = run(tool, capsys, tmp_path)
    assert status == 1
    assert f"codes   {CASE}: GS399 → GS301 (line 1)" in out
    assert f"--accept-code GS399=GS301 {CASE}" in out  # how to ask for it
    assert expected.read_text("utf-8") == TAMPERED


@pytest.mark.parametrize(
    "argv",
    [
        ["--accept-code", "GS399=GS301"],  # the code change, but no case named
        [CASE],  # the case, but no code change
        ["--force", CASE],  # --force does not accept a code change
        ["--accept-code", "GS399=GS302", CASE],  # another code change
        ["--accept-code", "GS301=GS399", CASE],  # the change the other way round
        ["--write"],  # the old way of rewriting every code change
        ["--write", CASE],
    ],
)
def test_a_changed_code_is_not_rewritten_unless_named(
    tool: ModuleType, tmp_path: Path, capsys: Capture, argv: list[str]
) -> None:
    expected = copy_case(tmp_path, TAMPERED)
    status, out = run(tool, capsys, tmp_path, *argv)
    assert status != 0, out
    assert expected.read_text("utf-8") == TAMPERED


def test_naming_the_case_and_the_code_change_rewrites_it(
    tool: ModuleType, tmp_path: Path, capsys: Capture
) -> None:
    expected = copy_case(tmp_path, TAMPERED)
    status, out = run(tool, capsys, tmp_path, "--accept-code", "GS399=GS301", CASE)
    assert status == 0, out
    assert f"{CASE}.expected rewritten" in out
    assert expected.read_text("utf-8") == f"# a comment the tool keeps\n{PRINTED} [GS301]\n"
    assert run(tool, capsys, tmp_path) == (0, "")


def test_a_changed_message_needs_force(tool: ModuleType, tmp_path: Path, capsys: Capture) -> None:
    old = "unknown_layer.yaml:5:19: error: hidden: no layer 'Dens' [GS301]\n"
    expected = copy_case(tmp_path, old)
    status, out = run(tool, capsys, tmp_path)
    assert (status, expected.read_text("utf-8")) == (1, old)
    assert f"CHANGED {CASE}" in out and "codes " not in out
    status, out = run(tool, capsys, tmp_path, "--accept-code", "GS301=GS399", CASE)
    assert (status, expected.read_text("utf-8")) == (1, old)
    status, out = run(tool, capsys, tmp_path, "--force", CASE)
    assert status == 0, out
    assert expected.read_text("utf-8") == f"{PRINTED} [GS301]\n"


def test_a_changed_message_and_code_need_both(
    tool: ModuleType, tmp_path: Path, capsys: Capture
) -> None:
    old = "unknown_layer.yaml:5:19: error: hidden: no layer 'Dens' [GS399]\n"
    expected = copy_case(tmp_path, old)
    status, out = run(tool, capsys, tmp_path, "--force", CASE)
    assert (status, expected.read_text("utf-8")) == (1, old)
    assert f"codes   {CASE}: GS399 → GS301 (line 1)" in out
    status, out = run(tool, capsys, tmp_path, "--force", "--accept-code", "GS399=GS301", CASE)
    assert status == 0, out
    assert expected.read_text("utf-8") == f"{PRINTED} [GS301]\n"
