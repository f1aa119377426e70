"""`blocks:` expansion: parameters, formal inputs, substitution, repeat and names."""

from __future__ import annotations

from functools import partial
from typing import Any

from pydantic import ValidationError

from graphspec.caps import MAX_BLOCK_DEPTH, MAX_NODES
from graphspec.diagnostics import BlockUse, Diagnostic, Problem, SpecPath, codes, suggest
from graphspec.ir import Origin
from graphspec.resolve.context import Context
from graphspec.resolve.nodes import placeholder, plain_key
from graphspec.resolve.scope import (
    Binding,
    BlockDef,
    BlockValue,
    Body,
    Broken,
    Formal,
    Pending,
    Site,
)
from graphspec.resolve.unchecked import INVALID
from graphspec.syntax.lenient import LeftOut, prune_fields
from graphspec.syntax.schema import Node
from graphspec.syntax.template import substitute
from graphspec.syntax.validate import schema_diagnostics


def block_node(ctx: Context, site: Site) -> None:
    """Expand a block at its use; a use that cannot expand is a placeholder, its inputs checked."""
    node, body, origin, path = site.node, site.body, site.origin, site.path
    assert node.block is not None
    bdef = body.scope.find_block(node.block)
    if bdef is None and node.block in ctx.broken_blocks:
        return placeholder(ctx, site)  # set aside: its definition's errors are reported
    if bdef is None:
        unknown_block(ctx, site, node.block)
        return placeholder(ctx, site)
    if len(body.chain) >= MAX_BLOCK_DEPTH:
        ctx.error(
            origin,
            f"blocks use blocks more than {MAX_BLOCK_DEPTH} deep here "
            f"({' → '.join([*body.chain[:3], '…', *body.chain[-2:], bdef.id])}; "
            "a cap of graphspec's)",
            (*path, "block"),
            code=codes.BLOCKS_TOO_DEEP,
        )
        return placeholder(ctx, site)
    if bdef.id in body.chain:
        chain = " → ".join([*body.chain, bdef.id])
        ctx.error(
            origin,
            f"block '{bdef.id}' uses itself: {chain}",
            (*path, "block"),
            code=codes.BLOCK_USES_ITSELF,
        )
        return placeholder(ctx, site)
    params = block_params(ctx, bdef, node, origin, path)
    formals = block_formals(ctx, bdef, node, body, origin, path)
    if node.repeat is not None and (len(bdef.block.inputs) != 1 or len(bdef.block.outputs) != 1):
        ctx.error(
            origin,
            f"`repeat` needs a block with one input and one output; "
            f"'{bdef.id}' has {len(bdef.block.inputs)} and "
            f"{len(bdef.block.outputs)}",
            (*path, "repeat"),
            key=True,
            code=codes.REPEAT_OF_MULTI_PORT_BLOCK,
        )
        return placeholder(ctx, site)
    if params is None or formals is None:
        return placeholder(ctx, site)
    site.bind(copies(ctx, site, bdef, params, formals))
    for formal in formals.values():  # each reference given is checked, used inside or not
        site.warm(formal)


def unknown_block(ctx: Context, site: Site, name: str) -> None:
    hint = suggest(name, site.body.scope.visible("blocks"))
    if site.body.scope.find_shared(name):
        hint = f": '{name}' is a shared entry; write `use: {name}`"
    ctx.error(
        site.origin,
        f"unknown block '{name}'{hint}",
        (*site.path, "block"),
        code=codes.UNKNOWN_BLOCK,
    )


