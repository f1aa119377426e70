"""`graphspec import --blocks`: repeated structures of a flat spec folded into blocks with
parameters, in linear time (plus sorting); a pure function on spec data. The folded spec
builds the same model under the oracle (classes, configs, graph, parameters, function); the
Keras names of folded layers become the block-derived names (docs/import.md, "Blocks").

Three passes over each graph, in its (topological) node order:
1. runs: consecutive nodes whose Keras names share a key (`conv2_block1_1_conv`,
   `conv2_block1_1_bn` → `conv2_block1_1`; auto names `conv2d_5`, `activation_5` → `#5`);
2. segments: the nodes between two cut nodes (every path from the inputs to the outputs
   passes through a cut node): a residual unit, an Inception module;
3. repeats: a chain of uses of one block with the same parameters becomes one `repeat`.
In passes 1 and 2 each candidate group is contiguous (so convex: a block use cannot read
its own output) with one value used outside it; groups of one shape (kwargs aside) that
occur at least twice become one template, the values they differ in its parameters."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from graphspec.views.fold_template import (
    MISSING,
    DefaultOf,
    Shape,
    common_prefix,
    escaped,
    filled,
    inner_ids,
    loose_signature,
    map_refs,
    parameters,
    refs_of,
    same_value,
    shape_of,
    snake,
    target,
    without_digits,
)

Nodes = dict[str, dict[str, Any]]
_DIGITS = re.compile(r"\d")


def fold(
    spec: dict[str, Any], defaults: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """The spec with each graph's repeated structures folded into its `blocks:`.

    `defaults` gives, by layer class, constructor defaults (`{Conv2D: {strides: [1, 1]}}`):
    groups that differ only in a key some leave out then share a template (the key a
    parameter with that default). Without it, such groups are folded apart."""
    out = _fold_graph(spec, defaults or {})
    ordered: dict[str, Any] = {k: out[k] for k in ("graphspec", "name", "description") if k in out}
    ordered.update({k: v for k, v in out.items() if k not in ordered})
    return ordered


def _fold_graph(graph: dict[str, Any], defaults: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    nodes: Nodes = dict(graph["nodes"])
    outputs = set(graph["outputs"])
    inputs = set(graph["inputs"])
    taken = {*graph["inputs"], *graph.get("shared", {}), *nodes}
    blocks: dict[str, Any] = {}

    def default_of(node: dict[str, Any], key: str) -> Any:
        if "block" in node:
            return blocks.get(node["block"], {}).get("params", {}).get(key, MISSING)
        return defaults.get(str(node.get("layer")), {}).get(key, MISSING)

    nodes = _fold_groups(nodes, _runs(nodes, outputs), blocks, taken, default_of)
    nodes = _fold_groups(nodes, _chains(nodes, inputs, outputs), blocks, taken, default_of)
    segments = _segments(nodes, inputs, outputs)
    nodes = _fold_groups(nodes, segments, blocks, taken, default_of)
    nodes = _repeats(nodes, outputs, blocks)
    nodes, _ = _distinct_names(nodes, blocks, {*inputs, *graph.get("shared", {})})
    shared = {
        k: (
            {**v, "graph": _fold_graph(v["graph"], defaults)}
            if isinstance(v, dict) and "graph" in v
            else v
        )
        for k, v in graph.get("shared", {}).items()
    }
    result: dict[str, Any] = {}
    for key, value in graph.items():
        if key == "nodes" and blocks:
            result["blocks"] = blocks
        result[key] = nodes if key == "nodes" else shared if key == "shared" else value
    return result


# ---- candidate groups -----------------------------------------------------------------------


def name_key(node_id: str, node: dict[str, Any]) -> str:
    """What layers of one unit share in their names: an auto name's number (`conv2d_5` →
    `#5`), else the name up to its last part with a digit (`block1a_se_reduce` → `block1a`)."""
    cls = node.get("layer")
    if isinstance(cls, str):
        auto = re.fullmatch(rf"{re.escape(snake(cls))}(?:_(\d+))?", node_id)
        if auto:
            return f"#{auto.group(1) or 0}"
    parts = node_id.split("_")
    last = max((i for i, p in enumerate(parts) if _DIGITS.search(p)), default=-1)
    return "_".join(parts[: last + 1]) if last >= 0 else node_id


def consumers(nodes: Nodes) -> dict[str, list[tuple[str, str]]]:
    """Each node's readers: (reading node, the reference it reads by)."""
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for nid, node in nodes.items():
        for ref in refs_of(node.get("inputs")):
            found[target(ref)].append((nid, ref))
    return found


