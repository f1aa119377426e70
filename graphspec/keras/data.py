"""`fit --data` and `--validation-data` are untrusted: an .npz is checked from its zip directory
and .npy headers (names, shapes, dtypes, sizes, rows) against the model before any array is read."""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib import format as npy

from graphspec.files import display_path
from graphspec.keras.signature import Signature, Target, Tensor

MAX_INFLATION = 1000
"""An array may inflate at most this many times its compressed size…"""
INFLATION_FLOOR = 64 * 2**20
"""…once it is larger than this (64 MiB): a zip bomb is refused before it is decompressed."""
MAX_MEMBERS = 10_000
"""Arrays an .npz may hold."""
MAX_HEADER = 10_000
"""Bytes an .npy header may take (numpy's own default cap)."""

READ_ERRORS = (
    OSError,
    EOFError,
    ValueError,
    SyntaxError,
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,
    RuntimeError,
)
"""What reading a damaged or hostile zip or .npy can raise (an encrypted member: RuntimeError;
an unknown compression: NotImplementedError; a bad header: ValueError or SyntaxError)."""

TAKES = {
    "i": ("biu", "integers"),
    "u": ("biu", "integers"),
    "b": ("biu", "booleans or integers"),
    "f": ("biuf", "numbers"),
    "c": ("biufc", "numbers"),
    "U": ("US", "strings"),
    "S": ("US", "strings"),
}
"""A model dtype's kind → the array kinds it takes, and how a message says it."""


class DataError(ValueError):
    """A data file graphspec refuses; the message names the option, the file and the array."""