def copies(
    ctx: Context, site: Site, bdef: BlockDef, params: dict[str, Any], formals: dict[str, Binding]
) -> Binding:
    """Expand the block once, or `repeat` times in a chain; the value is the last copy's.

    Inner node `c` of block node `b` is named `b_c`; with `repeat`, `b_1_c`, `b_2_c`, …"""
    nid, repeat, body, origin = site.nid, site.node.repeat, site.body, site.origin
    value: Binding | None = None
    count = repeat or 1
    if count > MAX_NODES:  # refused before the first copy: each copy is a node or more
        ctx.grow(count, 0, origin, (*origin.path, "repeat"))
    for k in range(1, count + 1):
        if value is not None:
            formals = {bdef.block.inputs[0]: value}
        copy, of = (k, count) if repeat is not None else (0, 0)
        use = BlockUse(nid, bdef.id, copy, of, site.path)
        prefix = body.name(f"{nid}_{k}_" if repeat is not None else f"{nid}_")
        inner = Body(
            bdef.scope,
            bdef.doc,
            bdef.path,
            prefix,
            (*body.uses, use),
            (*body.chain, bdef.id),
            bdef.block,
            dict(formals),
        )
        ctx.bodies.append(inner)
        expand(ctx, bdef, params, inner, site.pending)
        check_block_outputs(ctx, bdef, inner)
        value = BlockValue(inner, list(bdef.block.outputs), origin)
        site.warm(value)
    assert value is not None
    return value


def check_block_outputs(ctx: Context, bdef: BlockDef, inner: Body) -> None:
    for i, out in enumerate(bdef.block.outputs):
        if out not in inner.locals:
            origin = Origin(bdef.doc, (*bdef.path, "outputs", i), inner.uses)
            ctx.error(
                origin,
                f"output '{out}' is none of the block's inputs and nodes"
                f"{suggest(out, inner.locals)}",
                code=codes.UNKNOWN_BLOCK_OUTPUT,
            )


def block_params(
    ctx: Context, bdef: BlockDef, node: Node, origin: Origin, path: SpecPath
) -> dict[str, Any] | None:
    declared = bdef.block.params or {}
    given = node.kwargs
    for k in given:
        if k not in declared:
            ctx.error(
                origin,
                f"block '{bdef.id}' has no parameter '{k}' (its parameters: "
                f"{', '.join(declared) or 'none'}){suggest(k, declared)}",
                (*path, k),
                key=True,
                code=codes.UNKNOWN_BLOCK_PARAMETER,
            )
    missing = [k for k, v in declared.items() if v is None and k not in given]
    if missing:
        ctx.error(
            origin,
            f"block '{bdef.id}' needs parameter"
            f"{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(m) for m in missing)}",
            path,
            code=codes.MISSING_BLOCK_PARAMETER,
        )
    if missing:
        return None
    return {**declared, **{k: v for k, v in given.items() if k in declared}}


def block_formals(
    ctx: Context, bdef: BlockDef, node: Node, outer: Body, origin: Origin, path: SpecPath
) -> dict[str, Binding] | None:
    """Bind the block's formal inputs to the references written at the use."""
    raw = node.inputs
    where = (*path, "inputs")
    if isinstance(raw, dict):
        pairs = _by_name(ctx, bdef, raw, origin, where)
    else:
        pairs = _by_position(ctx, bdef, [raw] if isinstance(raw, str) else raw, origin, where)
    if pairs is None:
        return None
    return {f: Formal(ref, outer, origin, w) for f, ref, w in pairs if isinstance(ref, str)}


def expand(
    ctx: Context, bdef: BlockDef, params: dict[str, Any], body: Body, pending: list[Pending]
) -> None:
    """Substitute parameters into each node of the block and add it to the body; each
    inner node substituted and validated once per distinct set of plain parameters (a copy
    of it is the same Node, which is immutable), when that found no problem."""
    key = plain_key(tuple(params), tuple(params.values()))
    done = bdef.expanded.setdefault(key, {}) if key is not None else {}
    paths = bdef.paths
    for nid, raw in bdef.block.nodes.items():
        path = paths.get(nid) or paths.setdefault(nid, (*bdef.path, "nodes", nid))
        if nid in body.locals:
            origin = Origin(bdef.doc, path, body.uses, nid)
            ctx.error(
                origin,
                f"duplicate id '{nid}': already a formal input of block '{bdef.id}'",
                path,
                key=True,
                code=codes.DUPLICATE_ID,
            )
            continue
        node = done.get(nid)
        if node is None:
            origin = Origin(bdef.doc, path, body.uses, nid)
            body.locals[nid] = Broken(origin)  # replaced when the node resolves
            before = len(ctx.errors)
            problems: list[tuple[SpecPath, Diagnostic]] = []
            data = substitute(raw, params, partial(_report, problems, origin, path))
            node = block_inner_node(ctx, data, bdef, path, origin, problems)
            if key is not None and node is not None and len(ctx.errors) == before:
                done[nid] = node
        if node is not None:
            ctx.node(nid, node, body, path, pending)


