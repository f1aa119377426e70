"""Compare tests/data/invalid/*.expected with what the CLI prints now; rewrite only on request.

    python tools/regen_invalid_expected.py [NAME ...]
    python tools/regen_invalid_expected.py --accept-code GS301=GS399 [--accept-code ...] NAME ...
    python tools/regen_invalid_expected.py --force [--accept-code OLD=NEW ...] NAME ...

Runs each case as tests/cli/test_invalid_specs.py does (in-process, `--no-source`, from the
cases' directory) and reports every case whose output differs from its .expected:

- `codes   NAME: GS301 → GS399 (line 2)` for each diagnostic whose ` [GSnnn]` code changed.
  Codes are promised stable, so a changed code is rewritten only when both the case and the
  change are named: `--accept-code GS301=GS399 NAME`.
- `CHANGED NAME`, with the old and new lines, when messages, positions or the number of
  lines changed: a change of behaviour, rewritten only with `--force NAME` (and its code
  changes, if any, still need --accept-code).

Without --accept-code or --force it only reports. The `#` lines of a rewritten .expected are
kept. Exit status: 0 when nothing differs any more, 1 when a difference is left (or an
--accept-code matched nothing), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import io
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INVALID = ROOT / "tests" / "data" / "invalid"
DIAGNOSTIC = re.compile(r"^\S.*?(:\d+:\d+)?: (error|warning|note): ")
CODE = re.compile(r" \[(GS\d{3})\]$")
NO_CODE = "none"
"""How a line without a code is named in a code change (`--accept-code none=GS301`)."""


def printed(case: Path, command: str) -> list[str]:
    """The diagnostic lines `graphspec COMMAND CASE --no-source` prints, run from its directory."""
    from graphspec.cli import main

    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(case.parent):
        argv = ["validate", case.name, "--no-source"]
        if command == "build":
            argv = ["build", case.name, "-o", str(Path(tmp) / "m.keras"), "--no-source"]
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


def code_of(line: str) -> str:
    m = CODE.search(line)
    return m.group(1) if m else NO_CODE


def without_code(line: str) -> str:
    return CODE.sub("", line)


@dataclass
class Diff:
    """How a case's output differs from its .expected."""

    codes: list[tuple[str, str, int]] = field(default_factory=list)
    """(old code, new code, line number in the new output) of each line whose code changed."""
    changed: bool = False
    """Messages, positions or the number of lines changed."""


def compare(old: list[str], new: list[str]) -> Diff:
    """Lines are paired by their text without the code; a code change is a paired line whose
    code differs (also within a block of lines whose messages changed, line by line)."""
    diff = Diff()
    a, b = [without_code(x) for x in old], [without_code(x) for x in new]
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            diff.changed = True
        if tag in ("equal", "replace") and i2 - i1 == j2 - j1:
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                if code_of(old[i]) != code_of(new[j]):
                    diff.codes.append((code_of(old[i]), code_of(new[j]), j + 1))
    return diff


def code_change(text: str) -> tuple[str, str]:
    """`GS301=GS399` → ("GS301", "GS399") (argparse type)."""
    m = re.fullmatch(rf"(GS\d{{3}}|{NO_CODE})=(GS\d{{3}}|{NO_CODE})", text)
    if not m or m.group(1) == m.group(2):
        raise argparse.ArgumentTypeError(f"expected OLD=NEW codes such as GS301=GS399: {text!r}")
    return m.group(1), m.group(2)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join((__doc__ or "").splitlines()[1:]),
    )
    p.add_argument("names", nargs="*", help="case names (default: report on every case)")
    p.add_argument(
        "--accept-code",
        action="append",
        default=[],
        type=code_change,
        metavar="OLD=NEW",
        help="rewrite this code change in the named cases (repeatable)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="rewrite message and position changes of the named cases",
    )
    p.add_argument(
        "--cases", type=Path, default=INVALID, metavar="DIR", help="the cases' directory"
    )
    p.add_argument("--write", action="store_true", help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    p = _parser()
    args = p.parse_args(argv)
    if args.write:
        p.error(
            "--write is gone: name the cases and the code changes (--accept-code OLD=NEW NAME ...)"
        )
    if (args.accept_code or args.force) and not args.names:
        p.error("--accept-code and --force rewrite only the cases named")
    cases: Path = args.cases.resolve()
    unknown = [n for n in args.names if not (cases / f"{n}.expected").is_file()]
    if unknown:
        p.error(f"no such case in {cases}: {', '.join(unknown)}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    accepted = set(args.accept_code)
    used: set[tuple[str, str]] = set()
    left = 0
    for name in args.names or sorted(c.stem for c in cases.glob("*.yaml")):
        left += not _case(cases, name, accepted, args.force, used)
    for a, b in sorted(accepted - used):
        print(f"--accept-code {a}={b} rewrote nothing")
    return 1 if left or accepted - used else 0


def _case(
    cases: Path, name: str, accepted: set[tuple[str, str]], force: bool, used: set[tuple[str, str]]
) -> bool:
    """Report how case NAME's output differs from its .expected and rewrite it where the
    changes are accepted (adding those to `used`); whether nothing differs any more."""
    rewriting = bool(accepted or force)  # only the cases named (main checks it)
    expected = cases / f"{name}.expected"
    comments, old, command = split(expected.read_text("utf-8"))
    new = printed(cases / f"{name}.yaml", command)
    if new == old:
        return True
    diff = compare(old, new)
    for a, b, at in diff.codes:
        print(f"codes   {name}: {a} → {b} (line {at})")
    if diff.changed:
        print(f"CHANGED {name}")
        for sign, lines in (("-", old), ("+", new)):
            for line in lines:
                print(f"    {sign} {line}")
    flags = [f"--accept-code {a}={b}" for a, b in dict.fromkeys(c[:2] for c in diff.codes)]
    flags += ["--force"] if diff.changed else []
    accepts = all((a, b) in accepted for a, b, _ in diff.codes)
    if rewriting and accepts and (force or not diff.changed):
        used.update((a, b) for a, b, _ in diff.codes)
        expected.write_text("\n".join([*comments, *new]) + "\n", "utf-8")
        print(f"        {name}.expected rewritten")
        return True
    state = "not rewritten; rewrite" if rewriting else "rewrite"
    print(f"        {name}.expected: {state} it with {' '.join(flags)} {name}")
    return False


if __name__ == "__main__":
    sys.exit(main())
