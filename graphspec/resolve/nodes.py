"""`use:` and `layer:` nodes → flat IR nodes (`block:` nodes are expanded in blocks.py)."""

from __future__ import annotations

from typing import Any

from graphspec.catalog import registry
from graphspec.diagnostics import SpecPath, codes, suggest
from graphspec.ir import ApplicationIR, LayerIR, NodeIR, Origin, Ref, SubGraphIR, Use
from graphspec.resolve import layers
from graphspec.resolve.context import Context
from graphspec.resolve.scope import BROKEN, Fixed, Opaque, Site
from graphspec.resolve.unchecked import UNCHECKED, unchecked
from graphspec.syntax.schema import LayerSpec, Node


def use_node(ctx: Context, site: Site) -> None:
    """A call of a shared callable: one flat node; the callable is built once elsewhere."""
    nid, node, body, origin, path = site.nid, site.node, site.body, site.origin, site.path
    assert node.use is not None
    found = body.scope.find_shared(node.use)
    if found is None:
        hint = suggest(node.use, body.scope.visible("shared"))
        if body.scope.find_block(node.use):
            hint = f": '{node.use}' is a block; write `block: {node.use}`"
        if node.use in body.locals:
            hint = (
                f": '{node.use}' is a node; to call its layer again, declare the layer "
                f"under `shared:` and `use:` it from both nodes"
            )
        ctx.error(
            origin,
            f"unknown shared id '{node.use}'{hint}",
            (*path, "use"),
            code=codes.UNKNOWN_SHARED_ID,
        )
        return placeholder(ctx, site)
    key, shared = found
    if shared is BROKEN:  # its own errors are reported
        return placeholder(ctx, site)
    layers.check_call(ctx, node, _info(shared), origin, path)
    names = shared.graph.output_names if isinstance(shared, SubGraphIR) else None
    if isinstance(shared, ApplicationIR):
        names = shared.outputs  # inner layers' names (`outputs:`), or None
    ctx.grow(1, 0, origin, path)
    flat = NodeIR(body.name(nid), Use(key, node.use), Ref(nid), dict(node.call), origin)
    site.add(flat, node.inputs)
    site.bind(Fixed(Ref(flat.id), origin, names))


def _info(shared: object) -> registry.LayerInfo | None:
    """The registry's entry of a shared layer (None: a custom layer, or not a layer)."""
    if not isinstance(shared, LayerIR) or shared.custom or shared.class_name == UNCHECKED:
        return None
    return registry.layer(shared.class_name)


def placeholder(ctx: Context, site: Site) -> None:
    """A node that cannot be resolved (an unknown callable, a block that cannot expand): its
    inputs are still checked, and what uses it sees a value of unknown outputs."""
    ctx.grow(1, 0, site.origin, site.path)
    fid = site.body.name(site.nid)
    site.add(NodeIR(fid, unchecked(site.origin), Ref(fid), {}, site.origin), site.node.inputs)
    site.bind(Opaque(Ref(fid), site.origin))


def checked_layer(
    ctx: Context, node: Node, key: tuple[Any, ...] | None, origin: Origin, path: SpecPath
) -> tuple[LayerIR, bool]:
    """The node's layer, checked against the registry, and whether its configuration is
    shared: checked once per distinct configuration (a ResNet writes the same Conv2D dozens of
    times), the checked arguments of an earlier node reused when its layer and arguments are
    the same values (`key`, from _config_key) and checking found no problem."""
    if key is not None and (seen := ctx.checked_layers.get(key)) is not None:
        return seen, True
    before = len(ctx.errors)
    spec = LayerSpec.model_validate({"layer": node.layer, "args": node.args, **node.kwargs})
    layer = layers.layer(ctx, spec, origin, path)
    if key is None or len(ctx.errors) != before:
        return layer, False
    layer.config = len(ctx.checked_layers)  # this configuration's number (LayerIR.config)
    ctx.checked_layers[key] = layer
    return layer, True


