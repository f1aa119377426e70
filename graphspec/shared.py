"""`shared:` entries: layers, keras.applications, inline `graph:` and `spec:` files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphspec import layers, registry
from graphspec.errors import (
    GraphSpecError,
    Problem,
    SpecPath,
    display_path,
    suggest,
)
from graphspec.ir import (
    ApplicationIR,
    Origin,
    SharedIR,
    SubGraphIR,
)
from graphspec.loader import Document, load_file
from graphspec.schema import LayerSpec, validate
from graphspec.scope import Scope

if TYPE_CHECKING:
    from graphspec.resolve import Resolver


def shared_entry(
    r: Resolver, sid: str, entry: Any, origin: Origin, scope: Scope, key: str
) -> SharedIR | None:
    kind = entry.kind
    path = origin.path
    if kind == "layer":
        spec = LayerSpec.model_validate({"layer": entry.layer, "args": entry.args, **entry.kwargs})
        return layers.layer(r, spec, origin, path)
    if kind == "application":
        return application(r, entry, origin, path)
    if kind == "graph":
        inner = r.graph(entry.graph, origin.doc, (*path, "graph"), sid, scope, f"{key}.")
        return SubGraphIR(inner, origin)
    return include(r, sid, entry.spec, origin, key)


def application(r: Resolver, entry: Any, origin: Origin, path: SpecPath) -> ApplicationIR | None:
    try:
        keywords = registry.application(entry.application)
    except Problem as e:
        r.error(origin, str(e), (*path, "application"), code=e.code, hint=e.hint)
        return None
    kwargs = entry.kwargs
    bad = [k for k in kwargs if k not in keywords or k == "input_tensor"]
    for k in bad:
        r.error(
            origin,
            f"unknown keyword argument '{k}' for application "
            f"{entry.application}{suggest(k, keywords)}",
            (*path, k),
            key=True,
            code="GS303",
        )
    if kwargs.get("weights", "imagenet") is not None:
        r.error(
            origin,
            f"application {entry.application} needs `weights: null`: "
            "graphspec never downloads or reads weight files",
            (*path, "weights") if "weights" in kwargs else path,
            code="GS318",
            hint="write `weights: null`, then load trained weights in Python after building",
        )
        return None
    plain = plain_values(r, entry.application, kwargs, origin, path)
    return None if bad or not plain else ApplicationIR(entry.application, kwargs, origin)


def plain_values(
    r: Resolver, name: str, kwargs: dict[str, Any], origin: Origin, path: SpecPath
) -> bool:
    """Application arguments go to Keras as written: no mapping (Keras would deserialize it,
    and so import by it), and an activation must be one of Keras's own."""
    ok = True
    for k, v in kwargs.items():
        if _has_mapping(v):
            r.error(
                origin,
                f"application {name}'s '{k}' takes a plain value, not a mapping",
                (*path, k),
                code="GS319",
            )
            ok = False
        elif registry.kind_of_keyword(k) == "activations" and isinstance(v, str):
            try:
                registry.check_name("activations", v)
            except Problem as e:
                r.error(origin, str(e), (*path, k), code=e.code, hint=e.hint)
                ok = False
    return ok


def _has_mapping(value: Any) -> bool:
    if isinstance(value, list):
        return any(_has_mapping(v) for v in value)
    return isinstance(value, dict)


def include(r: Resolver, sid: str, relative: str, origin: Origin, key: str) -> SharedIR | None:
    """A `spec:` file as a sub-model: path rules, include loops, errors located there."""
    doc = origin.doc
    where = (*origin.path, "spec")
    target = include_path(r, relative, doc, origin, where)
    if target is None:
        return None
    if target in r.includes:
        names = [display_path(p) for p in [*r.includes, target]]
        r.error(
            origin,
            "spec files include each other in a loop: " + " → ".join(names),
            where,
            code="GS348",
        )
        return None
    r.grow(0, 1, origin, where)
    pos = doc.locate(where)
    note = f"included from {doc.file}:{pos.line}"
    try:
        inner_doc = load_file(target, (note, *doc.notes))
        spec = validate(inner_doc)
    except GraphSpecError as e:
        r.errors += e.diagnostics
        return None
    r.includes.append(target)
    try:
        graph = r.graph(spec, inner_doc, (), sid, None, f"{key}.")
    finally:
        r.includes.pop()
    return SubGraphIR(graph, origin)


def include_path(
    r: Resolver, relative: str, doc: Document, origin: Origin, where: SpecPath
) -> Path | None:
    if Path(relative).is_absolute():
        r.error(
            origin,
            f"'{relative}': absolute `spec:` paths are not allowed",
            where,
            code="GS345",
            hint="write the path relative to the including file",
        )
        return None
    here = doc.path.parent if doc.path else Path.cwd()
    target = (here / relative).resolve()
    allowed = (r.root, *r.options.allow_paths)
    roots = [root.resolve() for root in allowed if root is not None]
    if roots and not any(target.is_relative_to(root) for root in roots):
        r.error(
            origin,
            f"'{relative}' leaves the spec's directory ({display_path(roots[0])}"
            "); allow more with --allow-path",
            where,
            code="GS346",
            hint="use --allow-path DIR to let includes read files under DIR",
        )
        return None
    if not target.is_file():
        r.error(origin, f"'{relative}': no such spec file", where, code="GS347")
        return None
    return target
