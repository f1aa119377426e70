"""Lenient validation: what is invalid is left out field by field (or entry by entry), so that
the rest of a spec is still validated and checked by the later stages in the same run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from graphspec.diagnostics import SpecPath
from graphspec.syntax import pydantic_errors
from graphspec.syntax.sections import NAMESPACES, SETTINGS

STAND_IN = "graphspec_stand_in"
"""The id of the stand-in a required section gets while the rest is validated (then removed)."""

REMOVABLE = {
    "nodes": {"call": True, "repeat": True, "name": False},
    "inputs": {"dtype": False, "batch_size": False, "sparse": False},
    "shared": {"name": False},
    "blocks": {},
}
"""Fields an entry is still checked without when they are invalid, and whether leaving one out
changes the entry's value (then what it computes is unknown to later stages: it is tainted)."""


@dataclass
class LeftOut:
    """What lenient validation left out of one document, by spec path."""

    entries: dict[tuple[SpecPath, str], set[str]] = field(default_factory=dict)
    """(graph, section) → ids of entries left out whole."""
    sections: set[SpecPath] = field(default_factory=set)
    """(*graph, section) of sections left out whole (a required one is then empty)."""
    tainted: set[SpecPath] = field(default_factory=set)
    """(*graph, section, id) of entries checked without some invalid fields of theirs."""

    def ids(self, graph: SpecPath, section: str) -> set[str]:
        return self.entries.get((graph, section), set())

    def whole(self, graph: SpecPath) -> bool:
        """Whether a whole section of the graph at `graph` was left out."""
        return any(s[:-1] == graph for s in self.sections)

    def __bool__(self) -> bool:
        return bool(self.entries or self.sections or self.tainted)


class _Data:
    """The document's values, copied only along the paths that change."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.root: Any = dict(data)
        self.copied: set[int] = {id(self.root)}

    def parent(self, path: SpecPath) -> Any:
        """The container holding `path`'s last part, copied on the way (None when gone)."""
        node = self.root
        for part in path[:-1]:
            try:
                child = node[part]
            except (KeyError, IndexError, TypeError):
                return None
            if not isinstance(child, dict | list):
                return None
            if id(child) not in self.copied:
                child = dict(child) if isinstance(child, dict) else list(child)
                self.copied.add(id(child))
                node[part] = child
            node = child
        return node

    def remove(self, path: SpecPath) -> None:
        container = self.parent(path)
        if isinstance(container, dict):
            container.pop(path[-1], None)

    def put(self, path: SpecPath, value: Any) -> None:
        container = self.parent(path)
        if isinstance(container, dict):
            container[path[-1]] = value


def _graph_of(path: SpecPath) -> tuple[SpecPath, SpecPath]:
    """(the graph the path is in, the path inside it): inline `graph:` entries nest."""
    base: SpecPath = ()
    while True:
        rel = path[len(base) :]
        if len(rel) >= 4 and rel[0] == "shared" and rel[2] == "graph":
            base = (*base, *rel[:3])
        else:
            return base, rel


def entry_of(path: SpecPath) -> SpecPath:
    """The entry a value belongs to: a node, input, shared entry, block or output (their
    graph's), a setting of `compile:`, `fit:` or `expect:`, else the top-level key."""
    base, rel = _graph_of(path)
    keyed = (*NAMESPACES, "outputs", *(SETTINGS if not base else ()))
    return (*base, *rel[: 2 if rel[:1] and rel[0] in keyed else 1])


