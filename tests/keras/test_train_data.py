"""`fit --data` and `--validation-data` are untrusted: hostile and mistaken .npz files are
refused with a usage error naming the file and array, never a traceback, never read whole first."""

from __future__ import annotations

import struct
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from numpy.lib import format as npy

from graphspec.cli import main
from graphspec.keras.data import DataError, read
from graphspec.keras.signature import Signature, Target, Tensor
from tests.conftest import Write

SPEC = """
graphspec: 1
inputs:
  x: {shape: [4]}
  tokens: {shape: [3], dtype: int32}
nodes:
  embedded: {layer: Embedding, input_dim: 10, output_dim: 2, inputs: tokens}
  flat: {layer: Flatten, inputs: embedded}
  joined: {layer: Concatenate, inputs: [x, flat]}
  kind: {layer: Dense, units: 3, activation: softmax, inputs: joined}
outputs:
  kind: {loss: sparse_categorical_crossentropy}
"""


def good(rows: int = 8) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "x": rng.random((rows, 4), dtype="float32"),
        "tokens": rng.integers(0, 10, (rows, 3)).astype("int32"),
        "kind": rng.integers(0, 3, rows).astype("int32"),
    }


def npy_bytes(header: dict[str, object], data: bytes) -> bytes:
    """An .npy file with this header, whatever the data."""
    f = BytesIO()
    npy.write_array_header_1_0(f, header)
    return f.getvalue() + data


