"""Rerun every example spec in docs/diagnostics.md and rewrite the output printed below it.

    python tools/regen_diagnostics_doc.py [--write]

Each `### GSnnn — title` section's ```yaml block is saved as spec.yaml and run the way
tests/diagnostics/test_diagnostics.py runs it (validate; build for GS6xx; check for GS7xx; always
--no-source); the ```text block after it is replaced by what graphspec printed. Without
--write, the sections whose output changed are listed; review them before writing. A new
code needs its section written by hand first: its title and explanation from
graphspec/diagnostics/codes.py, and an example spec.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "diagnostics.md"
EXAMPLE = re.compile(r"\A((GS\d{3}).*?^```yaml\n(.*?)^```\n\n```text\n)(.*?)(^```$)", re.M | re.S)
"""A section's example (the doc is split at `### `): its code, spec and printed output."""
COMMANDS = {"6": "build", "7": "check"}


def printed(code: str, spec: str) -> str:
    """What `graphspec COMMAND spec.yaml --no-source` prints on stderr for this example."""
    from graphspec.cli import main

    command = COMMANDS.get(code[2], "validate")
    with tempfile.TemporaryDirectory() as tmp:
        here = Path(tmp) / "dir"
        here.mkdir()
        (here / "spec.yaml").write_text(spec, "utf-8")
        argv = [command, "spec.yaml", "--no-source"]
        if command == "build":
            argv += ["-o", str(Path(tmp) / "m.keras")]
        err = io.StringIO()
        cwd = Path.cwd()
        os.chdir(here)
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                main(argv)
        finally:
            os.chdir(cwd)
    return err.getvalue()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--write", action="store_true", help="rewrite docs/diagnostics.md")
    args = p.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, str(ROOT))
    text = DOC.read_text("utf-8")
    changed: list[str] = []

    def refresh(m: re.Match[str]) -> str:
        now = printed(m.group(2), m.group(3))
        if now != m.group(4):
            changed.append(m.group(2))
            print(f"{m.group(2)}:\n  was: {m.group(4)!r}\n  now: {now!r}")
        return m.group(1) + now + m.group(5)

    new = "### ".join(EXAMPLE.sub(refresh, part, count=1) for part in text.split("### "))
    if args.write and changed:
        DOC.write_text(new, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