def block_inner_node(
    ctx: Context,
    data: Any,
    bdef: BlockDef,
    path: SpecPath,
    origin: Origin,
    problems: list[tuple[SpecPath, Diagnostic]],
) -> Node | None:
    """An inner node after substitution, each field on its own: a keyword argument that did
    not substitute is INVALID; an invalid `repeat` or `call` is left out (the node's value
    is then unknown); None when the node itself cannot be read."""
    ctx.report(d for _, d in problems)
    if any(not rel or rel[0] in Node.model_fields for rel, _ in problems):
        return None
    for rel, _ in problems:
        _put(data, rel, INVALID)
    try:
        return Node.model_validate(data)
    except ValidationError as e:
        ctx.report(
            origin.adopt(d) for d in schema_diagnostics(bdef.doc, e, path, data, label=False)
        )
        pruned = prune_fields(data, e, "nodes")
        if pruned is None:
            return None
        if pruned[1]:
            ctx.left_out.setdefault(bdef.doc.file, LeftOut()).tainted.add(path)
        return Node.model_validate(pruned[0])


def _put(data: Any, rel: SpecPath, value: Any) -> None:
    for part in rel[:-1]:
        data = data[part]
    data[rel[-1]] = value


def _report(
    problems: list[tuple[SpecPath, Diagnostic]],
    origin: Origin,
    path: SpecPath,
    rel: SpecPath,
    e: Problem,
) -> None:
    """A substitution problem, located at the value inside the block's definition."""
    diagnostic = origin.diagnostic(str(e), path=(*path, *rel), code=e.code, hint=e.hint)
    problems.append((rel, diagnostic))


Pairs = list[tuple[str, Any, SpecPath]]
"""(formal input, the reference given for it, where it was written)."""


def _by_position(
    ctx: Context, bdef: BlockDef, raw: list[Any], origin: Origin, where: SpecPath
) -> Pairs | None:
    formals = bdef.block.inputs
    if len(raw) != len(formals):
        ctx.error(
            origin,
            f"block '{bdef.id}' takes {len(formals)} input"
            f"{'s' if len(formals) != 1 else ''} ({', '.join(formals)}),"
            f" got {len(raw)}",
            where,
            code=codes.BLOCK_INPUT_COUNT,
        )
        return None
    return [(f, ref, (*where, i)) for i, (f, ref) in enumerate(zip(formals, raw, strict=True))]


def _by_name(
    ctx: Context, bdef: BlockDef, raw: dict[str, Any], origin: Origin, where: SpecPath
) -> Pairs | None:
    formals = bdef.block.inputs
    unknown = [k for k in raw if k not in formals]
    missing = [f for f in formals if f not in raw]
    for k in unknown:
        ctx.error(
            origin,
            f"block '{bdef.id}' has no input '{k}' (its inputs: "
            f"{', '.join(formals)}){suggest(k, formals)}",
            (*where, k),
            key=True,
            code=codes.UNKNOWN_BLOCK_INPUT,
        )
    if missing:
        ctx.error(
            origin,
            f"block '{bdef.id}' input{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(m) for m in missing)} not given",
            where,
            code=codes.BLOCK_INPUT_NOT_GIVEN,
        )
    lists = [k for k, v in raw.items() if isinstance(v, list)]
    for k in lists:
        ctx.error(
            origin,
            f"block input '{k}' takes one reference, not a list",
            (*where, k),
            code=codes.LIST_FOR_BLOCK_INPUT,
        )
    if unknown or missing or lists:
        return None
    return [(f, raw[f], (*where, f)) for f in formals]
