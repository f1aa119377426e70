"""`op:` nodes: one call of an allowed keras.ops function, its arguments bound to its signature."""

from __future__ import annotations

from typing import Any

from graphspec.catalog import ops
from graphspec.diagnostics import Problem, SpecPath, codes, suggest
from graphspec.ir import NodeIR, OpIR, Origin, OutputIR, Ref
from graphspec.resolve.context import Context
from graphspec.resolve.scope import Fixed, Site
from graphspec.syntax.schema import DTYPES

Constant = None | bool | int | float | str | list["Constant"]


def op_node(ctx: Context, site: Site) -> None:
    """One flat node calling `keras.ops.<op>`; its Keras operation is named by its id."""
    node, origin, path = site.node, site.origin, site.path
    assert node.op is not None
    try:
        info = ops.op(node.op)
    except Problem as e:
        ctx.error(origin, str(e), (*path, "op"), code=e.code, hint=e.hint)
        return
    raw = node.inputs if isinstance(node.inputs, list) else [node.inputs]
    ok = constants(ctx, node.args, node.kwargs, origin, path)
    ok = bind(ctx, info, raw, node.args, node.kwargs, origin, path) and ok
    if not ok:
        return
    ctx.grow(1, 0, origin, path)
    fid = site.body.name(site.nid)
    op = OpIR(info.name, list(node.args), dict(node.kwargs), origin, fid)
    site.add(NodeIR(fid, op, Ref(fid), {}, origin), raw)
    site.bind(Fixed(Ref(fid), origin))


def is_constant(value: Any) -> bool:
    if isinstance(value, list):
        return all(is_constant(v) for v in value)
    return value is None or isinstance(value, bool | int | float | str)


def constants(
    ctx: Context, args: list[Any], kwargs: dict[str, Any], origin: Origin, path: SpecPath
) -> bool:
    """`args:` and keyword arguments are constants; a `dtype` is one of Keras's."""
    given = [((*path, "args", i), v) for i, v in enumerate(args)]
    given += [((*path, k), v) for k, v in kwargs.items()]
    ok = True
    for where, value in given:
        if not is_constant(value):
            ctx.error(
                origin,
                "an op's arguments are constants (numbers, booleans, strings, null and lists "
                "of them), not a mapping",
                where,
                code=codes.OP_ARGUMENT_NOT_CONSTANT,
            )
            ok = False
        elif where[-1] == "dtype" and isinstance(value, str) and value not in DTYPES:
            ctx.error(
                origin,
                f"unknown dtype '{value}'{suggest(value, DTYPES)}",
                where,
                code=codes.UNKNOWN_DTYPE,
            )
            ok = False
    return ok


def bind(
    ctx: Context,
    info: ops.OpInfo,
    raw: list[Any],
    args: list[Any],
    kwargs: dict[str, Any],
    origin: Origin,
    path: SpecPath,
) -> bool:
    """Inputs, then `args`, by position; then keywords: as Python binds the call."""
    params = info.params
    if info.takes_list and len(raw) > 1 and not any(isinstance(r, list) for r in raw):
        ctx.error(  # `inputs: [a, b]` meant as the list argument
            origin,
            f"{info.name}'s '{info.takes_list}' is one list of tensors: write "
            f"`inputs: [[{', '.join(map(str, raw))}]]`",
            (*path, "inputs"),
            code=codes.LIST_ARGUMENT_MISMATCH,
        )
        return False
    given = len(raw) + len(args)
    if given > len(params):
        ctx.error(
            origin,
            f"{info.signature()} takes {_count(len(params), 'argument')} by position; given "
            f"{_count(len(raw), 'input')} and {len(args)} in args",
            (*path, "args" if args else "inputs"),
            key=True,
            code=codes.TOO_MANY_OP_ARGUMENTS,
        )
        return False
    ok = all(
        tensor_argument(ctx, info, param, item, origin, (*path, "inputs"))
        for param, item in zip(params, raw, strict=False)
    )
    filled = {p.name for p in params[:given]}
    for key in kwargs:
        ok = keyword(ctx, info, key, filled, origin, (*path, key)) and ok
    missing = [p.name for p in params if p.required and p.name not in filled | set(kwargs)]
    if missing:
        ctx.error(
            origin,
            f"{info.signature()} needs {', '.join(repr(m) for m in missing)}",
            path,
            code=codes.MISSING_OP_ARGUMENT,
        )
        ok = False
    return ok


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'s' if n != 1 else ''}"


def tensor_argument(
    ctx: Context, info: ops.OpInfo, param: ops.Param, item: Any, origin: Origin, where: SpecPath
) -> bool:
    """An input lands on a parameter the operation takes as a tensor, in the right form."""
    if not param.tensor:
        taken = ", ".join(p.name for p in info.params if p.tensor)
        ctx.error(
            origin,
            f"{info.name} takes tensors only as {taken}; its '{param.name}' is a constant: "
            f"give it in `args:` or as `{param.name}:`",
            where,
            code=codes.TENSOR_FOR_CONSTANT,
        )
        return False
    wants_list = info.takes_list == param.name
    if wants_list and not isinstance(item, list):
        message = (
            f"{info.name}'s '{param.name}' is a list of tensors: write `inputs: [[{item}, …]]`"
        )
    elif isinstance(item, list) and not wants_list:
        message = f"{info.name}'s '{param.name}' is one tensor, not a list"
    else:
        return True
    ctx.error(origin, message, where, code=codes.LIST_ARGUMENT_MISMATCH)
    return False


def keyword(
    ctx: Context, info: ops.OpInfo, key: str, filled: set[str], origin: Origin, where: SpecPath
) -> bool:
    if key not in info.names:
        ctx.error(
            origin,
            f"{info.signature()} has no argument '{key}'{suggest(key, info.names)}",
            where,
            key=True,
            code=codes.UNKNOWN_OP_ARGUMENT,
        )
        return False
    if key in filled:
        ctx.error(
            origin,
            f"{info.name}'s '{key}' is given twice: by position (inputs and args fill "
            f"{', '.join(p for p in info.names if p in filled)}) and by keyword",
            where,
            key=True,
            code=codes.OP_ARGUMENT_GIVEN_TWICE,
        )
        return False
    return True


def name_outputs(nodes: list[NodeIR], outputs: list[OutputIR]) -> None:
    """An op node that is an output of its graph under its own id gets an Identity layer of
    that name (as every output whose producer has another name): its operation is `ID_op`."""
    wanted = {o.id for o in outputs if o.ref.target == o.id}
    for node in reversed(nodes):  # outputs are mostly last: the walk stops when all are met
        if not wanted:
            return
        if node.id in wanted:  # the last node of an id is the one an output reads
            wanted.discard(node.id)
            if isinstance(node.callable, OpIR):
                node.callable.keras_name = f"{node.id}_op"
