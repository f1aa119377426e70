"""`shared:` entries: layers, keras.applications, inline `graph:` and `spec:` files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphspec.catalog import registry
from graphspec.diagnostics import GraphSpecError, Inclusion, Problem, SpecPath, codes, suggest
from graphspec.files import display_path
from graphspec.ir import ApplicationIR, Origin, SharedIR, SubGraphIR
from graphspec.resolve import layers
from graphspec.resolve.applications import inner_outputs
from graphspec.resolve.context import Context
from graphspec.resolve.scope import Scope
from graphspec.resolve.sequential import sequential
from graphspec.syntax.document import Document
from graphspec.syntax.loader import load_file
from graphspec.syntax.schema import LayerSpec
from graphspec.syntax.validate import validate


def shared_entry(
    ctx: Context, sid: str, entry: Any, origin: Origin, scope: Scope, key: str
) -> SharedIR | None:
    kind = entry.kind
    path = origin.path
    if kind == "layer":
        frozen = {} if entry.trainable is None else {"trainable": entry.trainable}
        given = {"layer": entry.layer, "args": entry.args, **entry.kwargs, **frozen}
        return layers.layer(ctx, LayerSpec.model_validate(given), origin, path)
    if kind == "application":
        return application(ctx, entry, origin, path)
    if kind == "sequential":
        return sequential(ctx, entry, origin, path)
    if kind == "graph":
        inner = ctx.graph(entry.graph, origin.doc, (*path, "graph"), sid, scope, f"{key}.")
        return SubGraphIR(inner, origin, entry.trainable)
    found = include(ctx, sid, entry.spec, origin, key)
    if isinstance(found, SubGraphIR):
        found.trainable = entry.trainable
    return found


def application(ctx: Context, entry: Any, origin: Origin, path: SpecPath) -> ApplicationIR | None:
    try:
        keywords = registry.application(entry.application)
    except Problem as e:
        ctx.error(origin, str(e), (*path, "application"), code=e.code, hint=e.hint)
        return None
    kwargs = entry.kwargs
    bad = [k for k in kwargs if k not in keywords or k == "input_tensor"]
    for k in bad:
        ctx.error(
            origin,
            f"unknown keyword argument '{k}' for application "
            f"{entry.application}{suggest(k, keywords)}",
            (*path, k),
            key=True,
            code=codes.UNKNOWN_KEYWORD_ARGUMENT,
        )
    if kwargs.get("weights", "imagenet") is not None:
        ctx.error(
            origin,
            f"application {entry.application} needs `weights: null`: "
            "graphspec never downloads or reads weight files",
            (*path, "weights") if "weights" in kwargs else path,
            code=codes.APPLICATION_WEIGHTS,
            hint="write `weights: null`, then load trained weights in Python after building",
        )
        return None
    plain = plain_values(ctx, entry.application, kwargs, origin, path)
    picked = inner_outputs(ctx, entry.application, kwargs, entry.outputs, origin, path)
    if bad or not plain or not picked:
        return None
    return ApplicationIR(entry.application, kwargs, origin, entry.outputs, entry.trainable)


def plain_values(
    ctx: Context, name: str, kwargs: dict[str, Any], origin: Origin, path: SpecPath
) -> bool:
    """Application arguments go to Keras as written: no mapping (Keras would deserialize it,
    and so import by it), and an activation must be one of Keras's own."""
    ok = True
    for k, v in kwargs.items():
        if _has_mapping(v):
            ctx.error(
                origin,
                f"application {name}'s '{k}' takes a plain value, not a mapping",
                (*path, k),
                code=codes.APPLICATION_ARGUMENT_MAPPING,
            )
            ok = False
        elif registry.kind_of_keyword(k) == "activations" and isinstance(v, str):
            try:
                registry.check_name("activations", v)
            except Problem as e:
                ctx.error(origin, str(e), (*path, k), code=e.code, hint=e.hint)
                ok = False
    return ok


def _has_mapping(value: Any) -> bool:
    if isinstance(value, list):
        return any(_has_mapping(v) for v in value)
    return isinstance(value, dict)


def include(ctx: Context, sid: str, relative: str, origin: Origin, key: str) -> SharedIR | None:
    """A `spec:` file as a sub-model: path rules, include loops, errors located there."""
    doc = origin.doc
    where = (*origin.path, "spec")
    target = include_path(ctx, relative, doc, origin, where)
    if target is None:
        return None
    if target in ctx.includes:
        names = [display_path(p) for p in [*ctx.includes, target]]
        ctx.error(
            origin,
            "spec files include each other in a loop: " + " → ".join(names),
            where,
            code=codes.INCLUDE_LOOP,
        )
        return None
    ctx.grow(0, 1, origin, where)
    pos = doc.locate(where)
    inclusion = Inclusion(doc.file, pos.line)
    try:
        inner_doc = load_file(target, (inclusion, *doc.included_from))
        spec = validate(inner_doc)
    except GraphSpecError as e:
        ctx.report(e.diagnostics)
        return None
    ctx.includes.append(target)
    try:
        graph = ctx.graph(spec, inner_doc, (), sid, None, f"{key}.")
    finally:
        ctx.includes.pop()
    return SubGraphIR(graph, origin)


def include_path(
    ctx: Context, relative: str, doc: Document, origin: Origin, where: SpecPath
) -> Path | None:
    if Path(relative).is_absolute():
        ctx.error(
            origin,
            f"'{relative}': absolute `spec:` paths are not allowed",
            where,
            code=codes.ABSOLUTE_INCLUDE,
            hint="write the path relative to the including file",
        )
        return None
    here = doc.path.parent if doc.path else Path.cwd()
    target = (here / relative).resolve()
    allowed = (ctx.root, *ctx.options.allow_paths)
    roots = [root.resolve() for root in allowed if root is not None]
    if roots and not any(target.is_relative_to(root) for root in roots):
        ctx.error(
            origin,
            f"'{relative}' leaves the spec's directory ({display_path(roots[0])}"
            "); allow more with --allow-path",
            where,
            code=codes.INCLUDE_OUTSIDE,
            hint="use --allow-path DIR to let includes read files under DIR",
        )
        return None
    if not target.is_file():
        ctx.error(origin, f"'{relative}': no such spec file", where, code=codes.NO_SUCH_INCLUDE)
        return None
    return target
