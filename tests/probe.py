"""Run code or the CLI in a fresh interpreter and read which top-level modules it imported."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

_MODULES = "\nimport sys\nprint(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"


def imported_by(code: str, env: dict[str, str] | None = None) -> tuple[set[str], str, str]:
    """The top-level modules a fresh interpreter (on this checkout) has imported after running
    `code`, what `code` printed, and its stderr. The modules are read from the probe's own last
    line: what `code` prints, a help text say, is not a module."""
    full = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        **(env or {}),
    }
    run = subprocess.run(
        [sys.executable, "-c", code + _MODULES],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env=full,
    )
    assert run.returncode == 0, run.stderr
    *printed, last = run.stdout.splitlines()
    return set(last.split()), "\n".join(printed), run.stderr


def cli_probe(
    argv: list[str], env: dict[str, str] | None = None, after: str = ""
) -> tuple[int, set[str], str, str]:
    """`graphspec ARGV` in a fresh interpreter: its status (an argparse exit counts, as for
    --help), the top-level modules it imported, what it and `after` printed, and its stderr."""
    code = (
        "from graphspec.cli import main\ntry:\n    code = main("
        + repr(argv)
        + ")\nexcept SystemExit as e:\n    code = e.code or 0\n"
        + after
        + "\nprint(code)"
    )
    modules, printed, err = imported_by(code, env)
    *lines, status = printed.splitlines()
    return int(status), modules, "\n".join(lines), err
