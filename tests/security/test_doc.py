"""SECURITY.md names only what exists: every test, invalid case, file and cap it cites."""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOC = ROOT / "SECURITY.md"
TESTS = ROOT / "tests"
INVALID = TESTS / "data" / "invalid"
TICKED = re.compile(r"`([^`]+)`")


@cache
def _test_files() -> dict[str, set[Path]]:
    """Test modules by the names the document uses: the stem, and the path under tests/."""
    found: dict[str, set[Path]] = {}
    for path in TESTS.rglob("test_*.py"):
        for key in (path.stem, path.relative_to(TESTS).with_suffix("").as_posix()):
            found.setdefault(key, set()).add(path)
    return found


@cache
def _tests_in(path: Path) -> frozenset[str]:
    body = ast.parse(path.read_text("utf-8")).body
    return frozenset(n.name for n in body if isinstance(n, ast.FunctionDef))


def _kept_by() -> Iterator[tuple[int, list[str]]]:
    """Each row of a table whose last column cites tests: its line and the ticked names."""
    for number, line in enumerate(DOC.read_text("utf-8").splitlines(), 1):
        cells = line.split("|")
        if line.startswith("| ") and len(cells) >= 4 and "::" in cells[-2]:
            yield number, TICKED.findall(cells[-2])


def _cited() -> Iterator[tuple[int, str, str]]:
    """(line, module or "invalid", name) for every test and case cited: a bare name belongs
    to the module or `invalid/` named before it in the same cell."""
    for number, names in _kept_by():
        where = None
        for name in names:
            if m := re.fullmatch(r"([\w/]+)::(test_\w+)", name):
                where = m.group(1)
                yield number, where, m.group(2)
            elif m := re.fullmatch(r"invalid/(\w+)", name):
                where = "invalid"
                yield number, where, m.group(1)
            elif re.fullmatch(r"\w+", name) and where is not None:
                yield number, where, name
            else:
                where = None  # a file or a setting: what follows names its own module


CITED = sorted(set(_cited()))


@pytest.mark.parametrize(("line", "where", "name"), CITED, ids=[f"{w}:{n}" for _, w, n in CITED])
def test_every_test_and_case_cited_exists(line: int, where: str, name: str) -> None:
    if where == "invalid":
        assert (INVALID / f"{name}.yaml").is_file(), f"SECURITY.md:{line}: no invalid/{name}"
        return
    files = sorted(_test_files().get(where, set()))
    assert len(files) == 1, f"SECURITY.md:{line}: {where} names {len(files)} test modules"
    assert name in _tests_in(files[0]), f"SECURITY.md:{line}: no {name} in {files[0]}"


def test_the_citations_are_read() -> None:
    """The reader above finds the document's citations (a change of layout would otherwise
    leave the test above checking nothing)."""
    assert len(CITED) > 80
    assert {w for _, w, _ in CITED} >= {"invalid", "security/test_yaml", "test_loader"}


def _paths() -> list[str]:
    text = DOC.read_text("utf-8")
    return sorted(
        {p for p in TICKED.findall(text) if re.fullmatch(r"[\w./-]+/[\w.-]+\.(py|md|json)", p)}
    )


@pytest.mark.parametrize("path", _paths())
def test_every_file_named_exists(path: str) -> None:
    assert (ROOT / path).is_file(), f"SECURITY.md names {path}, which is not in the checkout"


def _caps() -> list[tuple[str, str, str]]:
    """(value, module, name) of each row of the table of caps."""
    text = DOC.read_text("utf-8").split("### Caps", 1)[1].split("\n\n", 2)[1]
    rows = []
    for line in text.splitlines()[2:]:
        _, _, value, where, _ = line.split("|")
        m = re.fullmatch(r"\s*`(\w+)\.(\w+)`\s*", where)
        assert m, f"the caps table names no module.NAME in {where!r}"
        rows.append((value.strip(), m.group(1), m.group(2)))
    return rows


def _number(value: str) -> int | None:
    """The number a cap's value states: `4 MiB (4,194,304 bytes)`, `16 MiB`, `10^9`, `64`."""
    if m := re.search(r"\(([\d,]+)", value):
        return int(m.group(1).replace(",", ""))
    if m := re.match(r"(\d+) MiB", value):
        return int(m.group(1)) * 2**20
    if m := re.match(r"10\^(\d+)", value):
        return 10 ** int(m.group(1))
    if m := re.match(r"[\d,]+\b", value):
        return int(m.group(0).replace(",", ""))
    return None  # not a number (the files `spec:` may read)


def _module(short: str) -> object:
    names = [
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in (ROOT / "graphspec").rglob(f"{short}.py")
    ]
    assert len(names) == 1, f"the caps table's {short} names {names or 'no module'}"
    return importlib.import_module(names[0])


CAPS = _caps()


@pytest.mark.parametrize(("value", "module", "name"), CAPS, ids=[n for _, _, n in CAPS])
def test_every_cap_is_where_it_is_said_to_be_with_its_value(
    value: str, module: str, name: str
) -> None:
    found = getattr(_module(module), name, None)
    assert found is not None, f"graphspec's {module} has no {name}"
    number = _number(value)
    if number is not None:
        assert found == number, f"SECURITY.md gives {name} as {value}; it is {found:,}"