@dataclass(frozen=True)
class Header:
    """One array of an .npz as its .npy header and zip directory describe it."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    member: zipfile.ZipInfo


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError


class Archive:
    """An .npz file opened for checking: `where` is how messages name it (`--data D.npz`)."""

    def __init__(self, path: Path, option: str) -> None:
        self.path = path
        self.where = f"{option} {display_path(path)}"

    def fail(self, message: str) -> DataError:
        return DataError(f"{self.where}: {message}")

    def headers(self) -> dict[str, Header]:
        """Every array's header, read without reading any array's data."""
        if not self.path.is_file():
            raise self.fail("no such file")
        try:
            with self.path.open("rb") as f:
                magic = f.read(6)
            if magic == npy.MAGIC_PREFIX:
                raise self.fail(
                    "this is one .npy array, not an .npz: save the arrays by input and "
                    "output id with numpy.savez(FILE, x=…, y=…)"
                )
            if not zipfile.is_zipfile(self.path):
                raise self.fail(
                    "not an .npz file (a zip of .npy arrays, as numpy.savez writes), "
                    "or a damaged or truncated one"
                )
            with zipfile.ZipFile(self.path) as zf:
                return self._members(zf)
        except DataError:
            raise
        except READ_ERRORS as e:
            raise self.fail(f"cannot read it as an .npz: {e}") from e

    def _members(self, zf: zipfile.ZipFile) -> dict[str, Header]:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise self.fail(f"it holds {len(infos):,} members (at most {MAX_MEMBERS:,})")
        found: dict[str, Header] = {}
        for info in infos:
            if info.is_dir():
                continue
            if not info.filename.endswith(".npy"):
                raise self.fail(f"member '{info.filename}' is not an .npy array")
            name = info.filename[: -len(".npy")]
            if name in found:
                raise self.fail(f"array '{name}' is stored twice")
            found[name] = self._header(zf, info, name)
        return found

    def _header(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> Header:
        """One member's .npy header, checked against the size the zip directory gives it."""
        with zf.open(info) as fp:
            version = npy.read_magic(fp)
            if version == (1, 0):
                shape, _, dtype = npy.read_array_header_1_0(fp, max_header_size=MAX_HEADER)
            else:
                shape, _, dtype = npy.read_array_header_2_0(fp, max_header_size=MAX_HEADER)
            offset = fp.tell()
        array = f"array '{name}'"
        if dtype.hasobject:
            raise self.fail(f"{array} holds Python objects, which graphspec does not unpickle")
        if dtype.kind not in "biufcUS" or dtype.fields is not None:
            raise self.fail(f"{array} has dtype {dtype}, which no model input or target takes")
        if shape == ():
            raise self.fail(f"{array} is 0-d (one value); give one row per example")
        claimed = math.prod(shape) * dtype.itemsize
        stored = info.file_size - offset
        if claimed != stored:
            raise self.fail(
                f"{array}: its header says shape {shape} {dtype} ({_size(claimed)}), but the "
                f"file holds {_size(max(stored, 0))} for it (damaged or forged)"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > INFLATION_FLOOR and ratio > MAX_INFLATION:
            raise self.fail(
                f"{array} would inflate from {_size(info.compress_size)} to "
                f"{_size(info.file_size)} ({ratio:,.0f} times): refused as a zip bomb; save real "
                "data uncompressed (numpy.savez)"
            )
        return Header(name, tuple(shape), dtype, info)

    def load(self, headers: list[Header]) -> dict[str, Any]:
        """The arrays, each read whole from its member (their sizes already checked)."""
        try:
            with zipfile.ZipFile(self.path) as zf:
                arrays = {}
                for h in headers:
                    with zf.open(h.member) as fp:
                        arrays[h.name] = npy.read_array(fp, allow_pickle=False)
                return arrays
        except READ_ERRORS as e:
            raise self.fail(f"cannot read its arrays: {e}") from e


def _fits(shape: tuple[int, ...], wanted: tuple[int | None, ...]) -> bool:
    return len(shape) == len(wanted) and all(
        w is None or w == s for s, w in zip(shape, wanted, strict=True)
    )


def _shown(shape: tuple[int | None, ...]) -> str:
    return "(" + ", ".join(["N", *("None" if d is None else str(d) for d in shape)]) + ")"


def check_input(archive: Archive, h: Header, t: Tensor) -> None:
    kinds, what = TAKES.get(np.dtype(_numpy_dtype(t.dtype)).kind, ("biuf", "numbers"))
    if h.dtype.kind not in kinds:
        raise archive.fail(
            f"array '{h.name}' is {h.dtype}; input '{t.name}' ({t.dtype}) takes {what}"
        )
    if not _fits(h.shape[1:], t.shape):
        raise archive.fail(
            f"array '{h.name}' has shape {h.shape}; input '{t.name}' takes {_shown(t.shape)}"
        )


def check_target(archive: Archive, h: Header, t: Target) -> None:
    integral = t.kind == "sparse"
    kinds = "iuf" if integral else "biuf"
    if h.dtype.kind not in kinds:
        raise archive.fail(f"array '{h.name}' is {h.dtype}; output '{t.name}' takes numbers")
    wanted = t.label_shape
    dropped = wanted[:-1] if wanted and wanted[-1] == 1 else None
    also = (*wanted, 1) if integral else None
    shape = h.shape[1:]
    if not any(w is not None and _fits(shape, w) for w in (wanted, dropped, also)):
        loss = f" ({t.loss})" if t.loss else ""
        raise archive.fail(
            f"array '{h.name}' has shape {h.shape}; output '{t.name}'{loss} takes targets "
            f"of shape {_shown(wanted)}"
        )


def _numpy_dtype(dtype: str) -> str:
    """Keras dtypes numpy lacks (bfloat16, float8…) check as float32, strings as str."""
    if dtype == "string":
        return "str"
    try:
        np.dtype(dtype)
    except TypeError:
        return "float32"
    return dtype


def memory() -> int | None:
    """This machine's physical memory in bytes, where the OS says."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


@dataclass
class Arrays:
    """Inputs and targets by id, checked against the model, with their row count."""

    x: dict[str, Any]
    y: dict[str, Any]
    rows: int


def read(path: Path, option: str, sig: Signature) -> Arrays:
    """The arrays of `path` for `sig`'s inputs and the targets of its outputs with a loss:
    headers first (names, dtypes, shapes, sizes, rows, memory), then the data, then the
    integers Embeddings and class labels take. DataError names the array at fault."""
    archive = Archive(path, option)
    headers = archive.headers()
    targets = [t for t in sig.targets if t.kind != "none"]
    wanted = [t.name for t in sig.inputs] + [t.name for t in targets]
    missing = [k for k in wanted if k not in headers]
    if missing:
        raise archive.fail(
            f"no array named {', '.join(missing)} (it has {', '.join(headers) or 'none'}); "
            "arrays are named by input and output ids"
        )
    for t in sig.inputs:
        check_input(archive, headers[t.name], t)
    for target in targets:
        check_target(archive, headers[target.name], target)
    chosen = [headers[k] for k in wanted]
    rows = {h.shape[0] for h in chosen}
    if len(rows) > 1:
        counts = ", ".join(f"{h.name} {h.shape[0]}" for h in chosen)
        raise archive.fail(f"the arrays differ in their number of rows: {counts}")
    if rows == {0}:
        raise archive.fail("the arrays have no rows")
    total = sum(h.member.file_size for h in chosen)
    ram = memory()
    if ram is not None and total > ram:
        raise archive.fail(f"its arrays need {_size(total)}, more than this machine's {_size(ram)}")
    arrays = archive.load(chosen)
    check_values(archive, arrays, sig)
    return Arrays(
        {t.name: arrays[t.name] for t in sig.inputs},
        {t.name: arrays[t.name] for t in targets},
        rows.pop(),
    )


def check_values(archive: Archive, arrays: dict[str, Any], sig: Signature) -> None:
    """Integers an Embedding looks up lie in its range; class numbers below the classes."""
    for name, (bound, layer) in sig.bounds.items():
        a = arrays.get(name)
        if a is not None and a.dtype.kind in "iu" and a.size:
            _in_range(archive, a, name, bound, f"layer '{layer}' takes integers in [0, {bound})")
    for t in sig.targets:
        a = arrays.get(t.name)
        classes = t.shape[-1] if t.shape else None
        if t.kind == "sparse" and a is not None and a.size and isinstance(classes, int):
            _in_range(archive, a, t.name, classes, f"output '{t.name}' has {classes} classes")


def _in_range(archive: Archive, a: Any, name: str, bound: int, why: str) -> None:
    low, high = a.min(), a.max()
    bad = low if low < 0 else high if high >= bound else None
    if bad is not None:
        raise archive.fail(f"array '{name}' holds {bad}, but {why}")
