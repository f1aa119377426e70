"""Groups of nodes with one structure as one block template: the shape of a group (classes,
keys, wiring) without its values, and the parameters that the groups' values differ in."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphspec.syntax.schema import ID_RE

KINDS = ("layer", "op", "use", "block")
STRUCTURAL = ("inputs", "call", "repeat")
"""Node keys that are part of a group's shape, not values a parameter may stand for."""


def target(ref: str) -> str:
    return ref.split(".", 1)[0]


def refs_of(inputs: Any) -> list[str]:
    """Every reference in a node's `inputs`, in order."""
    if isinstance(inputs, str):
        return [inputs]
    if isinstance(inputs, list):
        return [r for v in inputs for r in refs_of(v)]
    if isinstance(inputs, dict):
        return [r for v in inputs.values() for r in refs_of(v)]
    return []


def map_refs(inputs: Any, rename: dict[str, str]) -> Any:
    """`inputs` with each reference's target renamed (an `.K` suffix kept)."""
    if isinstance(inputs, str):
        head, dot, tail = inputs.partition(".")
        return rename.get(inputs) or (rename[head] + dot + tail if head in rename else inputs)
    if isinstance(inputs, list):
        return [map_refs(v, rename) for v in inputs]
    return {k: map_refs(v, rename) for k, v in inputs.items()}


def escaped(value: Any) -> Any:
    """A literal inside a block body: `$` written `$$` so that it is not substituted."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, list):
        return [escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: escaped(v) for k, v in value.items()}
    return value


def parameterisable(value: Any) -> bool:
    """Scalars and lists of scalars may vary between uses; mappings (a nested layer) may not."""
    if isinstance(value, list):
        return all(parameterisable(v) for v in value)
    return not isinstance(value, dict)


@dataclass
class Shape:
    """One group: its shape (equal for groups one template serves), its values by slot,
    and its formal inputs (the outside references, in order of first use)."""

    members: list[str]
    signature: str
    values: list[Any]
    slots: list[tuple[int, str]]
    formals: list[str]


def shape_of(nodes: dict[str, dict[str, Any]], member: list[str]) -> Shape:
    local = {n: i for i, n in enumerate(member)}
    formals: dict[str, int] = {}
    described: list[Any] = []
    values: list[Any] = []
    slots: list[tuple[int, str]] = []
    for i, nid in enumerate(member):
        node = nodes[nid]
        kind = next(k for k in KINDS if k in node)
        keys = [k for k in node if k not in (*KINDS, *STRUCTURAL)]
        fixed = {k: node[k] for k in keys if not parameterisable(node[k])}
        for k in keys:
            if k not in fixed:
                slots.append((i, k))
                values.append(node[k])
        for ref in refs_of(node.get("inputs")):
            if target(ref) not in local:
                formals.setdefault(ref, len(formals))
        wiring = _wiring(node.get("inputs"), local, formals)
        extra = {k: node[k] for k in STRUCTURAL[1:] if k in node}
        described.append([kind, node[kind], keys, fixed, wiring, extra])
    return Shape(member, json.dumps(described, sort_keys=True), values, slots, list(formals))


def _wiring(inputs: Any, local: dict[str, int], formals: dict[str, int]) -> Any:
    if isinstance(inputs, str):
        head, _, tail = inputs.partition(".")
        return ["n", local[head], tail] if head in local else ["x", formals[inputs]]
    if isinstance(inputs, list):
        return [_wiring(v, local, formals) for v in inputs]
    if isinstance(inputs, dict):
        return {k: _wiring(v, local, formals) for k, v in inputs.items()}
    return None


MISSING = object()
"""No default known for a key a node leaves out."""
DefaultOf = Callable[[dict[str, Any], str], Any]
"""The value a node gets for a key it leaves out (its constructor's or block's default)."""


def loose_signature(nodes: dict[str, dict[str, Any]], member: list[str]) -> str:
    """A group's shape without its keyword arguments: kinds, classes and wiring."""
    local = {n: i for i, n in enumerate(member)}
    formals: dict[str, int] = {}
    described = []
    for nid in member:
        node = nodes[nid]
        kind = next(k for k in KINDS if k in node)
        for ref in refs_of(node.get("inputs")):
            if target(ref) not in local:
                formals.setdefault(ref, len(formals))
        extra = {k: node[k] for k in STRUCTURAL[1:] if k in node}
        described.append([kind, node[kind], _wiring(node.get("inputs"), local, formals), extra])
    return json.dumps(described, sort_keys=True)


def filled(
    nodes: dict[str, dict[str, Any]], groups: list[list[str]], default_of: DefaultOf
) -> dict[str, dict[str, Any]]:
    """Groups of one loose signature with the same keys at each node: a key some leave out
    given its default value, where the default is known (the rest stay as they are)."""
    view: dict[str, dict[str, Any]] = {}
    for i in range(len(groups[0])):
        union: dict[str, None] = {}
        for group in groups:
            union.update(
                dict.fromkeys(k for k in nodes[group[i]] if k not in (*KINDS, *STRUCTURAL))
            )
        for group in groups:
            node = nodes[group[i]]
            values = {k: node[k] if k in node else default_of(node, k) for k in union}
            if any(v is MISSING for v in values.values()):
                continue
            kind = next(k for k in KINDS if k in node)
            view[group[i]] = {
                kind: node[kind],
                **values,
                **{k: v for k, v in node.items() if k in STRUCTURAL},
            }
    return view


# ---- parameters ---------------------------------------------------------------------------


@dataclass
class Parameters:
    """What each varying slot is written as inside the template (`$p`, `${2 * p}`), each
    parameter's default, and each member's values for the parameters."""

    written: dict[int, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, list[Any]] = field(default_factory=dict)


