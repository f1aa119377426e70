"""Checks of `layer:` entries: class, constructor and call keywords, named Keras objects."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from graphspec.catalog import registry
from graphspec.diagnostics import Problem, SpecPath, codes, suggest
from graphspec.ir import LayerIR, Named, Origin
from graphspec.resolve import arguments
from graphspec.resolve.context import Context
from graphspec.resolve.unchecked import INVALID, UNCHECKED, unchecked
from graphspec.syntax.schema import LayerSpec, Node, check_named
from graphspec.syntax.validate import schema_diagnostics


def check_call(ctx: Context, node: Node, info: Any, origin: Origin, path: SpecPath) -> None:
    """Call keywords (`call:` and the mapping form of `inputs`) against the call signature."""
    if not node.call and not isinstance(node.inputs, dict):
        return  # no call keywords (most nodes)
    if not isinstance(info, registry.LayerInfo) or info.call_varkw:
        return
    keys = [(k, (*path, "call", k)) for k in node.call]
    if isinstance(node.inputs, dict):
        keys += [(k, (*path, "inputs", k)) for k in node.inputs]
    for k, where in keys:
        if k not in info.call:
            ctx.error(
                origin,
                f"{info.name} is not called with keyword '{k}' (its call "
                f"takes {', '.join(info.call)}){suggest(k, info.call)}",
                where,
                key=True,
                code=codes.UNKNOWN_CALL_KEYWORD,
            )


def layer(ctx: Context, spec: LayerSpec, origin: Origin, path: SpecPath) -> LayerIR:
    """Check a layer's class and constructor arguments against the registry, each on its own:
    an argument with errors is INVALID, an unknown or refused class an unchecked stand-in."""
    name = spec.layer
    known = True
    try:
        info = registry.layer(name, ctx.options.custom_objects)
    except Problem as e:
        ctx.error(origin, str(e), (*path, "layer"), code=e.code, hint=e.hint)
        info, known = None, False
    kwargs: dict[str, Any] = {}
    misspelt = False
    for key, value in spec.kwargs.items():
        target = "layer" if key == "wraps" else key
        if info is not None and key in info.ignored:
            ctx.error(
                origin,
                f"{name}'s '{key}' is ignored by Keras in a model: a layer's input shape is "
                "its inputs' (the model's from `inputs:`)",
                (*path, key),
                key=True,
                code=codes.LAYER_INPUT_SHAPE,
                hint="give the shape on the input: `inputs: {x: {shape: […]}}`",
            )
            continue
        if info is not None and target not in info.keywords:
            ctx.error(
                origin,
                f"unknown keyword argument '{key}' for {name}"
                f"{suggest(key, [*info.keywords, 'wraps'])}",
                (*path, key),
                key=True,
                code=codes.UNKNOWN_KEYWORD_ARGUMENT,
            )
            misspelt = True
            continue
        kwargs[target] = keyword(ctx, info, name, key, value, origin, (*path, key))
    args = [
        positional(ctx, info, name, i, v, origin, (*path, "args", i))
        for i, v in enumerate(spec.args)
    ]
    if info is not None and not misspelt:  # a misspelt keyword is likely the missing one
        check_arity(ctx, info, spec, kwargs, origin, path)
    if not known:
        return unchecked(origin)
    return LayerIR(name, args, kwargs, origin, info is None)


def keyword(
    ctx: Context,
    info: registry.LayerInfo | None,
    name: str,
    key: str,
    value: Any,
    origin: Origin,
    path: SpecPath,
) -> Any:
    """One keyword argument of a known layer class; INVALID when it has errors."""
    if info is not None and key in info.bools and isinstance(value, str):
        ctx.error(
            origin,
            f"{name}'s '{key}' takes true or false, not the string "
            f"'{value}' (YAML 1.2 reads yes/no/on/off as strings)",
            path,
            code=codes.BOOLEAN_AS_STRING,
            hint="write true or false",
        )
        return INVALID
    kind = info.types.get(key) if info is not None else None
    if not arguments.layer_argument(ctx, name, key, kind, value, origin, path):
        return INVALID
    return argument(ctx, name, key, value, origin, path)


def positional(
    ctx: Context,
    info: registry.LayerInfo | None,
    name: str,
    i: int,
    value: Any,
    origin: Origin,
    path: SpecPath,
) -> Any:
    """Positional argument `i` (`args:`), checked as the keyword it stands for."""
    key = info.positional[i] if info is not None and i < len(info.positional) else str(i)
    kind = info.types.get(key) if info is not None else None
    if not arguments.layer_argument(ctx, name, key, kind, value, origin, path):
        return INVALID
    return argument(ctx, name, key, value, origin, path)


def check_arity(
    ctx: Context,
    info: registry.LayerInfo,
    spec: LayerSpec,
    kwargs: dict[str, Any],
    origin: Origin,
    path: SpecPath,
) -> bool:
    if not info.varargs and len(spec.args) > len(info.positional):
        ctx.error(
            origin,
            f"{info.name} takes at most {len(info.positional)} positional "
            f"arguments ({', '.join(info.positional)}), got {len(spec.args)}",
            (*path, "args"),
            key=True,
            code=codes.TOO_MANY_ARGS,
        )
        return False
    given = set(info.positional[: len(spec.args)]) | set(kwargs)
    missing = [k for k in info.required if k not in given]
    if missing:
        ctx.error(
            origin,
            f"{info.name} needs {', '.join(repr(m) for m in missing)}",
            path,
            code=codes.MISSING_ARGUMENT,
        )
        return False
    return True


def argument(ctx: Context, owner: str, key: str, value: Any, origin: Origin, path: SpecPath) -> Any:
    """One constructor argument: nested layers, named Keras objects, file arguments."""
    if value is INVALID:  # its own problem is reported
        return INVALID
    if refused_config(ctx, value, origin, path):
        return INVALID
    if isinstance(value, list):  # a list of layers (a Pipeline's, an RNN's cells): each built
        return [
            argument(ctx, owner, key, v, origin, (*path, i)) if _is_layer(v) else v
            for i, v in enumerate(value)
        ]
    if _is_layer(value):
        try:
            spec = LayerSpec.model_validate(value)
        except ValidationError as e:
            ctx.report(
                origin.adopt(d) for d in schema_diagnostics(origin.doc, e, path, value, label=False)
            )
            return INVALID
        inner = layer(ctx, spec, origin, path)
        return INVALID if inner.class_name == UNCHECKED else inner
    kind = registry.kind_of_keyword(key)
    if kind is not None and value is not None:
        return named(ctx, kind, value, origin, path)
    if (
        key in registry.FILE_ARGUMENTS
        and isinstance(value, str)
        and not ctx.options.allow_file_arguments
    ):
        ctx.error(
            origin,
            f"{owner}'s '{key}' given as a string would read the file or URL "
            f"'{value}'; give the values inline, or allow file arguments on "
            "the command line (--allow-file-arguments)",
            path,
            code=codes.FILE_ARGUMENT_REFUSED,
        )
        return INVALID
    return value


def named(ctx: Context, kind: str, value: Any, origin: Origin, path: SpecPath) -> Any:
    """A Keras name or {name: …, kwargs} among Keras's own public objects."""
    if refused_config(ctx, value, origin, path):
        return INVALID
    try:
        check_named(value)
        name = value if isinstance(value, str) else value["name"]
        registry.check_name(kind, name)
    except Problem as e:  # check_named's too
        ctx.error(origin, str(e), path, code=e.code, hint=e.hint)
        return INVALID
    if isinstance(value, str):
        return Named(kind, value)
    given = {k: v for k, v in value.items() if k != "name"}
    types = registry.argument_types(kind, name)
    if not arguments.object_arguments(ctx, name, given, types, origin, path):
        return INVALID
    return Named(kind, name, tuple(given.items()))


def _is_layer(value: Any) -> bool:
    """A mapping written as a layer (`{layer: …}`), as `wraps:` and a cell are."""
    return isinstance(value, dict) and "layer" in value


def refused_config(ctx: Context, value: Any, origin: Origin, path: SpecPath) -> bool:
    """Report a Keras serialization config anywhere in `value`: Keras would import by it."""
    config = _keras_config(value)
    if config is not None:
        ctx.error(
            origin,
            f"a mapping with '{config}' is refused: Keras would deserialize "
            "it (write a layer as {layer: …}, an object as {name: …})",
            path,
            code=codes.KERAS_CONFIG_REFUSED,
        )
    return config is not None


def _keras_config(value: Any) -> str | None:
    """'class_name' or 'module' when `value` holds a Keras serialization config anywhere."""
    if isinstance(value, dict):
        for key in ("class_name", "module"):
            if key in value:
                return key
        values: Any = value.values()
    elif isinstance(value, list):
        values = value
    else:
        return None
    return next((k for v in values if (k := _keras_config(v)) is not None), None)
