"""The scaling cases: validate at n and at 4n, for inputs that were (or might be) superlinear."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks import generate
from benchmarks.common import Config, error_row, interleaved
from benchmarks.measure import ChildFailed, median
from benchmarks.report import Row


@dataclass(frozen=True)
class Scaling:
    name: str
    n: int
    what: str
    write: Callable[[Path, int], Path]


def _one(gen: Callable[[int], str], name: str) -> Callable[[Path, int], Path]:
    return lambda work, n: generate.write(work, f"{name}_{n}.yaml", gen(n))


def _includes(work: Path, n: int) -> Path:
    d = work / f"includes_{n}"
    generate.write(d, "part.yaml", generate.include_part(n))
    return generate.write(d, "top.yaml", generate.include_top(3))


SCALING = [
    Scaling(
        "duplicate_keys",
        5_000,
        "duplicate keys, each diagnostic with its source line",
        _one(generate.duplicate_keys, "duplicate_keys"),
    ),
    Scaling(
        "unknown_references",
        500,
        "unknown references (did-you-mean)",
        _one(generate.unknown_references, "unknown_references"),
    ),
    Scaling(
        "outputs", 10_000, "outputs (the duplicate check)", _one(generate.many_outputs, "outputs")
    ),
    Scaling("includes", 4_000, "nodes of a part included 3 times", _includes),
    Scaling(
        "unused_nodes",
        5_000,
        "unused nodes, a warning each",
        _one(generate.unused_nodes, "unused_nodes"),
    ),
    Scaling(
        "invalid_fields",
        2_500,
        "nodes with an invalid field each",
        _one(generate.invalid_fields, "invalid_fields"),
    ),
    Scaling(
        "unknown_layers",
        2_500,
        "nodes naming an unknown layer",
        _one(generate.unknown_layers, "unknown_layers"),
    ),
    Scaling("long_cycle", 5_000, "nodes in one cycle", _one(generate.long_cycle, "long_cycle")),
    Scaling("fan_in", 5_000, "inputs of one Concatenate", _one(generate.fan_in, "fan_in")),
    Scaling(
        "many_inputs", 5_000, "model inputs into one Add", _one(generate.many_inputs, "many_inputs")
    ),
    Scaling(
        "nested_blocks",
        25,
        "blocks, each using the one before",
        _one(generate.nested_blocks, "nested_blocks"),
    ),
]


def scaling(s: Scaling) -> Callable[[Config], list[Row]]:
    def measure(cfg: Config) -> list[Row]:
        n = max(1, s.n // 10) if cfg.quick else s.n
        case = f"scaling/{s.name}"
        files = {k: (s.write(cfg.work, k), None) for k in (n, 4 * n)}
        cfg.progress(case)
        try:
            t = interleaved(files, cfg.reps(5), parse=False)
        except ChildFailed as e:
            return [error_row(case, s.what, e)]
        a, b = median(t[n]["validate"]), median(t[4 * n]["validate"])
        note = f"{int(t[4 * n]['lines'][0]):,} lines out; {max(t[4 * n]['rss']):.0f} MB"
        return [
            Row(
                case,
                f"{4 * n:,} {s.what}",
                b,
                against_label=f"{n:,}",
                against=a,
                ratio=b / a,
                limit=4.5,
                note=note,
                samples={"n": t[n]["validate"], "4n": t[4 * n]["validate"]},
            )
        ]

    return measure