def parameters(shapes: list[Shape], inner: list[str]) -> Parameters:
    """Slots whose values differ between the groups become parameters: slots that always
    agree share one; an integer slot that is always a whole multiple of another is written
    as an expression of it (`${4 * filters}`). Defaults are the most common values."""
    found = Parameters()
    varying: dict[str, list[int]] = {}  # a value column (as text) → the slots that have it
    columns: dict[str, list[Any]] = {}
    for s in range(len(shapes[0].slots)):
        column = [shape.values[s] for shape in shapes]
        if all(same_value(v, column[0]) for v in column):
            found.written[s] = escaped(column[0])
        else:
            text = json.dumps(column, sort_keys=True)
            varying.setdefault(text, []).append(s)
            columns[text] = column
    plain: list[str] = []
    multiple: dict[str, tuple[str, int]] = {}  # column text → (base column text, factor)
    for text in sorted(varying, key=lambda t: _magnitude(columns[t])):
        hit = _multiple_of(columns[text], [(b, columns[b]) for b in plain])
        if hit is None:
            plain.append(text)
        else:
            multiple[text] = hit
    names: dict[str, str] = {}
    for text, slots in varying.items():  # named in slot order
        if text in multiple:
            continue
        node, key = shapes[0].slots[slots[0]]
        name = key if key not in names.values() and ID_RE.fullmatch(key) else f"{inner[node]}_{key}"
        names[text] = name = _fresh(name, set(names.values()))
        found.columns[name] = columns[text]
        found.defaults[name] = _most_common(columns[text])
    for text, slots in varying.items():
        base, factor = multiple.get(text, (text, 1))
        written = f"${names[base]}" if factor == 1 else f"${{{factor} * {names[base]}}}"
        found.written.update(dict.fromkeys(slots, written))
    return found


def same_value(a: Any, b: Any) -> bool:
    """Equal as YAML writes them (`1`, `1.0` and `true` are three values)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _magnitude(column: list[Any]) -> float:
    """Integer columns by size (a base before its multiples); others after, as they came."""
    if all(isinstance(v, int) and not isinstance(v, bool) for v in column):
        return float(sum(abs(v) for v in column))
    return float("inf")


def _multiple_of(column: list[Any], bases: list[tuple[str, list[Any]]]) -> tuple[str, int] | None:
    """(base, K) when `column` is K (≥ 2) times one of the integer `bases`, else None."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in column):
        return None
    for text, other in bases:
        if not all(isinstance(v, int) and not isinstance(v, bool) and v for v in other):
            continue
        ratios = {v // o if v % o == 0 else None for v, o in zip(column, other, strict=True)}
        if len(ratios) == 1 and (ratio := ratios.pop()) is not None and ratio >= 2:
            return text, ratio
    return None


def _most_common(column: list[Any]) -> Any:
    counts = Counter(json.dumps(v, sort_keys=True) for v in column)
    best = max(counts.values())
    return next(v for v in column if counts[json.dumps(v, sort_keys=True)] == best)


def _fresh(name: str, taken: set[str]) -> str:
    candidate, k = name, 2
    while candidate in taken:
        candidate, k = f"{name}_{k}", k + 1
    return candidate


# ---- names --------------------------------------------------------------------------------

_CAMEL = (re.compile(r"(.)([A-Z][a-z]+)"), re.compile(r"([a-z])([A-Z])"))


def snake(name: str) -> str:
    """A class name as Keras names its layers (`Conv2D` → `conv2d`, `ReLU` → `re_lu`)."""
    text = _CAMEL[0].sub(r"\1_\2", re.sub(r"\W+", "", name))
    return _CAMEL[1].sub(r"\1_\2", text).lower()


def common_prefix(names: list[str]) -> str:
    """The longest common prefix that ends at a `_` (or is a whole name)."""
    shortest = min(names, key=len)
    end = 0
    for i, c in enumerate(shortest):
        if any(n[i] != c for n in names):
            break
        whole = i + 1 == len(shortest) and all(len(n) == i + 1 or n[i + 1] == "_" for n in names)
        if c == "_" or whole:
            end = i + 1
    return shortest[:end]


def common_suffix(names: list[str]) -> str:
    reversed_names = [n[::-1] for n in names]
    return common_prefix(reversed_names)[::-1] if len(names) > 1 else ""


def without_digits(name: str) -> str:
    """`conv2_block6_concat` → `conv_block_concat`: a name with its numbers left out."""
    parts = [re.sub(r"\d+", "", p) for p in name.split("_")]
    text = "_".join(p for p in parts if p)
    return text if ID_RE.fullmatch(text) else ""


def inner_ids(nodes: dict[str, dict[str, Any]], member: list[str]) -> list[str]:
    """The template's node ids, from the first group's ids without what they share (with
    nothing shared, without their numbers); a leading number moves to the end."""
    prefix = common_prefix(member) if len(member) > 1 else ""
    stripped = [n[len(prefix) :] for n in member]
    suffix = common_suffix(stripped) if all(stripped) else ""
    out: list[str] = []
    for nid, text in zip(member, stripped, strict=True):
        text = (text[: len(text) - len(suffix)] if suffix else text).strip("_")
        if not prefix and not suffix:
            text = without_digits(text)
        base = snake(str(next(nodes[nid][k] for k in KINDS if k in nodes[nid])))
        number, _, rest = text.partition("_")
        if number.isdigit() and rest:
            text = f"{rest}_{number}"
        if not text or text.lower() in ("null", "true", "false"):
            text = base
        elif not ID_RE.fullmatch(text):
            text = f"{base}_{text}"
        out.append(_fresh(text, set(out)))
    return out
