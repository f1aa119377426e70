"""References: `id`, `id.K` and `id.NAME` looked up among a body's local ids."""

from __future__ import annotations

from typing import Any

from graphspec.diagnostics import Problem, SpecPath, codes, suggest
from graphspec.ir import InputsIR, Origin, Ref, RefTree
from graphspec.resolve.context import Context
from graphspec.resolve.scope import Binding, Body, Opaque
from graphspec.resolve.unchecked import UNRESOLVED
from graphspec.syntax.schema import REF_RE


def inputs_value(ctx: Context, raw: Any, body: Body, origin: Origin, where: SpecPath) -> InputsIR:
    """A node's `inputs:` (one reference, a list, or a mapping of call keywords), resolved,
    every reference on its own: one that does not resolve (reported) is UNRESOLVED."""
    if isinstance(raw, dict):
        return {k: inputs_value(ctx, v, body, origin, (*where, k)) for k, v in raw.items()}  # type: ignore[misc]
    if isinstance(raw, list):
        return [inputs_value(ctx, v, body, origin, (*where, i)) for i, v in enumerate(raw)]  # type: ignore[misc]
    found = ctx.lookup(raw, body, origin, where, [])
    return UNRESOLVED if found is None else found


def _bare_local(raw: str, body: Body) -> bool:
    """Whether `raw` is one of the body's local ids as written, with no `.K` or `.NAME`
    (what REF_RE would read as an id alone, without running it)."""
    return raw in body.locals and raw.isascii() and raw.isidentifier()


def known_input(raw: Any, body: Body) -> RefTree | None:
    """A node's `inputs:` that is one local id whose value is known (most nodes), or a list
    of such ids, as inputs_value resolves it, without its look-up; None where inputs_value
    must look it up."""
    if type(raw) is str and _bare_local(raw, body):
        binding = body.locals[raw]
        if binding.done:
            return UNRESOLVED if binding.computed is None else binding.computed
    elif type(raw) is list and raw:  # a list of such ids (an Add's, a Concatenate's)
        found = [known_input(item, body) for item in raw]
        if all(value is not None for value in found):
            return found  # type: ignore[return-value]
    return None


def lookup(
    ctx: Context, raw: str | Ref, body: Body, origin: Origin, where: SpecPath, chain: list[str]
) -> RefTree | None:
    """A reference `id`, `id.K` or `id.NAME`, in the body's local ids."""
    if isinstance(raw, Ref):
        return raw
    if _bare_local(raw, body):  # (most references are)
        local, selector = raw, None
    elif (m := REF_RE.fullmatch(raw)) is None:
        ctx.error(
            origin,
            f"{raw!r} is not a reference: expected an id, `id.K` or `id.NAME`",
            where,
            code=codes.MALFORMED_REFERENCE,
        )
        return None
    else:
        local, selector = m.group(1), m.group(2)
    binding = body.locals.get(local)
    if binding is None:
        if not body.quiet:
            ctx.error(origin, unknown_reference(local, body), where, code=codes.UNKNOWN_REFERENCE)
        return None
    try:  # the chain of ids is for the message of a cycle: not made when the value is known
        value = binding.computed if binding.done else binding.value(ctx, [*chain, body.name(local)])
    except Problem as e:
        ctx.error(origin, str(e), where, code=e.code, hint=e.hint)
        return None
    if value is None or selector is None or isinstance(binding, Opaque):
        return value
    try:
        return select(value, local, selector, binding)
    except Problem as e:
        ctx.error(origin, str(e), where, code=e.code)
        return None


def unknown_reference(local: str, body: Body) -> str:
    message = f"unknown reference '{local}'"
    if body.scope.find_shared(local):
        return f"{message}: '{local}' is a shared entry; call it with `use: {local}`"
    if body.scope.find_block(local):
        return f"{message}: '{local}' is a block; expand it from a node with `block: {local}`"
    where = "the block's inputs and nodes" if body.block else "the graph's inputs and nodes"
    return f"{message}: no such id among {where}{suggest(local, body.locals)}"


def select(value: RefTree, local: str, selector: str, binding: Binding) -> RefTree:
    """Output K or output NAME of a multi-output value; Problem when it has no such output."""
    names = binding.names
    if selector.isdigit():
        index = int(selector)
    elif names is None:
        raise Problem(
            f"'{local}.{selector}': '{local}' has no named outputs; "
            f"use '{local}.K' with K the output's 0-based position",
            code=codes.NO_NAMED_OUTPUTS,
        )
    elif selector not in names:
        raise Problem(
            f"'{local}' has no output '{selector}' (its outputs: "
            f"{', '.join(names)}){suggest(selector, names)}",
            code=codes.NO_SUCH_OUTPUT,
        )
    else:
        index = names.index(selector)
    return _output(value, local, selector, index, names)


def _output(
    value: RefTree, local: str, selector: str, index: int, names: list[str] | None
) -> RefTree:
    """Output `index` of `value`: a list's item, a one-output callable's only output, or an
    index into a multi-output layer's result."""
    if isinstance(value, list):
        if index >= len(value):
            raise Problem(
                f"'{local}.{selector}': '{local}' has only {len(value)} outputs",
                code=codes.NO_SUCH_OUTPUT,
            )
        return value[index]
    if names is not None and len(names) == 1:  # a one-output block or sub-model
        if index == 0:
            return value
        raise Problem(
            f"'{local}.{selector}': '{local}' has only one output", code=codes.NO_SUCH_OUTPUT
        )
    if value.index is not None:
        raise Problem(
            f"'{local}.{selector}' selects from a single output", code=codes.NO_SUCH_OUTPUT
        )
    return Ref(value.target, index)
