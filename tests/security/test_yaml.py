"""Bounded YAML, no object-constructing tags, and the dict API keeping the loader's caps
(SECURITY.md 1, 2 and 19)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import graphspec
from graphspec.caps import MAX_BYTES, MAX_DEPTH
from tests.security.common import SMALL, measured_load, run

# ---- bounded YAML ------------------------------------------------------------------------
# Size: test_loader.test_size_cap (cap lowered); here at the real cap, through the CLI.
# Alias bomb message: test_loader.test_alias_bomb_is_capped and invalid/alias_bomb.yaml.
# Depth: test_loader.test_depth_cap, test_very_deep_input_is_an_error_not_a_crash (200,000).


def test_billion_laughs_is_refused_on_the_event_stream_in_200_mb(tmp_path: Path) -> None:
    """Nine levels of ten aliases: 10^9 values if expanded; refused on the event stream, after
    the file's own hundred-odd events, before one value is built."""
    lines = ["graphspec: 1", "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 10)]
    bomb = tmp_path / "laughs.yaml"
    bomb.write_text("\n".join(lines) + "\n")
    message, events, values, peak_kib = measured_load(bomb)
    assert message.startswith("the document expands to more than 1,000,000 values")
    assert events <= 2 * len(bomb.read_text().split()) and values == 0
    assert peak_kib < 200 * 1024


@pytest.mark.parametrize("parser", ["libyaml", "pure-python"])
@pytest.mark.parametrize("depth", [1_000, 25_000])
def test_deep_nesting_is_refused_by_both_yaml_parsers(
    tmp_path: Path, parser: str, depth: int
) -> None:
    """libyaml's composer segfaults near 25,000 levels, PyYAML's recurses past ~500 levels:
    depth is counted on the event stream first, with either parser."""
    deep = tmp_path / "deep.yaml"
    deep.write_text("graphspec: 1\nnodes: " + "[" * depth + "]" * depth + "\n")
    prelude = ["import sys", "sys.modules['yaml.cyaml'] = None"] if parser == "pure-python" else []
    message, events, values, _ = measured_load(deep, *prelude)
    assert message.startswith(f"nesting deeper than {MAX_DEPTH} levels")
    # refused as the depth is passed: the values read are the ones that enclose it
    assert events <= MAX_DEPTH + 10 and values <= MAX_DEPTH + 8


def test_document_size_is_capped_at_the_real_cap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"graphspec: 1\ndescription: " + b"x" * MAX_BYTES + b"\n")
    code, _, err = run(capsys, "validate", "--no-source", str(big))
    assert code == 1
    assert f"the file is larger than {MAX_BYTES:,} bytes" in err


# ---- no object-constructing tags; one document ------------------------------------------
# Refusal messages: test_loader.test_non_standard_tags_are_refused, test_one_document_only,
# invalid/python_object_tag.yaml.


def test_object_constructing_tags_run_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sentinel = tmp_path / "pwned"
    spec = tmp_path / "tags.yaml"
    spec.write_text(
        "graphspec: 1\n"
        f"a: !!python/object/apply:os.system ['touch {sentinel}']\n"
        f"b: !!python/object/new:subprocess.Popen [['touch', '{sentinel}']]\n"
        "? !!python/name:os.system\n: key\n"
        f"c: !!python/object:os.system {{x: 1}}\n"
    )
    code, _, err = run(capsys, "validate", "--no-source", str(spec))
    assert code == 1
    assert err.count("is not allowed: only the standard tags") == 4
    assert not sentinel.exists()


# ---- the dict API keeps the file API's promises (issue 9, item 9) --------------------------

DICT = {
    "graphspec": 1,
    "inputs": {"x": {"shape": [4]}},
    "nodes": {"d": {"layer": "Dense", "units": 2, "inputs": "x"}},
    "outputs": ["d"],
}


def test_the_dict_api_includes_nothing_without_a_base_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative include of a spec given as data used to be opened from the working
    directory, `..` included (an outside file's keys leaked into the messages)."""
    secret = tmp_path / "secret.yaml"
    secret.write_text("graphspec: 1\nsecret_key: hunter2\n")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    spec = {**DICT, "shared": {"t": {"spec": "../secret.yaml"}}}
    with pytest.raises(graphspec.SpecError) as e:
        graphspec.check(spec)
    assert [d.code for d in e.value.diagnostics] == ["GS350"]
    assert "secret_key" not in str(e.value)
    with pytest.raises(graphspec.SpecError) as e:
        graphspec.check(spec, base_dir=work)  # `..` leaves the base directory
    assert [d.code for d in e.value.diagnostics] == ["GS346"]
    assert "secret_key" not in str(e.value)


def test_the_dict_api_includes_relative_to_its_base_directory(tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "tower.yaml").write_text(SMALL)
    spec = {
        **DICT,
        "shared": {"t": {"spec": "parts/tower.yaml"}},
        "nodes": {"u": {"use": "t", "inputs": "x"}},
        "outputs": ["u"],
    }
    checked = graphspec.check(spec, base_dir=tmp_path)
    assert [n.id for n in checked.program.graph.nodes] == ["u"]
    assert graphspec.build(spec, base_dir=tmp_path).count_params() == 10


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: {"a": [[[]]]} | _nested(MAX_DEPTH + 5), "GS107"),
        (lambda: {"many": list(range(1_000_001))}, "GS108"),
        (lambda: {"big": "x" * (MAX_BYTES + 1)}, "GS108"),
        (lambda: {1: "a"}, "GS103"),
        (lambda: {"n": 2**64}, "GS112"),
        (lambda: {"f": print}, "GS113"),
    ],
    ids=["depth", "values", "text", "key", "integer", "object"],
)
def test_the_dict_api_has_the_loaders_caps(make: Callable[[], dict[Any, Any]], code: str) -> None:
    with pytest.raises(graphspec.GraphSpecError) as e:
        graphspec.check({**DICT, **make()})
    assert code in [d.code for d in e.value.diagnostics]


def _nested(depth: int) -> dict[str, Any]:
    deep: dict[str, Any] = {}
    for _ in range(depth):
        deep = {"a": deep}
    return {"description_nested": deep}


def test_the_dict_api_refuses_data_that_contains_itself() -> None:
    spec: dict[str, Any] = {**DICT, "nodes": {"d": dict(DICT["nodes"]["d"])}}  # type: ignore[call-overload]
    spec["nodes"]["d"]["kernel_initializer"] = [spec]
    with pytest.raises(graphspec.GraphSpecError) as e:
        graphspec.check(spec)
    assert [d.code for d in e.value.diagnostics] == ["GS114"]
