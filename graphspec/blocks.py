"""`blocks:` expansion: parameters, formal inputs, substitution, repeat and names."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from graphspec.errors import (
    Diagnostic,
    Problem,
    SpecPath,
    suggest,
)
from graphspec.ir import (
    Origin,
)
from graphspec.schema import (
    Node,
    pydantic_diagnostics,
)
from graphspec.scope import (
    MAX_NODES,
    Binding,
    BlockDef,
    BlockValue,
    Body,
    Broken,
    Formal,
    Pending,
    Site,
)
from graphspec.template import substitute

if TYPE_CHECKING:
    from graphspec.resolve import Resolver


def block_node(r: Resolver, site: Site) -> None:
    node, body, origin, path = site.node, site.body, site.origin, site.path
    assert node.block is not None
    bdef = body.scope.find_block(node.block)
    if bdef is None and node.block in r.broken_blocks:
        return  # set aside: its definition's errors are reported
    if bdef is None:
        hint = suggest(node.block, body.scope.visible("blocks"))
        if body.scope.find_shared(node.block):
            hint = f": '{node.block}' is a shared entry; write `use: {node.block}`"
        r.error(origin, f"unknown block '{node.block}'{hint}", (*path, "block"), code="GS324")
        return
    if bdef.id in body.chain:
        chain = " → ".join([*body.chain, bdef.id])
        r.error(origin, f"block '{bdef.id}' uses itself: {chain}", (*path, "block"), code="GS325")
        return
    params = block_params(r, bdef, node, origin, path)
    formals = block_formals(r, bdef, node, body, origin, path)
    if params is None or formals is None:
        return
    if node.repeat is not None and (len(bdef.block.inputs) != 1 or len(bdef.block.outputs) != 1):
        r.error(
            origin,
            f"`repeat` needs a block with one input and one output; "
            f"'{bdef.id}' has {len(bdef.block.inputs)} and "
            f"{len(bdef.block.outputs)}",
            (*path, "repeat"),
            key=True,
            code="GS334",
        )
        return
    site.bind(copies(r, site, bdef, params, formals))


def copies(
    r: Resolver, site: Site, bdef: BlockDef, params: dict[str, Any], formals: dict[str, Binding]
) -> Binding:
    """Expand the block once, or `repeat` times in a chain; the value is the last copy's.

    Inner node `c` of block node `b` is named `b_c`; with `repeat`, `b_1_c`, `b_2_c`, …"""
    nid, repeat, body, origin = site.nid, site.node.repeat, site.body, site.origin
    value: Binding | None = None
    count = repeat or 1
    if count > MAX_NODES:  # refused before the first copy: each copy is a node or more
        r.grow(count, 0, origin, (*origin.path, "repeat"))
    for k in range(1, count + 1):
        if value is not None:
            formals = {bdef.block.inputs[0]: value}
        tag = f", repeat {k} of {count}" if repeat is not None else ""
        prefix = body.name(f"{nid}_{k}_" if repeat is not None else f"{nid}_")
        inner = Body(
            bdef.scope,
            bdef.doc,
            bdef.path,
            prefix,
            f"{body.trace}{nid} (block {bdef.id}{tag}) → ",
            (*body.chain, bdef.id),
            bdef.block,
            dict(formals),
        )
        expand(r, bdef, params, inner, site.pending)
        check_block_outputs(r, bdef, inner)
        value = BlockValue(inner, list(bdef.block.outputs), origin)
    assert value is not None
    return value


def check_block_outputs(r: Resolver, bdef: BlockDef, inner: Body) -> None:
    for i, out in enumerate(bdef.block.outputs):
        if out not in inner.locals:
            origin = Origin(bdef.doc, (*bdef.path, "outputs", i), inner.trace)
            r.error(
                origin,
                f"output '{out}' is none of the block's inputs and nodes"
                f"{suggest(out, inner.locals)}",
                code="GS332",
            )


def block_params(
    r: Resolver, bdef: BlockDef, node: Node, origin: Origin, path: SpecPath
) -> dict[str, Any] | None:
    declared = bdef.block.params or {}
    given = node.kwargs
    ok = True
    for k in given:
        if k not in declared:
            r.error(
                origin,
                f"block '{bdef.id}' has no parameter '{k}' (its parameters: "
                f"{', '.join(declared) or 'none'}){suggest(k, declared)}",
                (*path, k),
                key=True,
                code="GS326",
            )
            ok = False
    missing = [k for k, v in declared.items() if v is None and k not in given]
    if missing:
        r.error(
            origin,
            f"block '{bdef.id}' needs parameter"
            f"{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(m) for m in missing)}",
            path,
            code="GS327",
        )
        ok = False
    return {**declared, **given} if ok else None


def block_formals(
    r: Resolver, bdef: BlockDef, node: Node, outer: Body, origin: Origin, path: SpecPath
) -> dict[str, Binding] | None:
    """Bind the block's formal inputs to the references written at the use."""
    formals = bdef.block.inputs
    raw = node.inputs
    where = (*path, "inputs")
    if isinstance(raw, str):
        raw = [raw]
    if isinstance(raw, list):
        if len(raw) != len(formals):
            r.error(
                origin,
                f"block '{bdef.id}' takes {len(formals)} input"
                f"{'s' if len(formals) != 1 else ''} ({', '.join(formals)}),"
                f" got {len(raw)}",
                where,
                code="GS328",
            )
            return None
        pairs: list[tuple[str, Any, SpecPath]] = [
            (f, r, (*where, i)) for i, (f, r) in enumerate(zip(formals, raw, strict=True))
        ]
    else:
        unknown = [k for k in raw if k not in formals]
        missing = [f for f in formals if f not in raw]
        for k in unknown:
            r.error(
                origin,
                f"block '{bdef.id}' has no input '{k}' (its inputs: "
                f"{', '.join(formals)}){suggest(k, formals)}",
                (*where, k),
                key=True,
                code="GS329",
            )
        if missing:
            r.error(
                origin,
                f"block '{bdef.id}' input{'s' if len(missing) > 1 else ''} "
                f"{', '.join(repr(m) for m in missing)} not given",
                where,
                code="GS330",
            )
        lists = [k for k, v in raw.items() if isinstance(v, list)]
        for k in lists:
            r.error(
                origin,
                f"block input '{k}' takes one reference, not a list",
                (*where, k),
                code="GS331",
            )
        if unknown or missing or lists:
            return None
        pairs = [(f, raw[f], (*where, f)) for f in formals]
    return {f: Formal(r, outer, origin, w) for f, r, w in pairs if isinstance(r, str)}


