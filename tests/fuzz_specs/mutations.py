"""Spec mutations for fuzzing, each recording the spec path of what it changed (a Site)."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from hypothesis import strategies as st

from graphspec.diagnostics import GraphSpecError, SpecPath
from graphspec.syntax.loader import load_text
from tests.conftest import SPECS
from tests.fuzz_specs.valid import Draw

# ---- mutations ------------------------------------------------------------------------------


SMALL_SPECS = sorted([*(SPECS / "seed").glob("*.yaml"), *(SPECS / "examples").glob("*.yaml")])
"""The bundled specs small enough to mutate (the architectures are left to other tests)."""

ODD_VALUES: list[Any] = [
    "x", "", "Dens", "$x", "${1 / 0}", "${width *}", "$$", [1], [], {"a": 1}, {}, None, True,
    False, 1.5, -1.0, math.inf, math.nan, 0, -5, 10**30, 2**63, -(2**63), "1e400", [[[[]]]],
    {"class_name": "Dense", "config": {}}, {"name": "HeNormal", "seed": 1}, "keras.layers.Dense",
    "${" + "(" * 300 + "1" + ")" * 300 + "}", "${" + "9" * 5000 + "}", "u${" + "*".join(["9" * 9] * 600) + "}",
]  # fmt: skip
"""Values of every type that spec keys might receive."""

LAYER_NAMES = [
    "Dense", "Conv2D", "LSTM", "Add", "Concatenate", "Flatten", "Embedding", "Reshape",
    "MultiHeadAttention", "Bidirectional", "TimeDistributed", "Lambda", "TFSMLayer", "Dens",
    "dense", "os.system", "keras.layers.Dense", "Input", "InputLayer", "Model", "",
]  # fmt: skip


@dataclass(frozen=True)
class Site:
    """What one mutation changed, so that the test can tell where its errors may point.

    A data-level mutation names the spec path of what it changed; a text-level one the lines
    it touched (1-based, counted as YAML counts them, in the mutant's final text). A mutation
    that changed nothing records no site."""

    kind: str
    path: SpecPath | None = None
    """The value replaced or set, the key dropped (no longer there), a renamed key's new path."""
    old: SpecPath | None = None
    """rename_key: the key's path before; duplicate_node: the node copied."""
    lines: tuple[int, ...] = ()
    lf_lines: tuple[int, ...] = ()
    """The same lines counting only `\\n` as a line break, as graphspec's loader does where
    it computes a position itself (GS111, and GS101 for a character YAML refuses): a known
    graphspec bug, see test_fuzz.py's KNOWN_BUGS."""
    cycle: tuple[str, str] | None = None
    """make_cycle: (a, b): node a now reads node b, which already depended on a."""
    between: frozenset[str] = frozenset()
    """make_cycle: the nodes on some path from a to b (a and b too): all a cycle can name."""
    number: int | None = None
    """huge_number: the integer written."""
    gone: frozenset[str] = frozenset()
    """The ids of inputs, nodes, shared entries and blocks the mutation took away (dropped or
    renamed): references to them dangle."""


def _paths(data: Any, path: SpecPath = ()) -> list[SpecPath]:
    found = [path] if path else []
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for k, v in items:
        found.extend(_paths(v, (*path, k)))
    return found


def _parent(data: Any, path: SpecPath) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


_MISSING = object()


def value_at(data: Any, path: SpecPath) -> Any:
    """The value at `path`, or _MISSING."""
    for part in path:
        in_map = isinstance(data, dict) and isinstance(part, str) and part in data
        in_list = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if not (in_map or in_list):
            return _MISSING
        data = data[part]
    return data


def _nodes(data: Any) -> dict[str, Any]:
    nodes = data.get("nodes") if isinstance(data, dict) else None
    return (
        {k: v for k, v in nodes.items() if isinstance(v, dict)} if isinstance(nodes, dict) else {}
    )


def keys_and_ids(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """A spec text's top-level keys and the ids it defines (none when it does not load)."""
    try:
        data = load_text(text).data
    except GraphSpecError:
        return frozenset(), frozenset()
    return frozenset(data if isinstance(data, dict) else ()), frozenset(ids_of(data))


def ids_of(data: Any) -> list[str]:
    ids = []
    for section in ("inputs", "nodes", "shared", "blocks"):
        if isinstance(data, dict) and isinstance(data.get(section), dict):
            ids.extend(data[section])
    return ids


def reference_slots(inputs: Any) -> list[tuple[Any, Any]]:
    """(container, key) of every reference string in a node's `inputs`."""
    slots: list[tuple[Any, Any]] = []
    items = (
        (inputs.items() if isinstance(inputs, dict) else enumerate(inputs))
        if isinstance(inputs, dict | list)
        else ()
    )
    for k, v in items:
        if isinstance(v, str):
            slots.append((inputs, k))
        elif isinstance(v, dict | list):
            slots.extend(reference_slots(v))
    return slots


def refs(node: Any) -> list[str]:
    """The ids a node's `inputs` read (selectors dropped)."""
    inputs = node.get("inputs") if isinstance(node, dict) else None
    if isinstance(inputs, str):
        return [inputs.split(".")[0]]
    return [c[k].split(".")[0] for c, k in reference_slots(inputs)]


def _typo(draw: Draw, word: str) -> str:
    i = draw(st.integers(0, len(word)))
    typo: str = draw(
        st.sampled_from(
            [
                word[:i] + word[i + 1 :],
                word[:i] + "x" + word[i:],
                word.upper(),
                word + "s",
                word[::-1],
            ]
        )
    )
    return typo


def _unchanged(a: Any, b: Any) -> bool:
    return type(a) is type(b) and repr(a) == repr(b)


def drop_key(draw: Draw, data: Any) -> Site | None:
    paths = [p for p in _paths(data) if isinstance(_parent(data, p), dict)]
    if not paths:
        return None
    p = draw(st.sampled_from(paths))
    del _parent(data, p)[p[-1]]
    return Site("drop_key", p)


def rename_key(draw: Draw, data: Any) -> Site | None:
    paths = [p for p in _paths(data) if isinstance(_parent(data, p), dict)]
    if not paths:
        return None
    p = draw(st.sampled_from(paths))
    new = _typo(draw, p[-1])
    if new == p[-1]:
        return None
    parent = _parent(data, p)
    parent[new] = parent.pop(p[-1])
    return Site("rename_key", (*p[:-1], new), old=p)


def retype(draw: Draw, data: Any) -> Site | None:
    paths = _paths(data)
    if not paths:
        return None
    p = draw(st.sampled_from(paths))
    value = copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))
    if _unchanged(_parent(data, p)[p[-1]], value):
        return None
    _parent(data, p)[p[-1]] = value
    return Site("retype", p)


