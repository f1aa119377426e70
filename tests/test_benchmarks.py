"""The benchmarks' own machinery (never their timings): the bytecode cache they write first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from benchmarks.measure import write_bytecode


def _loads_from_cache(tree: Path, module: str) -> bool:
    """Whether a fresh interpreter that may not write bytecode (-B) imports `module` of tree
    from its cache: `-v` says `… matches …` for a cache it uses (-S: no site, so no editable
    install's finder ahead of the tree)."""
    run = subprocess.run(
        [sys.executable, "-S", "-B", "-v", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        cwd=tree,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    source = tree / Path(*module.split(".")).with_suffix(".py")
    return any(
        " matches " in line and line.endswith(str(source)) for line in run.stderr.splitlines()
    )


def test_write_bytecode_writes_the_cache_python_reads(tmp_path: Path) -> None:
    package = tmp_path / "graphspec"
    package.mkdir()
    (package / "__init__.py").write_text("")
    module = package / "m.py"
    module.write_text("X = 1\n")
    assert not _loads_from_cache(tmp_path, "graphspec.m")
    assert write_bytecode(tmp_path) == (2, 2)
    assert _loads_from_cache(tmp_path, "graphspec.m")
    assert write_bytecode(tmp_path) == (0, 2)  # current: nothing written again
    module.write_text("X = 22\n")  # another size and modification time: stale
    os.utime(module, (1_000_000, 1_000_000))
    assert not _loads_from_cache(tmp_path, "graphspec.m")
    assert write_bytecode(tmp_path) == (1, 2)
    assert _loads_from_cache(tmp_path, "graphspec.m")
