"""Rewrite tests/data/invalid/*.expected from what the CLI prints now, keeping `#` lines.

    python tools/regen_invalid_expected.py [NAME ...] [--write] [--force]

Runs each case as tests/cli/test_invalid_specs.py does (in-process, `--no-source`, from the
data directory). Without --write it only reports. With --write it rewrites the cases whose
lines differ from the expected ones only by their ` [GSnnn]` codes; a case whose messages,
positions or number of lines changed is listed as CHANGED and rewritten only with --force —
review those by hand: they mean a change of behaviour.
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
INVALID = ROOT / "tests" / "data" / "invalid"
DIAGNOSTIC = re.compile(r"^\S.*?(:\d+:\d+)?: (error|warning|note): ")
CODE = re.compile(r" \[GS\d{3}\]$")


def printed(case: Path, command: str) -> list[str]:
    """The diagnostic lines `graphspec COMMAND CASE --no-source` prints, run from INVALID."""
    from graphspec.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        argv = ["validate", case.name, "--no-source"]
        if command == "build":
            argv = ["build", case.name, "-q", "-o", str(Path(tmp) / "m.keras"), "--no-source"]
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            main(argv)
    return [line for line in err.getvalue().splitlines() if DIAGNOSTIC.match(line)]


def split(text: str) -> tuple[list[str], list[str], str]:
    """The `#` lines, the diagnostic lines, and the command the directive names."""
    comments = [line for line in text.splitlines() if line.startswith("#")]
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    command = next(
        (m.group(1) for c in comments if (m := re.fullmatch(r"#\s*command:\s*(\S+)", c))),
        "validate",
    )
    return comments, lines, command


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*", help="case names (default: every case)")
    p.add_argument("--write", action="store_true", help="rewrite code-only changes")
    p.add_argument("--force", action="store_true", help="rewrite other changes too")
    args = p.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.chdir(INVALID)
    sys.path.insert(0, str(ROOT))
    names = args.names or sorted(p.stem for p in INVALID.glob("*.yaml"))
    changed = 0
    for name in names:
        expected = INVALID / f"{name}.expected"
        comments, old, command = split(expected.read_text("utf-8"))
        new = printed(INVALID / f"{name}.yaml", command)
        if new == old:
            continue
        code_only = [CODE.sub("", line) for line in new] == [CODE.sub("", line) for line in old]
        print(f"{'codes  ' if code_only else 'CHANGED'} {name}")
        if not code_only:
            changed += 1
            for sign, lines in (("-", old), ("+", new)):
                for line in lines:
                    print(f"    {sign} {line}")
        if args.write and (code_only or args.force):
            expected.write_text("\n".join([*comments, *new]) + "\n", "utf-8")
    return 1 if changed and not args.force else 0


if __name__ == "__main__":
    sys.exit(main())
