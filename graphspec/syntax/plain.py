"""A spec given as Python data (the dict API) → a Document, under the loader's caps: only what
YAML could have written (strings, numbers, booleans, null, lists, string-keyed mappings), at
most as deep, as many values, as much text and as large integers as a file may hold."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphspec.caps import MAX_BYTES, MAX_DEPTH, MAX_INT, MAX_VALUES
from graphspec.diagnostics import Code, Diagnostic, LoadError, SpecPath, codes
from graphspec.syntax.document import Document
from graphspec.syntax.lenient import entry_of

_MAX_REPORTED = 100
"""Problems reported before the walk stops (a list of a million bad values says it once)."""


class _Walk:
    """Copies the data iteratively (no recursion), checking every value on the way."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.values = 0
        self.text = 0
        self.problems: list[Diagnostic] = []
        self.spoiled: set[SpecPath] = set()

    def problem(self, path: SpecPath, message: str, code: Code) -> None:
        self.problems.append(Diagnostic(message, self.file, code=code, path=path))
        self.spoiled.add(path)

    def fatal(self, path: SpecPath, message: str, code: Code) -> LoadError:
        self.problem(path, f"{message} (a cap of graphspec's loader)", code)
        return LoadError(self.problems)

    def scalar(self, value: Any, path: SpecPath) -> Any:
        if value is None or isinstance(value, bool | float):
            return value
        if isinstance(value, int):
            if abs(value) > MAX_INT:
                self.problem(
                    path,
                    "the integer is out of range (at most 2^63 - 1, either sign)",
                    codes.INTEGER_OUT_OF_RANGE,
                )
                return None
            return int(value)
        if isinstance(value, str):
            self.text += len(value)
            return value
        self.problem(
            path,
            f"a value of type {type(value).__name__} is not spec data: only strings, numbers, "
            "booleans, None, lists and mappings with string keys",
            codes.NOT_PLAIN_DATA,
        )
        return None

    def run(self, data: Mapping[str, Any]) -> dict[str, Any]:
        root: dict[str, Any] = {}
        # (source container, its copy, its path, the ids of the containers holding it)
        stack: list[tuple[Any, Any, SpecPath, frozenset[int]]] = [(data, root, (), frozenset())]
        while stack and len(self.problems) < _MAX_REPORTED:
            source, copy, path, above = stack.pop()
            if len(path) >= MAX_DEPTH:
                raise self.fatal(
                    path, f"nesting deeper than {MAX_DEPTH} levels", codes.NESTING_TOO_DEEP
                )
            inside = above | {id(source)}
            items = source.items() if isinstance(source, Mapping) else enumerate(source)
            for key, value in items:
                self.values += 1
                if self.values > MAX_VALUES or self.text > MAX_BYTES:
                    what = (
                        f"more than {MAX_VALUES:,} values"
                        if self.values > MAX_VALUES
                        else f"more than {MAX_BYTES:,} characters of text"
                    )
                    raise self.fatal(path, f"the data holds {what}", codes.TOO_MANY_VALUES)
                if isinstance(source, Mapping) and not isinstance(key, str):
                    self.problem(path, f"keys must be strings, got {key!r}", codes.KEY_NOT_STRING)
                    continue
                here = (*path, key)
                if isinstance(key, str):
                    self.text += len(key)
                if isinstance(value, Mapping | list | tuple):
                    if id(value) in inside:
                        self.problem(
                            here, "the data contains itself here", codes.DATA_REFERS_TO_ITSELF
                        )
                        continue
                    child: Any = {} if isinstance(value, Mapping) else []
                    stack.append((value, child, here, inside))
                else:
                    child = self.scalar(value, here)
                if isinstance(copy, dict):
                    copy[key] = child
                else:
                    copy.append(child)
        return root


def document_from_data(
    data: Mapping[str, Any], file: str = "<spec>", lenient: bool = False
) -> Document:
    """A Document holding a checked copy of `data`; LoadError with every problem found (past
    a cap, always; with `lenient`, other problems are kept in `doc.problems`, the values
    replaced by null)."""
    walk = _Walk(file)
    copy = walk.run(data)
    fatal = any(d.code == codes.KEY_NOT_STRING for d in walk.problems)  # a key left out
    if walk.problems and (fatal or not lenient):
        raise LoadError(walk.problems)
    doc = Document(file, "", copy)
    doc.problems, doc.spoiled = walk.problems, {entry_of(p) for p in walk.spoiled}
    return doc