def bad_reference(draw: Draw, data: Any) -> Site | None:
    nodes = _nodes(data)
    if not nodes:
        return None
    nid = draw(st.sampled_from(sorted(nodes)))
    ids = ids_of(data) or ["x"]
    target = draw(
        st.sampled_from(ids).flatmap(
            lambda i: st.sampled_from(
                [i, f"{i}.0", f"{i}.7", f"{i}.nope", f"{i}.{i}", "nowhere", "1bad", "a.b.c"]
            )
        )
    )
    key = draw(st.sampled_from(["inputs", "inputs", "use", "block"]))
    shape = draw(st.sampled_from(["one", "list", "map"]))
    value = (
        target
        if shape == "one" or key != "inputs"
        else [target]
        if shape == "list"
        else {"query": target}
    )
    if _unchanged(nodes[nid].get(key), value):
        return None
    nodes[nid][key] = value
    return Site("bad_reference", ("nodes", nid, key))


def make_cycle(draw: Draw, data: Any) -> Site | None:
    """Node a reads node b instead of one of its inputs, where b already depends on a."""
    nodes = _nodes(data)
    if not nodes:
        return None
    a = draw(st.sampled_from(sorted(nodes)))
    after = {a}
    for _ in nodes:  # everything downstream of a, by fixpoint
        after |= {n for n, node in nodes.items() if set(refs(node)) & after}
    b = draw(st.sampled_from(sorted(after)))
    before = {b}
    for _ in nodes:  # everything b depends on
        before |= {r for n in before if n in nodes for r in refs(nodes[n]) if r in nodes}
    inputs = nodes[a].get("inputs")
    slots = reference_slots(inputs)
    if slots:
        container, key = draw(st.sampled_from(slots))
        container[key] = b
    else:
        nodes[a]["inputs"] = b
    return Site(
        "make_cycle", ("nodes", a, "inputs"), cycle=(a, b), between=frozenset(after & before)
    )