def _runs(nodes: Nodes, outputs: set[str]) -> list[list[str]]:
    runs: list[list[str]] = []
    previous = None
    for nid, node in nodes.items():
        key = name_key(nid, node)
        if runs and key == previous:
            runs[-1].append(nid)
        else:
            runs.append([nid])
        previous = key
    readers = consumers(nodes)
    return [r for r in runs if _one_exit(readers, r, outputs)]


def _chains(nodes: Nodes, inputs: set[str], outputs: set[str]) -> list[list[str]]:
    """Maximal chains: each node the only reader of the one before, which is its only input
    (a convex group wherever its nodes are: nothing leaves it but through its end)."""
    readers = consumers(nodes)
    follows: dict[str, str] = {}
    for nid, node in nodes.items():
        refs = refs_of(node.get("inputs"))
        if len(refs) == 1 and "." not in refs[0] and isinstance(node.get("inputs"), str):
            before = refs[0]
            if before not in inputs and before not in outputs and len(readers[before]) == 1:
                follows[nid] = before
    chains: list[list[str]] = []
    chain_of: dict[str, int] = {}
    for nid in nodes:
        previous = follows.get(nid)
        if previous is not None and previous in chain_of:
            chain_of[nid] = chain_of[previous]
            chains[chain_of[nid]].append(nid)
        else:
            chain_of[nid] = len(chains)
            chains.append([nid])
    return [c for c in chains if _one_exit(readers, c, outputs)]


def _segments(nodes: Nodes, inputs: set[str], outputs: set[str]) -> list[list[str]]:
    """The nodes between consecutive cut nodes, each segment ending at its cut."""
    order = {nid: i for i, nid in enumerate(nodes)}
    readers = consumers(nodes)
    last_use = {n: max((order[r] for r, _ in readers.get(n, [])), default=-1) for n in order}
    last_use.update({i: max((order[r] for r, _ in readers.get(i, [])), default=-1) for i in inputs})
    for o in outputs:
        last_use[o] = len(nodes)
    reach = max((last_use[i] for i in inputs), default=-1)
    segments: list[list[str]] = [[]]
    for nid in nodes:
        segments[-1].append(nid)
        if reach <= order[nid]:  # no edge from before passes over this node: a cut
            segments.append([])
        reach = max(reach, last_use[nid])
    return [s for s in segments if _one_exit(readers, s, outputs)]


def _one_exit(
    readers: dict[str, list[tuple[str, str]]], group: list[str], outputs: set[str]
) -> bool:
    """At least two nodes, no model output among them, and exactly one of them read after
    the group, by its bare id: the group's value."""
    if len(group) < 2 or any(n in outputs for n in group):
        return False
    inside = set(group)
    used = {ref for n in group for reader, ref in readers.get(n, []) if reader not in inside}
    return used == {group[-1]}


# ---- folding --------------------------------------------------------------------------------


