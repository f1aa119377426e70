"""How things are timed: fresh child processes (wall time and peak RSS), probes run in them."""

from __future__ import annotations

import importlib.util
import json
import os
import py_compile
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
SOURCE = [ROOT]
"""The graphspec source tree the children import (--source changes it: an A/B of two trees)."""
CWD = [Path(tempfile.gettempdir())]
"""Where children run: not a source tree, since `python -m` puts the working directory first
on the path."""
T = TypeVar("T")
MARK = "BENCHMARK-RESULT "
TIMEOUT = 1800.0
"""Seconds one child may run before the case is reported as an error."""


def child_env() -> dict[str, str]:
    """The environment of every child: the source tree measured first on the path, then this
    checkout (for the benchmarks package), TensorFlow quiet."""
    env = dict(os.environ)
    paths = [str(SOURCE[0]), str(ROOT), *filter(None, [env.get("PYTHONPATH")])]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def _current(source: Path, cache: Path) -> bool:
    """Whether the bytecode cache of source is one Python would use: its header names this
    interpreter's magic number and the source's modification time and size."""
    try:
        head = cache.read_bytes()[:16]
    except OSError:
        return False
    stat = source.stat()
    stamp = (int(stat.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
    size = (stat.st_size & 0xFFFFFFFF).to_bytes(4, "little")
    return head == importlib.util.MAGIC_NUMBER + bytes(4) + stamp + size


def write_bytecode(tree: Path) -> tuple[int, int]:
    """Write the bytecode cache of tree's graphspec modules where it is missing or stale, as pip
    does when it installs a package; return how many were written, of how many modules.

    Children read the cache even where PYTHONDONTWRITEBYTECODE stops them writing it (this
    machine sets it): without a cache every start would compile each module again, which is
    not what starting an installed graphspec costs."""
    sources = sorted((tree / "graphspec").rglob("*.py"))
    written = 0
    for source in sources:
        cache = Path(importlib.util.cache_from_source(str(source)))
        if not _current(source, cache):
            py_compile.compile(str(source), cfile=str(cache), doraise=True)
            written += 1
    return written, len(sources)


@dataclass
class Run:
    """One finished child: wall time, peak resident memory, exit status and its output."""

    seconds: float
    max_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


class ChildFailed(Exception):
    """A child process did not finish as the case expected."""


def run(argv: list[str], timeout: float = TIMEOUT) -> Run:
    """Run argv in a fresh process; wall time from just before the spawn to its exit, peak
    memory from the child's own rusage (os.wait4: ru_maxrss of that child alone, in KiB)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=CWD[0], env=child_env(), stdout=out, stderr=err)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise ChildFailed(f"timed out after {timeout:.0f} s: {' '.join(argv)}")
            time.sleep(0.002)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            seconds,
            usage.ru_maxrss / 1024,
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def probe(kind: str, **params: Any) -> dict[str, Any]:
    """Run benchmarks.probe KIND in a fresh interpreter; its JSON result, with the child's
    peak memory (`max_rss_mb`) and wall time (`process_seconds`) added."""
    done = run(python("-m", "benchmarks.probe", kind, json.dumps(params)))
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(MARK):
            result: dict[str, Any] = json.loads(line[len(MARK) :])
            result["max_rss_mb"] = done.max_rss_mb
            result["process_seconds"] = done.seconds
            return result
    tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
    raise ChildFailed(f"probe {kind} exited {done.returncode}: {tail}")


def turn(items: Sequence[T], r: int) -> Sequence[T]:
    """The sides or sizes in the order repetition `r` measures them: as given, then the other
    way round every other repetition, so that none always goes first."""
    return items if r % 2 == 0 else items[::-1]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    k = len(ordered)
    if not k:
        raise ValueError("no values")
    return ordered[k // 2] if k % 2 else (ordered[k // 2 - 1] + ordered[k // 2]) / 2
