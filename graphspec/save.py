"""Atomic saving: a model reaches its .keras file whole, or the file is left as it was."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


class SaveError(Exception):
    """Keras could not serialize the model (the target file is untouched)."""


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


def keras_target(target: str | Path) -> Path:
    """`target` as a path; ValueError unless it ends in .keras (all Keras saves whole models to)."""
    path = Path(target)
    if path.suffix != ".keras":
        raise ValueError(f"{path}: Keras saves whole models to files ending in .keras")
    return path


def save_model(model: Any, target: str | Path) -> Path:
    """Save `model` to `target` (a .keras file) atomically and return the path.

    OSError (the directory cannot be written, the disk is full…) propagates as is; anything
    Keras raises while serializing becomes SaveError. Either way the target is unchanged."""
    target = keras_target(target)

    def write(temporary: Path) -> None:
        try:
            model.save(temporary)
        except OSError:
            raise
        except Exception as e:
            raise SaveError(f"Keras could not save the model: {e}") from e

    return write_atomically(target, write)
