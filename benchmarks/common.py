"""What the cases share: the configuration, a case, an error row, validate in fresh children."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.measure import ChildFailed, probe, turn
from benchmarks.report import Row


@dataclass
class Config:
    """What the command line asked for, and where generated specs go."""

    runs: int | None  # None: each case's own default
    quick: bool
    work: Path  # where generated specs are written
    progress: Callable[[str], None] = field(default=lambda _: None)

    def reps(self, full: int, quick: int = 1) -> int:
        if self.runs is not None:
            return self.runs
        return quick if self.quick else full


@dataclass
class Case:
    """One selectable case (`--only NAME`): its name, a line about it, and what measures it."""

    name: str
    about: str
    measure: Callable[[Config], list[Row]]


def error_row(case: str, what: str, e: Exception) -> Row:
    return Row(case, what, result="ERROR", note=str(e)[:160])


def validate_runs(
    path: Path, reps: int, parse: bool, expanded: Path | None = None, turn: int = 0
) -> dict[str, list[float]]:
    """validate (and the event parse) of one file in `reps` fresh children, alternating which
    goes first (`turn`: the repetition of the caller's this is, for one run each)."""
    out: dict[str, list[float]] = {"validate": [], "parse": []}
    for r in range(turn, turn + reps):
        res = probe(
            "validate",
            path=str(path),
            parse=parse,
            first="validate" if r % 2 else "parse",
            expanded=str(expanded) if expanded else None,
        )
        if expanded:
            out.setdefault("parse_expanded", []).append(res["parse_expanded"])
        if res["status"] not in (0, 1) or (parse and res["status"] != 0):
            raise ChildFailed(f"validate {path.name} exited {res['status']}: {res['first_line']}")
        out["validate"].append(res["validate"])
        if parse:
            out["parse"].append(res["parse"])
        out.setdefault("rss", []).append(res["max_rss_mb"])
        out.setdefault("lines", []).append(res["lines"])
    return out


def interleaved(
    files: Mapping[int, tuple[Path, Path | None]], reps: int, parse: bool
) -> dict[int, dict[str, list[float]]]:
    """validate_runs of every file (by size: the file, and the same nodes written out or
    None), the sizes in turn in each repetition (in the other direction every other one), so
    that a drift of the machine's speed over the minutes a case takes moves every size alike
    and a ratio between sizes is measured side by side."""
    t: dict[int, dict[str, list[float]]] = {n: {} for n in files}
    sizes = list(files)
    for r in range(reps):
        for n in turn(sizes, r):
            path, expanded = files[n]
            for key, v in validate_runs(path, 1, parse, expanded, turn=r).items():
                t[n].setdefault(key, []).extend(v)
    return t