def _fold_groups(
    nodes: Nodes,
    groups: list[list[str]],
    blocks: dict[str, Any],
    taken: set[str],
    default_of: DefaultOf,
) -> Nodes:
    """Groups of one shape that occur at least twice: one template, a use node for each."""
    loose: dict[str, list[list[str]]] = defaultdict(list)
    for group in groups:
        loose[loose_signature(nodes, group)].append(group)
    view = dict(nodes)
    for bucket in loose.values():
        if len(bucket) > 1:
            view.update(filled(nodes, bucket, default_of))
    by_shape: dict[str, list[Shape]] = defaultdict(list)
    for group in groups:
        shape = shape_of(view, group)
        by_shape[shape.signature].append(shape)
    replaced: dict[str, tuple[str, dict[str, Any]]] = {}  # first member → (use id, node)
    rename: dict[str, str] = {}
    gone: set[str] = set()
    for shapes in by_shape.values():
        if len(shapes) < 2:
            continue
        name, uses = _template(view, shapes, blocks, taken)
        for shape, use in zip(shapes, uses, strict=True):
            use_id = _use_id(shape.members, name, taken)
            replaced[shape.members[0]] = (use_id, use)
            rename[shape.members[-1]] = use_id
            gone.update(shape.members)
    out: Nodes = {}
    for nid, node in nodes.items():
        if nid in replaced:
            use_id, use = replaced[nid]
            out[use_id] = use
        elif nid not in gone:
            out[nid] = node
    return {k: _renamed(v, rename) for k, v in out.items()}


def _renamed(node: dict[str, Any], rename: dict[str, str]) -> dict[str, Any]:
    if "inputs" not in node or not any(target(r) in rename for r in refs_of(node["inputs"])):
        return node
    return {**node, "inputs": map_refs(node["inputs"], rename)}


def _use_id(members: list[str], block: str, taken: set[str]) -> str:
    """What the group's ids share (`conv2_block1_1`), else the id of its value's node."""
    prefix = common_prefix(members).rstrip("_")
    base = prefix if prefix and not prefix[0].isdigit() else members[-1]
    free = set(members)
    candidate, k = base, 2
    while candidate in taken and candidate not in free:
        candidate, k = f"{base}_{k}", k + 1
    taken.add(candidate)
    return candidate


def _template(
    nodes: Nodes, shapes: list[Shape], blocks: dict[str, Any], taken: set[str]
) -> tuple[str, list[dict[str, Any]]]:
    """Add the template of these groups to `blocks`; the use node of each group."""
    first = shapes[0]
    inner = inner_ids(nodes, first.members)
    formals = ["x"] if len(first.formals) == 1 else [f"x{i}" for i in range(len(first.formals))]
    formals = [f if f not in inner else f"{f}_in" for f in formals]
    found = parameters(shapes, inner)
    rename = dict(zip(first.members, inner, strict=True))
    rename.update(dict(zip(first.formals, formals, strict=True)))
    slot_of = {where: s for s, where in enumerate(first.slots)}
    body: Nodes = {}
    for i, (nid, iid) in enumerate(zip(first.members, inner, strict=True)):
        body[iid] = {
            key: map_refs(value, rename)
            if key == "inputs"
            else found.written[slot_of[(i, key)]]
            if (i, key) in slot_of
            else escaped(value)
            for key, value in nodes[nid].items()
        }
    name = _block_name(nodes, inner, first.members, blocks, taken)
    body, renamed = _distinct_names(body, blocks, set(formals))
    template: dict[str, Any] = {}
    if found.defaults:
        template["params"] = found.defaults
    output = renamed.get(inner[-1], inner[-1])
    template.update({"inputs": formals, "nodes": body, "outputs": [output]})
    blocks[name] = template
    uses = []
    for i, shape in enumerate(shapes):
        args = {
            p: c[i] for p, c in found.columns.items() if not same_value(c[i], found.defaults[p])
        }
        refs = shape.formals
        uses.append({"block": name, **args, "inputs": refs[0] if len(refs) == 1 else refs})
    return name, uses