def _config_key(node: Node) -> tuple[Any, ...] | None:
    """The node's layer and arguments as a key (plain_key); None where one is not plain."""
    extra = node.model_extra or {}
    if node.args:
        found = plain_key((*range(len(node.args)), *extra), (*node.args, *extra.values()))
    else:
        found = plain_key(tuple(extra), tuple(extra.values()))
    return None if found is None else (node.layer, found)


def _inner_layer(ctx: Context, node: Node, origin: Origin, path: SpecPath) -> tuple[LayerIR, bool]:
    """checked_layer of a block's inner node: every copy of it is the same Node (blocks.expand),
    so a configuration that can be shared is looked up once per Node (the memo holds the Node,
    so its id stays its own); one with problems is checked, and reported, at every copy."""
    seen = ctx.inner_layers.get(id(node))
    if seen is not None and seen[0] is node:
        return seen[1], True
    layer, shared = checked_layer(ctx, node, _config_key(node), origin, path)
    if shared:
        ctx.inner_layers[id(node)] = (node, layer)
    return layer, shared


_PLAIN = frozenset((str, int, float, bool, type(None)))


def plain_key(names: tuple[Any, ...], values: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """Named values as a key of plain values and their types (True and 1 are different
    arguments); None when some value is a mapping (a nested layer or object, whose checked
    form carries the node's own position) or anything but plain values and lists of them."""
    kinds = tuple(map(type, values))
    if _PLAIN.issuperset(kinds):  # no list (most): the values as they are
        return (names, values, kinds)
    frozen = []
    for kind, value in zip(kinds, values, strict=True):
        if kind is list:
            if not all(type(v) in _PLAIN for v in value):
                return None
            value = tuple((type(v), v) for v in value)
        elif kind not in _PLAIN:
            return None
        frozen.append(value)
    return (names, tuple(frozen), kinds)


def layer_node(ctx: Context, site: Site) -> None:
    """A new layer, or with `repeat: N` a chain of N copies, each with its own weights."""
    node, origin, path = site.node, site.origin, site.path
    if site.body.block is None:
        layer, shared = checked_layer(ctx, node, _config_key(node), origin, path)
    else:
        layer, shared = _inner_layer(ctx, node, origin, path)
    config = layer.config if shared else None  # checking found problems: none to share
    if node.call or isinstance(node.inputs, dict):  # call keywords to check (few nodes)
        custom = layer.custom or layer.class_name == UNCHECKED
        layers.check_call(
            ctx, node, None if custom else registry.layer(layer.class_name), origin, path
        )
    if node.repeat is not None:
        return _repeated(ctx, site, layer, config)
    ctx.grow(1, 0, origin, path)
    fid = site.body.name(site.nid)
    copy = LayerIR(layer.class_name, layer.args, layer.kwargs, origin, layer.custom, config)
    ref = Ref(fid)  # its own inputs too, until connected (Resolver.connect)
    site.add(NodeIR(fid, copy, ref, node.call, origin), node.inputs)
    site.bind(Fixed(ref, origin))


def _repeated(ctx: Context, site: Site, layer: LayerIR, config: int | None) -> None:
    """`repeat: N`: a chain of N copies of the layer, `ID_1` … `ID_N`, each with its weights."""
    node, origin, path = site.node, site.origin, site.path
    assert node.repeat is not None
    if not isinstance(node.inputs, str):
        ctx.error(
            origin,
            "`repeat` needs exactly one input (a single reference)",
            (*path, "repeat"),
            key=True,
            code=codes.REPEAT_WITH_SEVERAL_INPUTS,
        )
        return placeholder(ctx, site)
    ctx.grow(node.repeat, 0, origin, (*path, "repeat"))
    raw: str | Ref = node.inputs
    for k in range(1, node.repeat + 1):
        fid = site.body.name(f"{site.nid}_{k}")
        copy = LayerIR(layer.class_name, layer.args, layer.kwargs, origin, layer.custom, config)
        ref = Ref(fid)
        site.add(NodeIR(fid, copy, ref, node.call, origin), raw)
        raw = ref
    assert isinstance(raw, Ref)  # the last copy (`repeat` is at least 1)
    site.bind(Fixed(raw, origin))
