"""Files: atomic writes (a file reaches its path whole or not at all), paths as users type them."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def display_path(file: str | Path, base: Path | None = None) -> str:
    """A file name as the user would type it: relative to the working directory when inside."""
    p = Path(file)
    base = base or Path.cwd()
    try:
        return str(p.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(p)


def _mode(target: Path) -> int:
    """The permissions the file would get from a plain open(): the old file's, else umask's."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (not possible on every platform or file system)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomically(target: str | Path, write: Callable[[Path], object]) -> Path:
    """Call `write(temporary)` for a temporary file in the target's directory, flush it to
    disk and rename it over `target` with os.replace. On any failure, KeyboardInterrupt
    included, the temporary file is removed and the target keeps its old bytes (or stays
    absent); the exception propagates."""
    target = Path(target)
    directory = target.parent
    mode = _mode(target)
    with tempfile.NamedTemporaryFile(
        dir=directory, prefix=f".{target.stem}.", suffix=target.suffix, delete=False
    ) as handle:
        temporary = Path(handle.name)
    try:
        write(temporary)
        with temporary.open("rb+") as written:
            os.fsync(written.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_directory(directory)
    return target