def _block_name(
    nodes: Nodes, inner: list[str], members: list[str], blocks: dict[str, Any], taken: set[str]
) -> str:
    """A few layers: their ids joined (`conv_bn_relu`); else what the first group's ids share,
    without numbers (`conv2_block1` → `conv_block`); else its value's id without numbers."""
    joined = "_".join(inner)
    layers = all("layer" in nodes[m] for m in members)
    base = joined if layers and len(inner) <= 3 and len(joined) <= 24 else ""
    base = base or without_digits(common_prefix(members)) or without_digits(members[-1]) or "unit"
    candidate, k = base, 2
    while candidate in blocks or candidate in taken:
        candidate, k = f"{base}_{k}", k + 1
    taken.add(candidate)
    return candidate


def _repeats(nodes: Nodes, outputs: set[str], blocks: dict[str, Any]) -> Nodes:
    """Chains of one-input uses of one block with the same parameters, each read only by
    the next: one node with `repeat: N`, named by the chain's first use."""
    readers = consumers(nodes)
    out: Nodes = {}
    rename: dict[str, str] = {}
    head, last, count = "", "", 0
    for nid, node in nodes.items():
        if count and _continues(nodes[head], node, last, readers, outputs, blocks):
            count += 1
            rename[nid] = head
            out[head] = _with_repeat(nodes[head], count)
        else:
            out[nid] = node
            chainable = "block" in node and "repeat" not in node
            head, count = (nid, 1) if chainable else ("", 0)
        last = nid
    return {k: _renamed(v, rename) for k, v in out.items()}


def _continues(
    first: dict[str, Any],
    node: dict[str, Any],
    last: str,
    readers: dict[str, list[tuple[str, str]]],
    outputs: set[str],
    blocks: dict[str, Any],
) -> bool:
    same = {k: v for k, v in node.items() if k != "inputs"} == {
        k: v for k, v in first.items() if k != "inputs"
    }
    block = blocks.get(str(node.get("block")))
    return (
        same
        and block is not None
        and len(block["inputs"]) == 1
        and node.get("inputs") == last
        and len(readers.get(last, [])) == 1
        and last not in outputs
    )


def _with_repeat(node: dict[str, Any], count: int) -> dict[str, Any]:
    kept = {k: v for k, v in node.items() if k != "inputs"}
    return {**kept, "repeat": count, "inputs": node["inputs"]}


# ---- Keras names ----------------------------------------------------------------------------


def _expanded_names(blocks: dict[str, Any]) -> Callable[[str, dict[str, Any]], list[str]]:
    """The Keras names a node makes, as the compiler names block and repeat copies."""
    memo: dict[str, list[str]] = {}

    def inner(block: str) -> list[str]:
        if block not in memo:
            memo[block] = [n for k, v in blocks[block]["nodes"].items() for n in names(k, v)]
        return memo[block]

    def names(nid: str, node: dict[str, Any]) -> list[str]:
        copies = int(node.get("repeat", 1))
        if "layer" in node or "op" in node:
            return [nid] if copies == 1 else [f"{nid}_{k}" for k in range(1, copies + 1)]
        if "block" not in node:
            return []
        heads = [nid] if copies == 1 else [f"{nid}_{k}" for k in range(1, copies + 1)]
        return [f"{h}_{n}" for h in heads for n in inner(str(node["block"]))]

    return names


def _distinct_names(
    nodes: Nodes, blocks: dict[str, Any], reserved: set[str]
) -> tuple[Nodes, dict[str, str]]:
    """Block uses renamed (`_2`, …) where a layer they expand to would take another's name;
    and the renaming."""
    names = _expanded_names(blocks)
    seen = set(reserved) | {
        n for nid, node in nodes.items() if "block" not in node for n in names(nid, node)
    }
    rename: dict[str, str] = {}
    for nid, node in nodes.items():
        if "block" not in node:
            continue
        new, k = nid, 2
        while any(n in seen for n in names(new, node)) or (new != nid and new in nodes):
            new, k = f"{nid}_{k}", k + 1
        seen.update(names(new, node))
        if new != nid:
            rename[nid] = new
    if not rename:
        return nodes, rename
    return {rename.get(k, k): _renamed(v, rename) for k, v in nodes.items()}, rename
