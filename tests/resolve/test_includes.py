"""`spec:` includes: each file read and validated once per run, however often it is included."""

from __future__ import annotations

from pathlib import Path

import pytest

import graphspec
from graphspec.resolve import includes

PART = "graphspec: 1\ninputs: {t: {shape: [4]}}\nnodes: {p: {layer: Dense, units: 4, inputs: t}}\noutputs: [p]\n"


def main_spec(tmp_path: Path, times: int, part: str = PART) -> Path:
    (tmp_path / "part.yaml").write_text(part)
    shared = "".join(f"  s{i}: {{spec: part.yaml}}\n" for i in range(times))
    chain = "".join(
        f"  u{i}: {{use: s{i}, inputs: {'x' if i == 0 else f'u{i - 1}'}}}\n" for i in range(times)
    )
    spec = tmp_path / "main.yaml"
    spec.write_text(
        "graphspec: 1\ninputs: {x: {shape: [4]}}\nshared:\n"
        + shared
        + "nodes:\n"
        + chain
        + f"outputs: [u{times - 1}]\n"
    )
    return spec


def test_a_file_included_many_times_is_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[Path] = []
    load = includes.load_file

    def counting(path: Path, *args: object) -> object:
        reads.append(path)
        return load(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(includes, "load_file", counting)
    program = graphspec.check(main_spec(tmp_path, 5)).program
    assert len(reads) == 1
    assert len(program.shared) == 5  # still one sub-model each: five sets of weights


def test_an_included_files_problems_are_reported_once_however_often_it_is_included(
    tmp_path: Path,
) -> None:
    """Its schema problems at its first inclusion; its graph's problems, the same in every
    inclusion, once too (with the chain of the first)."""
    bad = PART.replace("units: 4,", "units: 4, unit: 3, activation: rellu,").replace(
        "outputs: [p]", "outputs: [p]\nextra: 1"
    )
    with pytest.raises(graphspec.SpecError) as e:
        graphspec.check(main_spec(tmp_path, 3, bad))
    found = sorted((d.code, d.included_from[0].line) for d in e.value.diagnostics)
    assert found == [("GS203", 4), ("GS303", 4), ("GS310", 4)]