def duplicate_node(draw: Draw, data: Any) -> Site | None:
    nodes = _nodes(data)
    if not nodes:
        return None
    nid = draw(st.sampled_from(sorted(nodes)))
    new = draw(st.sampled_from([nid + "_dup", nid.upper(), nid + "_1", "x"]))
    if new == nid:
        return None
    data["nodes"][new] = copy.deepcopy(nodes[nid])
    return Site("duplicate_node", ("nodes", new), old=("nodes", nid))


def swap_layer(draw: Draw, data: Any) -> Site | None:
    paths = [p for p in _paths(data) if p[-1] == "layer"]
    if not paths:
        return None
    p = draw(st.sampled_from(paths))
    name = draw(st.sampled_from(LAYER_NAMES))
    if _unchanged(_parent(data, p)["layer"], name):
        return None
    _parent(data, p)["layer"] = name
    return Site("swap_layer", p)


def repeat_or_args(draw: Draw, data: Any) -> Site | None:
    nodes = _nodes(data)
    if not nodes:
        return None
    nid = draw(st.sampled_from(sorted(nodes)))
    node = nodes[nid]
    if draw(st.booleans()):
        key = "repeat"
        value = draw(st.sampled_from([0, -1, 1, 2, 3, "2", 2.5, True, None, [2], 10**9]))
    else:
        key = "args"
        value = draw(
            st.sampled_from([[], [1], [2, 3], list(range(12)), "x", [None], [{"layer": "Dense"}]])
        )
    if _unchanged(node.get(key, _MISSING), value):
        return None
    node[key] = value
    return Site("repeat_or_args", ("nodes", nid, key))


def huge_number(draw: Draw, data: Any) -> Site | None:
    ints = [p for p in _paths(data) if type(_parent(data, p)[p[-1]]) is int]
    if not ints:
        return None
    p = draw(st.sampled_from(ints))
    number = draw(st.sampled_from([10**9, 2**31, 2**63 + 1, 10**30, 10**4000]))
    if _parent(data, p)[p[-1]] == number:
        return None
    _parent(data, p)[p[-1]] = number
    return Site("huge_number", p, number=number)


DATA_MUTATIONS: dict[str, Callable[[Draw, Any], Site | None]] = {
    "huge_number": huge_number,
    "drop_key": drop_key,
    "rename_key": rename_key,
    "retype": retype,
    "bad_reference": bad_reference,
    "make_cycle": make_cycle,
    "duplicate_node": duplicate_node,
    "swap_layer": swap_layer,
    "repeat_or_args": repeat_or_args,
}
"""Mutations of the loaded values, in place (the document is dumped again afterwards); each
says what it changed, or None when it changed nothing."""


def moved(site: Site, old: SpecPath, new: SpecPath) -> Site:
    """`site` after a later rename of the key at `old` to `new`."""

    def move(p: SpecPath | None) -> SpecPath | None:
        return (*new, *p[len(old) :]) if p is not None and p[: len(old)] == old else p

    return replace(site, path=move(site.path), old=move(site.old))


def still_there(site: Site, data: Any) -> bool:
    """Whether a later mutation left what `site` changed in place."""
    assert site.path is not None
    if site.kind == "drop_key":
        return value_at(data, site.path[:-1]) is not _MISSING
    return value_at(data, site.path) is not _MISSING
