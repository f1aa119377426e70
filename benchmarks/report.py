"""Result rows and the table they print as: measured side by side, the ratio, target, verdict."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.measure import SOURCE


@dataclass
class Row:
    """One line of the table. `value` and `against` are medians in `unit`; `ratio` is what the
    target bounds (or `value` itself, when `ratio` is None and `limit` is set)."""

    case: str
    measured: str
    value: float | None = None
    unit: str = "s"
    against_label: str = ""
    against: float | None = None
    ratio: float | None = None
    limit: float | None = None
    result: str = ""
    note: str = ""
    samples: dict[str, list[float]] = field(default_factory=dict)
    bounds_ratio: bool = False
    """The target bounds a ratio even when none could be measured (a SKIP or ERROR row)."""

    def __post_init__(self) -> None:
        if self.result or self.limit is None:
            self.result = self.result or "INFO"
            return
        got = self.ratio if self.ratio is not None else self.value
        self.result = "PASS" if got is not None and got <= self.limit else "MISS"

    @property
    def target(self) -> str:
        if self.limit is None:
            return ""
        if self.ratio is not None or self.bounds_ratio:
            return f"<= {self.limit:g}x"
        return f"<= {self.limit:g} {self.unit}"


def _num(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"


HEADER = ("case", "measured", "median", "against", "median", "ratio", "target", "result")


def cells(row: Row) -> tuple[str, ...]:
    ratio = f"{row.ratio:.2f}x" if row.ratio is not None else ""
    result = row.result + (f" ({row.note})" if row.note else "")
    return (
        row.case,
        row.measured,
        _num(row.value, row.unit),
        row.against_label,
        _num(row.against, row.unit),
        ratio,
        row.target,
        result,
    )


def markdown(rows: list[Row]) -> str:
    """The table as Markdown (docs/performance.md carries one)."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in cells(r)) + " |" for r in rows]
    return "\n".join(lines)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "?"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _commit(tree: Path) -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=tree, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=tree,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "?"
    if not head:
        return "not a git checkout"
    return head + (" (uncommitted changes)" if dirty else "")


def machine() -> dict[str, Any]:
    """The machine, without importing Keras or TensorFlow here (versions from metadata)."""
    try:
        import yaml

        libyaml = "yes" if getattr(yaml, "__with_libyaml__", False) else "no"
    except ImportError:
        libyaml = "PyYAML missing"
    cores = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cores
    return {
        "cpu": _cpu_model(),
        "cores": f"{cores} ({usable} usable)",
        "memory": _memory(),
        "system": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "keras": _version("keras"),
        "tensorflow": _version("tensorflow"),
        "pydantic": _version("pydantic"),
        "pyyaml": f"{_version('PyYAML')} (libyaml: {libyaml})",
        "graphspec": _commit(SOURCE[0]),
        "interpreter": sys.executable,
    }


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def as_json(row: Row) -> dict[str, Any]:
    d = asdict(row)
    d["target"] = row.target
    return d
