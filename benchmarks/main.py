"""The suite's command line: pick cases, print the machine, run them, print the table."""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import measure
from benchmarks.cases import CASES
from benchmarks.common import Case, Config
from benchmarks.report import HEADER, Row, as_json, cells, loadavg, machine, markdown


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="graphspec's benchmarks: medians over fresh processes, each ratio "
        "measured side by side, against the targets of the performance issue.",
    )
    p.add_argument("--quick", action="store_true", help="a smoke run: small sizes, one run each")
    p.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only the cases named NAME, under NAME/, or matching it as a glob "
        "(repeatable; --list shows the names)",
    )
    p.add_argument("--runs", type=int, metavar="N", help="repetitions of every measurement")
    p.add_argument("--list", action="store_true", help="list the cases and exit")
    p.add_argument("--json", metavar="FILE", help="also write every row, samples included")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown too")
    p.add_argument("--keep", metavar="DIR", help="write the generated specs to DIR and keep them")
    p.add_argument(
        "--source",
        metavar="DIR",
        help="measure the graphspec source tree DIR (a checkout or an export of another "
        "commit) instead of this checkout",
    )
    return p


def _selected(case: Case, only: list[str]) -> bool:
    return not only or any(
        case.name == o or case.name.startswith(o.rstrip("/") + "/") or fnmatch.fnmatch(case.name, o)
        for o in only
    )


def _print_row(row: Row, widths: list[int]) -> None:
    print(
        "  ".join(c.ljust(w) for c, w in zip(cells(row), widths, strict=True)).rstrip(), flush=True
    )


WIDTHS = [28, 38, 9, 34, 9, 8, 9, 10]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    cases = [c for c in CASES if _selected(c, args.only)]
    if args.list or not cases:
        for c in CASES:
            print(f"{c.name:28} {c.about}")
        return 0 if args.list else 2
    error = _option_error(args)
    if error:
        print(f"python -m benchmarks: error: {error}", file=sys.stderr)
        return 2
    info, before = _header(args)
    started = time.perf_counter()
    rows = _run(cases, args)
    after = loadavg()
    counts = {k: sum(r.result == k for r in rows) for k in ("PASS", "MISS", "SKIP", "ERROR")}
    print(f"\n{'load:':12} {after} (1, 5, 15 min) after; {time.perf_counter() - started:.0f} s")
    print("  ".join(f"{k} {v}" for k, v in counts.items()))
    if args.markdown:
        print()
        print(markdown(rows))
    if args.json:
        record: dict[str, Any] = {"machine": info, "load_before": before, "load_after": after}
        record["mode"] = _mode(args)
        record["rows"] = [as_json(r) for r in rows]
        Path(args.json).write_text(json.dumps(record, indent=1), "utf-8")
    return 1 if counts["ERROR"] else 0


def _option_error(args: argparse.Namespace) -> str | None:
    """What is wrong with --runs or --source (the source tree measured is set here)."""
    if args.runs is not None and args.runs < 1:
        return "--runs must be at least 1"
    if args.source:
        measure.SOURCE[0] = Path(args.source).resolve()
        if not (measure.SOURCE[0] / "graphspec" / "__init__.py").is_file():
            return f"no graphspec/ in {args.source}"
    return None


def _mode(args: argparse.Namespace) -> str:
    return "quick" if args.quick else "full"


def _header(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """Write the bytecode cache first, print the machine, the load and the table's header;
    the machine's description and the load before."""
    info = machine()
    info["source"] = str(measure.SOURCE[0])
    written, modules = measure.write_bytecode(measure.SOURCE[0])
    info["bytecode"] = f"written first for {written} of {modules} graphspec modules" + (
        " (PYTHONDONTWRITEBYTECODE is set)" if os.environ.get("PYTHONDONTWRITEBYTECODE") else ""
    )
    for k, v in info.items():
        print(f"{k + ':':12} {v}")
    before = loadavg()
    print(f"{'load:':12} {before} (1, 5, 15 min) before")
    print(f"{'mode:':12} {_mode(args)}, runs {args.runs or 'per case'}; times are medians\n")
    print("  ".join(h.ljust(w) for h, w in zip(HEADER, WIDTHS, strict=True)).rstrip())
    return info, before


def _run(cases: list[Case], args: argparse.Namespace) -> list[Row]:
    """Measure the cases, printing each row as it comes, the generated specs in a temporary
    directory (or --keep's)."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep).resolve() if args.keep else Path(tmp)
        measure.CWD[0] = work
        work.mkdir(parents=True, exist_ok=True)
        cfg = Config(args.runs, args.quick, work)
        for case in cases:
            for row in case.measure(cfg):
                rows.append(row)
                _print_row(row, WIDTHS)
    return rows