def expand(
    r: Resolver, bdef: BlockDef, params: dict[str, Any], body: Body, pending: list[Pending]
) -> None:
    """Substitute parameters into each node of the block and add it to the body."""
    for nid, raw in bdef.block.nodes.items():
        path = (*bdef.path, "nodes", nid)
        origin = Origin(bdef.doc, path, body.trace, nid)
        if nid in body.locals:
            r.error(
                origin,
                f"duplicate id '{nid}': already a formal input of block '{bdef.id}'",
                path,
                key=True,
                code="GS402",
            )
            continue
        body.locals[nid] = Broken(origin)  # replaced when the node resolves
        problems: list[Diagnostic] = []
        data = substitute(raw, params, partial(_report, problems, origin, path))
        node = block_inner_node(r, data, bdef, path, origin, problems)
        if node is not None:
            r.node(nid, node, body, path, pending)


def block_inner_node(
    r: Resolver,
    data: Any,
    bdef: BlockDef,
    path: SpecPath,
    origin: Origin,
    problems: list[Diagnostic],
) -> Node | None:
    if problems:
        r.errors += problems
        return None
    try:
        return Node.model_validate(data)
    except ValidationError as e:
        r.errors += [
            d.with_prefix(f"{origin.trace}{origin.id}: ")
            for d in pydantic_diagnostics(bdef.doc, e, path, data, label=False)
        ]
        return None


def _report(
    problems: list[Diagnostic], origin: Origin, path: SpecPath, rel: SpecPath, e: Problem
) -> None:
    """A substitution problem, located at the value inside the block's definition."""
    problems.append(origin.diagnostic(str(e), path=(*path, *rel), code=e.code, hint=e.hint))