def fit(capsys: pytest.CaptureFixture[str], spec: Path, *argv: str) -> tuple[int, str]:
    code = main(["fit", str(spec), "--epochs", "1", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err


def test_good_data_trains(
    capsys: pytest.CaptureFixture[str], write_spec: Write, tmp_path: Path
) -> None:
    data = tmp_path / "d.npz"
    np.savez_compressed(data, **good())
    np.savez(tmp_path / "v.npz", **good(4))
    code, err = fit(
        capsys, write_spec(SPEC), "--data", str(data), "--validation-data", str(tmp_path / "v.npz")
    )
    assert code == 0, err


# ---- hostile files: each refused with exit 2, naming the file (and the array) --------------


def not_a_zip(path: Path) -> None:
    path.write_bytes(b"graphspec: 1\nthis is YAML, not arrays\n")


def truncated(path: Path) -> None:
    np.savez(path, **good())
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def zero_d(path: Path) -> None:
    np.savez(path, **{**good(), "x": np.float32(1.0)})


def plain_npy(path: Path) -> None:
    with path.open("wb") as f:
        np.save(f, good()["x"])


def claims_two_billion_rows(path: Path) -> None:
    arrays = good()
    with zipfile.ZipFile(path, "w") as zf:
        for name in ("tokens", "kind"):
            zf.writestr(
                f"{name}.npy",
                npy_bytes(npy.header_data_from_array_1_0(arrays[name]), arrays[name].tobytes()),
            )
        header = {"descr": "<f4", "fortran_order": False, "shape": (2_000_000_000, 4)}
        zf.writestr("x.npy", npy_bytes(header, arrays["x"].tobytes()))


def zip_bomb(path: Path) -> None:
    """A 2 MiB zip whose 'x' inflates to 2 GiB of zeros, with a consistent header: written as
    raw deflate blocks (a full-flushed block of zeros, repeated), never compressed whole."""
    rows = 2**27  # (2**27, 4) float32 = 2 GiB
    header = npy_bytes({"descr": "<f4", "fortran_order": False, "shape": (rows, 4)}, b"")
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(2**20)
    payload = deflate.compress(header) + deflate.flush(zlib.Z_FULL_FLUSH)
    block = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    assert deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH) == block
    size = len(header) + rows * 16
    stream = payload + block * (rows * 16 // len(chunk)) + deflate.flush()
    arrays = good()
    with zipfile.ZipFile(path, "w") as zf:
        for name in ("tokens", "kind"):
            zf.writestr(
                f"{name}.npy",
                npy_bytes(npy.header_data_from_array_1_0(arrays[name]), arrays[name].tobytes()),
            )
    _append_member(path, "x.npy", stream, size)


def _append_member(path: Path, name: str, stream: bytes, size: int) -> None:
    """Append a deflated member (CRC left 0: it is refused before anything checks it)."""
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    raw = path.read_bytes()
    end = raw.rindex(b"PK\x05\x06")
    directory_size, directory_at = struct.unpack("<II", raw[end + 12 : end + 20])
    entries, body = raw[directory_at : directory_at + directory_size], raw[:directory_at]
    local = struct.pack(
        "<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, 0, len(stream), size, len(name), 0
    )
    offset = len(body)
    body += local + name.encode() + stream
    central = struct.pack(
        "<4sHHHHHHIIIHHHHHII",
        b"PK\x01\x02",
        20,
        20,
        0,
        8,
        0,
        0,
        0,
        len(stream),
        size,
        len(name),
        0,
        0,
        0,
        0,
        0,
        offset,
    )
    entries += central + name.encode()
    record = struct.pack(
        "<4sHHHHIIH",
        b"PK\x05\x06",
        0,
        0,
        len(infos) + 1,
        len(infos) + 1,
        len(entries),
        len(body),
        0,
    )
    path.write_bytes(body + entries + record)


def object_array(path: Path) -> None:
    np.savez(path, **{**good(), "x": np.array([{"a": 1}] * 8, dtype=object)})


def damaged_data(path: Path) -> None:
    np.savez_compressed(path, **good(64))
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("x.npy")
    start = info.header_offset + 30 + len(info.filename) + 40
    raw[start : start + 40] = bytes(40)
    path.write_bytes(bytes(raw))


def not_an_npy_member(path: Path) -> None:
    np.savez(path, **good())
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("notes.txt", "hello")


def empty_file(path: Path) -> None:
    path.write_bytes(b"")


HOSTILE = {
    "not a zip": (not_a_zip, "not an .npz file"),
    "truncated": (
        truncated,
        "not an .npz file (a zip of .npy arrays, as numpy.savez writes), or a damaged or truncated one",
    ),
    "empty": (empty_file, "not an .npz file"),
    "0-d array": (zero_d, "array 'x' is 0-d (one value); give one row per example"),
    "plain .npy": (plain_npy, "this is one .npy array, not an .npz"),
    "header claims 2e9 rows": (
        claims_two_billion_rows,
        "array 'x': its header says shape (2000000000, 4) float32 (29.8 GiB), but the file holds 128 bytes for it",
    ),
    "zip bomb": (zip_bomb, "array 'x' would inflate from 2.0 MiB to 2.0 GiB"),
    "object array": (
        object_array,
        "array 'x' holds Python objects, which graphspec does not unpickle",
    ),
    "damaged data": (damaged_data, "cannot read"),
    "not an .npy member": (not_an_npy_member, "member 'notes.txt' is not an .npy array"),
}


@pytest.mark.parametrize("make", sorted(HOSTILE), ids=str)
@pytest.mark.parametrize("option", ["--data", "--validation-data"])
def test_hostile_files_are_usage_errors(
    make: str, option: str, capsys: pytest.CaptureFixture[str], write_spec: Write, tmp_path: Path
) -> None:
    writer, expected = HOSTILE[make]
    hostile = tmp_path / "hostile.npz"
    writer(hostile)
    spec = write_spec(SPEC)
    if option == "--data":
        argv = ["--data", str(hostile)]
    else:
        np.savez(tmp_path / "d.npz", **good())
        argv = ["--data", str(tmp_path / "d.npz"), "--validation-data", str(hostile)]
    code, err = fit(capsys, spec, *argv)
    assert code == 2, err
    assert err.startswith(f"graphspec fit: error: {option} {hostile}: "), err
    assert expected in err


SIGNATURE = Signature(
    [Tensor("x", (4,), "float32"), Tensor("tokens", (3,), "int32")],
    [Target("kind", (3,), "float32", "sparse", "sparse_categorical_crossentropy")],
    {"tokens": (10, "embedded")},
)


@pytest.mark.parametrize("make", [zip_bomb, claims_two_billion_rows])
def test_huge_claims_are_refused_before_any_array_is_read(
    make: Callable[[Path], None], tmp_path: Path
) -> None:
    hostile = tmp_path / "hostile.npz"
    make(hostile)
    tracemalloc.start()
    with pytest.raises(DataError, match="array 'x'"):
        read(hostile, "--data", SIGNATURE)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2**20, f"{peak:,} bytes allocated: the array was read"
    assert hostile.stat().st_size < 3 * 2**20


def test_the_signature_of_the_spec_is_what_the_unit_tests_assume(write_spec: Write) -> None:
    import graphspec
    from graphspec.keras.signature import signature

    checked = graphspec.check(write_spec(SPEC))
    model = graphspec.build(write_spec(SPEC))
    assert signature(model, checked.program) == SIGNATURE


# ---- mistaken files: the array at fault and what the model takes ----------------------------

MISTAKES = {
    "missing array": (
        {"kind": None},
        "no array named kind (it has x, tokens); arrays are named by input and output ids",
    ),
    "wrong shape": (
        {"x": np.zeros((8, 5), "float32")},
        "array 'x' has shape (8, 5); input 'x' takes (N, 4)",
    ),
    "wrong rank": (
        {"x": np.zeros(8, "float32")},
        "array 'x' has shape (8,); input 'x' takes (N, 4)",
    ),
    "floats for tokens": (
        {"tokens": np.zeros((8, 3))},
        "array 'tokens' is float64; input 'tokens' (int32) takes integers",
    ),
    "strings": ({"x": np.full((8, 4), "a")}, "array 'x' is <U1; input 'x' (float32) takes numbers"),
    "rows differ": (
        {"kind": np.zeros(7, "int32")},
        "the arrays differ in their number of rows: x 8, tokens 8, kind 7",
    ),
    "no rows": (
        {k: np.zeros((0, *v.shape[1:]), v.dtype) for k, v in good().items()},
        "the arrays have no rows",
    ),
    "token past the Embedding": (
        {"tokens": np.full((8, 3), 10, "int32")},
        "array 'tokens' holds 10, but layer 'embedded' takes integers in [0, 10)",
    ),
    "negative token": (
        {"tokens": np.full((8, 3), -1, "int32")},
        "array 'tokens' holds -1, but layer 'embedded' takes integers in [0, 10)",
    ),
    "class past the output": (
        {"kind": np.full(8, 3, "int32")},
        "array 'kind' holds 3, but output 'kind' has 3 classes",
    ),
    "one-hot for sparse labels": (
        {"kind": np.eye(3, dtype="float32")[np.zeros(8, int)]},
        "array 'kind' has shape (8, 3); output 'kind' (sparse_categorical_crossentropy) takes targets of shape (N)",
    ),
}


@pytest.mark.parametrize("case", sorted(MISTAKES))
def test_mistaken_arrays_name_the_array(
    case: str, capsys: pytest.CaptureFixture[str], write_spec: Write, tmp_path: Path
) -> None:
    change, expected = MISTAKES[case]
    arrays = {k: v for k, v in {**good(), **change}.items() if v is not None}
    data = tmp_path / "d.npz"
    np.savez(data, **arrays)
    code, err = fit(capsys, write_spec(SPEC), "--data", str(data))
    assert (code, err) == (2, f"graphspec fit: error: --data {data}: {expected}\n")


def test_labels_as_a_column_and_extra_arrays_are_accepted(
    capsys: pytest.CaptureFixture[str], write_spec: Write, tmp_path: Path
) -> None:
    data = tmp_path / "d.npz"
    np.savez(data, **{**good(), "kind": good()["kind"].reshape(8, 1), "notes": np.zeros(3)})
    code, err = fit(capsys, write_spec(SPEC), "--data", str(data))
    assert code == 0, err


def test_a_missing_file_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], write_spec: Write, tmp_path: Path
) -> None:
    code, err = fit(capsys, write_spec(SPEC), "--data", str(tmp_path / "none.npz"))
    assert (code, err) == (
        2,
        f"graphspec fit: error: --data {tmp_path / 'none.npz'}: no such file\n",
    )