class _Pruner:
    """Turns each validation error into the smallest change that removes it."""

    def __init__(self, data: _Data, left: LeftOut) -> None:
        self.data, self.left = data, left
        self.stand_ins: set[str] = set()

    def entry(self, base: SpecPath, section: str, eid: str) -> None:
        self.left.entries.setdefault((base, section), set()).add(eid)
        self.data.remove((*base, section, eid))

    def section(self, base: SpecPath, section: str) -> bool:
        """Leave a whole section out; a required one of an inline graph takes its entry."""
        self.left.sections.add((*base, section))
        if section in ("shared", "blocks") or (section == "nodes" and base == ()):
            self.data.put((*base, section), {})
        elif base == ():
            self.stand_ins.add(section)
            stand_in: dict[str, Any] = {STAND_IN: {"shape": []} if section == "inputs" else None}
            self.data.put((section,), stand_in)
        else:
            return self.inline_graph(base)
        return True

    def inline_graph(self, base: SpecPath) -> bool:
        outer, rel = _graph_of(base[:-1])
        self.entry(outer, str(rel[0]), str(rel[1]))
        return True

    def prune(self, path: SpecPath) -> bool:
        """Change the data so that the error at `path` goes; False when nothing can be left out."""
        base, rel = _graph_of(path)
        if not rel:
            return bool(base) and self.inline_graph(base)
        head = str(rel[0])
        if head in NAMESPACES:
            return self.namespace(base, rel)
        if head == "outputs":
            return self.outputs(base, rel)
        if head in SETTINGS and base == () and len(rel) >= 2:
            keyed = len(rel) >= 3 and isinstance(rel[2], str)  # a mapping's entry: that one
            self.data.remove(
                rel[:3] if keyed and isinstance(self.data.parent(rel[:3]), dict) else rel[:2]
            )
        elif head == "graphspec" and base == ():
            self.data.put(("graphspec",), 1)
        else:
            self.data.remove((*base, head))
        return True

    def namespace(self, base: SpecPath, rel: SpecPath) -> bool:
        section = str(rel[0])
        if len(rel) == 1 or not isinstance(rel[1], str):
            return self.section(base, section)
        eid = rel[1]
        fields: dict[str, bool] = REMOVABLE.get(section, {})
        if len(rel) >= 3 and isinstance(rel[2], str) and rel[2] in fields:
            self.data.remove((*base, *rel[:3]))
            if fields[rel[2]]:
                self.left.tainted.add((*base, section, eid))
            return True
        self.entry(base, section, eid)
        return True

    def outputs(self, base: SpecPath, rel: SpecPath) -> bool:
        raw = self.data.parent((*base, "outputs", "")) or {}
        if isinstance(raw, dict) and len(rel) >= 2 and isinstance(rel[1], str):
            if len(rel) >= 3:
                self.data.remove((*base, *rel[:3]))
            else:
                self.entry(base, "outputs", rel[1])
            return True
        return self.section(base, "outputs")


def error_paths(
    e: ValidationError, data: Any, found: list[pydantic_errors.Located] | None = None
) -> list[SpecPath]:
    """Where each of pydantic's errors is in the data (a missing key: the path it would have);
    `found`: `pydantic_errors.located(e, data)`, where the caller has it already."""
    out = []
    for err, path, _ in pydantic_errors.located(e, data) if found is None else found:
        if err["type"] == "missing" and err["loc"]:
            path = (*path, err["loc"][-1])
        out.append(path)
    return out


def prune(
    data: dict[str, Any],
    first: ValidationError,
    validate: Callable[[Any], Any],
    rounds: int = 3,
    found: list[pydantic_errors.Located] | None = None,
) -> tuple[Any, LeftOut, set[str]] | None:
    """Leave out what fails until `validate` passes: (its result, what was left out, the
    required top-level sections given stand-ins); None when that cannot be done. `found`:
    `pydantic_errors.located(first, data)`, where the caller has it already."""
    values = _Data(data)
    left = LeftOut()
    pruner = _Pruner(values, left)
    error = first
    for _ in range(rounds):
        for path in error_paths(error, values.root, found):
            if not pruner.prune(path):
                return None
        found = None  # (the next round's error is on the data as pruned)
        try:
            return validate(values.root), left, pruner.stand_ins
        except ValidationError as e:
            error = e
    return None


def prune_fields(
    data: dict[str, Any], e: ValidationError, section: str
) -> tuple[dict[str, Any], bool] | None:
    """One entry of `section` without the invalid fields it can be checked without: (its
    data, whether leaving them out taints it); None when an error is elsewhere."""
    fields = REMOVABLE.get(section, {})
    paths = error_paths(e, data)
    bad = {p[0] for p in paths if p}
    if any(not p for p in paths) or not bad <= set(fields):
        return None
    return {k: v for k, v in data.items() if k not in bad}, any(fields[str(b)] for b in bad)
