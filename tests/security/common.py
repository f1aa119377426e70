"""What the security tests share: a small spec, the CLI in-process, a fresh interpreter, and
the work and memory of loading a file, counted in one."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from graphspec.cli import main
from tests.conftest import ROOT

SMALL = """
graphspec: 1
inputs: {x: {shape: [4]}}
nodes:
  d: {layer: Dense, units: 2, inputs: x}
outputs: [d]
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def child(code: str, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    """Run Python code in a fresh interpreter that imports this checkout of graphspec."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


PEAK_RSS = """
def peak_kib():
    # VmHWM: this process's own high-water mark (ru_maxrss may carry the parent's over exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

MEASURE_LOAD = (
    PEAK_RSS
    + """
import sys
from graphspec.diagnostics import LoadError
from graphspec.syntax import indexed, loader, reader
work = {"events": 0, "values": 0}
class CountingParser(reader.Parser):
    def get_event(self):
        event = super().get_event()
        work["events"] += event is not None
        return event
reader.Parser = CountingParser
fast, slow = reader.Fast.value, indexed.Indexed.value
def counting_fast(self, event):
    work["values"] += 1
    return fast(self, event)
def counting_indexed(self, event, path):
    work["values"] += 1
    return slow(self, event, path)
reader.Fast.value, indexed.Indexed.value = counting_fast, counting_indexed
plain_value, plain_scalar = reader.Plain.value, reader.Plain.scalar
def counting_plain(self, event):
    work["values"] += 1
    return plain_value(self, event)
def counting_plain_scalar(self, event):
    work["values"] += 1
    return plain_scalar(self, event)
reader.Plain.value, reader.Plain.scalar = counting_plain, counting_plain_scalar
try:
    loader.load_file(sys.argv[1])
    message = "loaded"
except LoadError as e:
    message = e.diagnostics[0].message
print(message)
print(work["events"], work["values"], peak_kib())
"""
)


def measured_load(path: Path, *prelude: str) -> tuple[str, int, int, int]:
    """The first diagnostic, the YAML events looked at, the values built and the peak RSS
    (KiB) of loading `path` afresh: work counted, not timed (a busy machine times anything)."""
    result = child("\n".join(prelude) + MEASURE_LOAD, str(path))
    assert result.returncode == 0, result.stderr  # not a crash (e.g. -11, a segfault)
    message, figures = result.stdout.strip().splitlines()[-2:]
    events, values, peak = figures.split()
    return message, int(events), int(values), int(peak)
