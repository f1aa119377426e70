"""Telling graphspec specs from other YAML files by their top-level keys, cheaply."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphspec.syntax.sniff import is_spec, top_level_keys

CASES = {
    "block": (
        b"graphspec: 1\ninputs: {}\nexpect:\n  params: 1\n",
        {"graphspec", "inputs", "expect"},
    ),
    "quoted keys": (b"\"graphspec\": 1\n'expect' : {}\n", {"graphspec", "expect"}),
    "flow mapping": (b"{graphspec: 1, expect: {params: 1}}\n", {"graphspec", "expect"}),
    "flow over lines": (b"{\n  graphspec: 1,\n  nodes: {}\n}\n", {"graphspec", "nodes"}),
    "byte order mark": (b"\xef\xbb\xbfgraphspec: 1\n", {"graphspec"}),
    "a comment names it": (b"# run graphspec on this\nrepos: []\n", {"repos"}),
    "nested key": (b"hooks:\n  graphspec: 1\n", {"hooks"}),
    "in a block scalar": (b"notes: |\n  graphspec: 1\n", {"notes"}),
    "a list": (b"- graphspec: 1\n", set()),
    "a scalar value": (b"graphspecs: 1\nname: graphspec\n", {"graphspecs", "name"}),
    "broken YAML, block key": (b"graphspec: 1\nexpect: [unclosed\n", {"graphspec", "expect"}),
    "broken YAML, flow": (b"{graphspec: 1, [\n", set()),
    "not UTF-8, flow": (b"{graphspec: \xff}\n", set()),
    "two documents": (b"a: 1\n---\ngraphspec: 1\n", {"a", "graphspec"}),
    "empty": (b"", set()),
}


@pytest.mark.parametrize("name", CASES)
def test_top_level_keys(tmp_path: Path, name: str) -> None:
    text, keys = CASES[name]
    path = tmp_path / "f.yaml"
    path.write_bytes(text)
    assert top_level_keys(path) == keys
    assert is_spec(path) == ("graphspec" in keys)
    assert is_spec(path, "expect") == ({"graphspec", "expect"} <= keys)


def test_an_unreadable_file_is_not_a_spec(tmp_path: Path) -> None:
    assert top_level_keys(tmp_path / "missing.yaml") == frozenset()
    assert top_level_keys(tmp_path) == frozenset()  # a directory
