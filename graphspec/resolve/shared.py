"""`shared:` entries: layers, keras.applications, inline `graph:` and `spec:` files."""

from __future__ import annotations

from typing import Any

from graphspec.catalog import registry
from graphspec.diagnostics import Problem, SpecPath, codes, suggest
from graphspec.ir import ApplicationIR, Origin, SharedIR, SubGraphIR
from graphspec.resolve import layers
from graphspec.resolve.applications import inner_outputs
from graphspec.resolve.context import Context
from graphspec.resolve.includes import include
from graphspec.resolve.scope import Scope
from graphspec.resolve.sequential import sequential
from graphspec.syntax.schema import LayerSpec


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
        return None if id(inner) in ctx.incomplete else SubGraphIR(inner, origin, entry.trainable)
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
