"""Stage 3, resolve: references, shared callables, blocks and registry look-ups → the graph IR."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from graphspec import registry
from graphspec.errors import (
    Diagnostic,
    GraphSpecError,
    Problem,
    SpecError,
    SpecPath,
    display_path,
    suggest,
)
from graphspec.ir import (
    ApplicationIR,
    CompileIR,
    GraphIR,
    InputIR,
    InputsIR,
    LayerIR,
    Named,
    NodeIR,
    Origin,
    OutputIR,
    Program,
    Ref,
    RefTree,
    SharedIR,
    SubGraphIR,
    Use,
)
from graphspec.loader import Document, load_file
from graphspec.schema import (
    REF_RE,
    Block,
    Graph,
    LayerSpec,
    Node,
    Spec,
    _diagnostics,
    check_named,
)
from graphspec.template import substitute


@dataclass(frozen=True)
class Options:
    """What the caller (API or command line) allows beyond the spec itself."""

    custom_objects: frozenset[str] = frozenset()
    allow_paths: tuple[Path, ...] = ()
    allow_file_arguments: bool = False


@dataclass
class BlockDef:
    id: str
    block: Block
    doc: Document
    path: SpecPath
    scope: Scope


@dataclass
class Scope:
    """Shared callables and blocks visible here; outer scopes are searched next."""

    shared: dict[str, tuple[str, SharedIR]]
    blocks: dict[str, BlockDef]
    parent: Scope | None = None

    def find_shared(self, name: str) -> tuple[str, SharedIR] | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.shared:
                return scope.shared[name]
            scope = scope.parent
        return None

    def find_block(self, name: str) -> BlockDef | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.blocks:
                return scope.blocks[name]
            scope = scope.parent
        return None

    def visible(self, attr: str) -> list[str]:
        names: list[str] = []
        scope: Scope | None = self
        while scope is not None:
            names += list(getattr(scope, attr))
            scope = scope.parent
        return names


BROKEN = LayerIR("<broken>", [], {}, Origin(Document("<broken>", "", None), ()))
"""Stands for a shared entry that had errors of its own: its uses add none."""


class Binding:
    """What a local id stands for; resolved lazily, once, with a guard against alias loops."""

    def __init__(self, origin: Origin, names: list[str] | None = None) -> None:
        self.origin = origin
        self.names = names
        self._value: RefTree | None = None
        self._busy = False

    def value(self, r: Resolver, chain: list[str]) -> RefTree | None:
        if self._value is not None:
            return self._value
        if self._busy:
            raise Problem("cycle: " + " → ".join(chain))
        self._busy = True
        try:
            self._value = self.compute(r, chain)
        finally:
            self._busy = False
        return self._value

    def compute(self, r: Resolver, chain: list[str]) -> RefTree | None:
        raise NotImplementedError


class Broken(Binding):
    """A node that had errors of its own: references to it add no further error."""

    def compute(self, r: Resolver, chain: list[str]) -> RefTree | None:
        return None


class Fixed(Binding):
    def __init__(self, ref: RefTree, origin: Origin, names: list[str] | None = None) -> None:
        super().__init__(origin, names)
        self.ref = ref

    def compute(self, r: Resolver, chain: list[str]) -> RefTree | None:
        return self.ref


class Formal(Binding):
    """A block's formal input, bound to a reference written at the use."""

    def __init__(self, raw: str | Ref, body: Body, origin: Origin, where: SpecPath) -> None:
        super().__init__(origin)
        self.raw, self.body, self.where = raw, body, where

    def compute(self, r: Resolver, chain: list[str]) -> RefTree | None:
        return r.lookup(self.raw, self.body, self.origin, self.where, chain)


class BlockValue(Binding):
    """A block node: its outputs, looked up inside the expanded body."""

    def __init__(self, body: Body, outputs: list[str], origin: Origin) -> None:
        super().__init__(origin, outputs if len(outputs) > 1 else None)
        self.body, self.outputs = body, outputs

    def compute(self, r: Resolver, chain: list[str]) -> RefTree | None:
        if any(o not in self.body.locals for o in self.outputs):
            return None  # reported by check_block_outputs
        values = [r.lookup(o, self.body, self.body.origin_of(o), self.body.output_path(i), chain)
                  for i, o in enumerate(self.outputs)]
        if any(v is None for v in values):
            return None
        return values[0] if len(values) == 1 else values  # type: ignore[return-value]


@dataclass
class Body:
    """A graph's or an expanded block's local ids, flattened into one node list."""

    scope: Scope
    doc: Document
    base: SpecPath
    prefix: str = ""
    trace: str = ""
    chain: tuple[str, ...] = ()
    block: Block | None = None
    locals: dict[str, Binding] = field(default_factory=dict)

    def origin_of(self, local: str) -> Origin:
        b = self.locals.get(local)
        return b.origin if b else Origin(self.doc, self.base, self.trace)

    def output_path(self, i: int) -> SpecPath:
        return (*self.base, "outputs", i)


@dataclass
class Pending:
    node: NodeIR
    raw: Any
    body: Body
    path: SpecPath


class Resolver:
    """Resolves one spec (and what it includes) into a Program, collecting every problem."""

    def __init__(self, options: Options, root: Path | None) -> None:
        self.options = options
        self.root = root
        self.errors: list[Diagnostic] = []
        self.shared: dict[str, SharedIR] = {}
        self.includes: list[Path] = []
        self.duplicates: set[str] = set()

    def error(self, origin: Origin, message: str, path: SpecPath | None = None,
              key: bool = False) -> None:
        self.errors.append(origin.diagnostic(message, path=path, key=key))

    # ---- graphs -------------------------------------------------------------------------

    def graph(self, graph: Graph, doc: Document, base: SpecPath, name: str,
              parent: Scope | None, key_prefix: str = "") -> GraphIR:
        """Flatten one graph: its inputs, nodes (blocks expanded) and outputs."""
        self.check_namespace(graph, doc, base)
        scope = Scope({}, {}, parent)
        for bid, block in graph.blocks.items():
            scope.blocks[bid] = BlockDef(bid, block, doc, (*base, "blocks", bid), scope)
        for sid, entry in graph.shared.items():
            origin = Origin(doc, (*base, "shared", sid), id=sid)
            built = self.shared_entry(sid, entry, origin, scope, f"{key_prefix}{sid}")
            scope.shared[sid] = (f"{key_prefix}{sid}", built or BROKEN)
            if built is not None:
                self.shared[f"{key_prefix}{sid}"] = built
        body = Body(scope, doc, base)
        inputs = []
        for iid, spec in graph.inputs.items():
            origin = Origin(doc, (*base, "inputs", iid), id=iid)
            inputs.append(InputIR(iid, tuple(spec.shape), spec.dtype, spec.batch_size,
                                  spec.sparse, origin))
            body.locals[iid] = Fixed(Ref(iid), origin)
        pending: list[Pending] = []
        for nid, node in graph.nodes.items():
            self.node(nid, node, body, (*base, "nodes", nid), pending)
        nodes = self.connect(pending)
        outputs = self.outputs(graph, body, base)
        self.check_names(inputs, nodes)
        own = {sid: shared for sid, (_, shared) in scope.shared.items()}
        ir = GraphIR(name, inputs, nodes, outputs, own, origin=Origin(doc, base))
        ir.output_names = [o.id for o in outputs]
        return ir

    def check_namespace(self, graph: Graph, doc: Document, base: SpecPath) -> None:
        """Inputs, nodes, shared and blocks share one namespace per graph."""
        entries = [(doc.locate((*base, section, gid), key=True), section, gid)
                   for section in ("inputs", "nodes", "shared", "blocks")
                   for gid in getattr(graph, section)]
        seen: dict[str, tuple[str, int]] = {}
        for pos, section, gid in sorted(entries, key=lambda e: (e[0].line, e[0].column)):
            if gid in seen:
                first, line = seen[gid]
                self.duplicates.add(gid)
                self.errors.append(doc.diagnostic(
                    (*base, section, gid),
                    f"duplicate id '{gid}': already used in {first} (line {line})",
                    id=gid, key=True))
            else:
                seen[gid] = (section, pos.line)

    def check_names(self, inputs: list[InputIR], nodes: list[NodeIR]) -> None:
        """Keras names must be unique in a model: expanded names may collide with other ids."""
        names: dict[str, Origin] = {i.id: i.origin for i in inputs}
        used: set[str] = set()  # shared layers: one name however often they are called
        for node in nodes:
            name = node.callable.shared_id if isinstance(node.callable, Use) else node.id
            if isinstance(node.callable, Use) and name in used:
                continue
            first = names.setdefault(name, node.origin)
            if first is not node.origin and name not in self.duplicates:
                pos = first.doc.locate(first.path)
                self.error(node.origin, f"the Keras layer name '{name}' is already taken by "
                                        f"{first.trace}{first.id} ({first.doc.file}:{pos.line})")
            if isinstance(node.callable, Use):
                used.add(name)

    def connect(self, pending: list[Pending]) -> list[NodeIR]:
        """Resolve every pending node's inputs now that all local ids are known."""
        nodes = []
        for i, p in enumerate(pending):
            origin = p.node.origin
            where = (*p.path, "inputs")
            resolved = self.inputs_value(p.raw, p.body, origin, where)
            if resolved is not None:
                p.node.inputs = resolved
                p.node.order = i
                nodes.append(p.node)
        return nodes

    def inputs_value(self, raw: Any, body: Body, origin: Origin,
                     where: SpecPath) -> InputsIR | None:
        if isinstance(raw, dict):
            out: dict[str, RefTree] = {}
            for k, v in raw.items():
                value = self.inputs_value(v, body, origin, (*where, k))
                if value is None:
                    return None
                out[k] = value  # type: ignore[assignment]
            return out
        if isinstance(raw, list):
            items = [self.inputs_value(v, body, origin, (*where, i)) for i, v in enumerate(raw)]
            return None if any(x is None for x in items) else items  # type: ignore[return-value]
        return self.lookup(raw, body, origin, where, [])

    def lookup(self, raw: str | Ref, body: Body, origin: Origin, where: SpecPath,
               chain: list[str]) -> RefTree | None:
        """A reference `id`, `id.K` or `id.NAME`, in the body's local ids."""
        if isinstance(raw, Ref):
            return raw
        m = REF_RE.fullmatch(raw)
        if m is None:
            self.error(origin, f"'{raw}' is not a reference", where)
            return None
        local, selector = m.group(1), m.group(2)
        binding = body.locals.get(local)
        if binding is None:
            self.error(origin, self.unknown_reference(local, body), where)
            return None
        try:
            value = binding.value(self, [*chain, f"{body.prefix}{local}"])
        except Problem as e:
            self.error(origin, str(e), where)
            return None
        if value is None or selector is None:
            return value
        return self.select(value, local, selector, binding, origin, where)

    def unknown_reference(self, local: str, body: Body) -> str:
        message = f"unknown reference '{local}'"
        if body.scope.find_shared(local):
            return f"{message}: '{local}' is a shared entry; call it with `use: {local}`"
        if body.scope.find_block(local):
            return f"{message}: '{local}' is a block; expand it from a node with `block: {local}`"
        where = "the block's inputs and nodes" if body.block else "the graph's inputs and nodes"
        return f"{message}: no such id among {where}{suggest(local, body.locals)}"

    def select(self, value: RefTree, local: str, selector: str, binding: Binding,
               origin: Origin, where: SpecPath) -> RefTree | None:
        """Output K or output NAME of a multi-output value."""
        names = binding.names
        if selector.isdigit():
            index = int(selector)
        elif names is None:
            self.error(origin, f"'{local}.{selector}': '{local}' has no named outputs; "
                               f"use '{local}.K' with K the output's 0-based position", where)
            return None
        elif selector not in names:
            self.error(origin, f"'{local}' has no output '{selector}' (its outputs: "
                               f"{', '.join(names)}){suggest(selector, names)}", where)
            return None
        else:
            index = names.index(selector)
        if isinstance(value, list):
            if index >= len(value):
                self.error(origin, f"'{local}.{selector}': '{local}' has only {len(value)} "
                                   "outputs", where)
                return None
            return value[index]
        if value.index is not None:
            self.error(origin, f"'{local}.{selector}' selects from a single output", where)
            return None
        return Ref(value.target, index)

    # ---- nodes --------------------------------------------------------------------------

    def node(self, nid: str, node: Node, body: Body, path: SpecPath,
             pending: list[Pending]) -> None:
        origin = Origin(body.doc, path, body.trace, nid)
        body.locals[nid] = Broken(origin)  # replaced when the node resolves
        if node.block is not None:
            self.block_node(nid, node, body, path, origin, pending)
        elif node.use is not None:
            self.use_node(nid, node, body, path, origin, pending)
        else:
            self.layer_node(nid, node, body, path, origin, pending)

    def flat_id(self, nid: str, body: Body) -> str:
        return f"{body.prefix}{nid}"

    def use_node(self, nid: str, node: Node, body: Body, path: SpecPath, origin: Origin,
                 pending: list[Pending]) -> None:
        assert node.use is not None
        found = body.scope.find_shared(node.use)
        if found is None:
            hint = suggest(node.use, body.scope.visible("shared"))
            if body.scope.find_block(node.use):
                hint = f": '{node.use}' is a block; write `block: {node.use}`"
            if node.use in body.locals:
                hint = (f": '{node.use}' is a node; to call its layer again, declare the layer "
                        f"under `shared:` and `use:` it from both nodes")
            self.error(origin, f"unknown shared id '{node.use}'{hint}", (*path, "use"))
            return
        key, shared = found
        if shared is BROKEN:  # its own errors are reported
            return
        self.check_call(node, shared if isinstance(shared, LayerIR) else None, origin, path)
        names = shared.graph.output_names if isinstance(shared, SubGraphIR) else None
        flat = NodeIR(self.flat_id(nid, body), Use(key, node.use), Ref(nid), dict(node.call),
                      origin)
        pending.append(Pending(flat, node.inputs, body, path))
        body.locals[nid] = Fixed(Ref(flat.id), origin, names if names and len(names) > 1 else None)

    def layer_node(self, nid: str, node: Node, body: Body, path: SpecPath, origin: Origin,
                   pending: list[Pending]) -> None:
        spec = LayerSpec.model_validate({"layer": node.layer, "args": node.args, **node.kwargs})
        layer = self.layer(spec, origin, path)
        if layer is None:
            return
        info = None if layer.custom else registry.layer(layer.class_name)
        self.check_call(node, info, origin, path)
        count = node.repeat or 1
        if node.repeat is not None and not isinstance(node.inputs, str):
            self.error(origin, "`repeat` needs exactly one input (a single reference)",
                       (*path, "repeat"), key=True)
            return
        raw: Any = node.inputs
        for k in range(1, count + 1):
            fid = self.flat_id(f"{nid}_{k}" if node.repeat is not None else nid, body)
            copy = LayerIR(layer.class_name, list(layer.args), dict(layer.kwargs), origin,
                           layer.custom)
            pending.append(Pending(NodeIR(fid, copy, Ref(fid), dict(node.call), origin),
                                   raw, body, path))
            raw = Ref(fid)
        body.locals[nid] = Fixed(raw, origin)

    def check_call(self, node: Node, info: Any, origin: Origin, path: SpecPath) -> None:
        """Call keywords (`call:` and the mapping form of `inputs`) against the call signature."""
        if not isinstance(info, registry.LayerInfo) or info.call_varkw:
            return
        keys = [(k, (*path, "call", k)) for k in node.call]
        if isinstance(node.inputs, dict):
            keys += [(k, (*path, "inputs", k)) for k in node.inputs]
        for k, where in keys:
            if k not in info.call:
                self.error(origin, f"{info.name} is not called with keyword '{k}' (its call "
                                   f"takes {', '.join(info.call)}){suggest(k, info.call)}",
                           where, key=True)

    # ---- layers -------------------------------------------------------------------------

    def layer(self, spec: LayerSpec, origin: Origin, path: SpecPath) -> LayerIR | None:
        """Check a layer's class and constructor arguments against the registry."""
        name = spec.layer
        try:
            info = registry.layer(name, self.options.custom_objects)
        except Problem as e:
            self.error(origin, str(e), (*path, "layer"))
            return None
        kwargs: dict[str, Any] = {}
        ok = True
        for key, value in spec.kwargs.items():
            target = "layer" if key == "wraps" else key
            if info is not None and target not in info.keywords:
                self.error(origin, f"unknown keyword argument '{key}' for {name}"
                                   f"{suggest(key, [*info.keywords, 'wraps'])}",
                           (*path, key), key=True)
                ok = False
                continue
            if info is not None and key in info.bools and isinstance(value, str):
                self.error(origin, f"{name}'s '{key}' takes true or false, not the string "
                                   f"'{value}' (YAML 1.2 reads yes/no/on/off as strings)",
                           (*path, key))
                ok = False
                continue
            converted = self.argument(name, key, value, origin, (*path, key))
            ok = ok and converted is not _INVALID
            kwargs[target] = converted
        args = [self.argument(name, str(i), v, origin, (*path, "args", i))
                for i, v in enumerate(spec.args)]
        if ok and info is not None and not self.check_arity(info, spec, kwargs, origin, path):
            ok = False
        return LayerIR(name, args, kwargs, origin, info is None) if ok else None

    def check_arity(self, info: registry.LayerInfo, spec: LayerSpec, kwargs: dict[str, Any],
                    origin: Origin, path: SpecPath) -> bool:
        if not info.varargs and len(spec.args) > len(info.positional):
            self.error(origin, f"{info.name} takes at most {len(info.positional)} positional "
                               f"arguments ({', '.join(info.positional)}), got {len(spec.args)}",
                       (*path, "args"), key=True)
            return False
        given = set(info.positional[: len(spec.args)]) | set(kwargs)
        missing = [r for r in info.required if r not in given]
        if missing:
            self.error(origin, f"{info.name} needs {', '.join(repr(m) for m in missing)}",
                       path)
            return False
        return True

    def argument(self, layer: str, key: str, value: Any, origin: Origin, path: SpecPath) -> Any:
        """One constructor argument: nested layers, named Keras objects, file arguments."""
        config = _keras_config(value)
        if config is not None:
            self.error(origin, f"a mapping with '{config}' is refused: Keras would deserialize "
                               "it (write a layer as {layer: …}, an object as {name: …})", path)
            return _INVALID
        if isinstance(value, dict) and "layer" in value:
            try:
                spec = LayerSpec.model_validate(value)
            except ValidationError as e:
                self.errors += [d.with_prefix(f"{origin.trace}{origin.id}: ")
                                for d in _diagnostics(origin.doc, e, path, value)]
                return _INVALID
            inner = self.layer(spec, origin, path)
            return _INVALID if inner is None else inner
        kind = registry.kind_of_keyword(key)
        if kind is not None and value is not None:
            return self.named(kind, value, origin, path)
        if key in registry.FILE_ARGUMENTS and isinstance(value, str) and \
                not self.options.allow_file_arguments:
            self.error(origin, f"{layer}'s '{key}' given as a string would read the file or URL "
                               f"'{value}'; give the values inline, or allow file arguments on "
                               "the command line (--allow-file-arguments)", path)
            return _INVALID
        return value

    def named(self, kind: str, value: Any, origin: Origin, path: SpecPath) -> Any:
        """A Keras name or {name: …, kwargs} among Keras's own public objects."""
        try:
            check_named(value)
            name = value if isinstance(value, str) else value["name"]
            registry.check_name(kind, name)
        except (ValueError, Problem) as e:
            self.error(origin, str(e), path)
            return _INVALID
        if isinstance(value, str):
            return Named(kind, value)
        kwargs = tuple((k, v) for k, v in value.items() if k != "name")
        return Named(kind, name, kwargs)

    # ---- shared -------------------------------------------------------------------------

    def shared_entry(self, sid: str, entry: Any, origin: Origin, scope: Scope,
                     key: str) -> SharedIR | None:
        kind = entry.kind
        path = origin.path
        if kind == "layer":
            spec = LayerSpec.model_validate({"layer": entry.layer, "args": entry.args,
                                             **entry.kwargs})
            return self.layer(spec, origin, path)
        if kind == "application":
            return self.application(entry, origin, path)
        if kind == "graph":
            inner = self.graph(entry.graph, origin.doc, (*path, "graph"), sid, scope, f"{key}.")
            return SubGraphIR(inner, origin)
        return self.include(sid, entry.spec, origin, key)

    def application(self, entry: Any, origin: Origin, path: SpecPath) -> ApplicationIR | None:
        try:
            keywords = registry.application(entry.application)
        except Problem as e:
            self.error(origin, str(e), (*path, "application"))
            return None
        kwargs = entry.kwargs
        bad = [k for k in kwargs if k not in keywords or k == "input_tensor"]
        for k in bad:
            self.error(origin, f"unknown keyword argument '{k}' for application "
                               f"{entry.application}{suggest(k, keywords)}", (*path, k), key=True)
        if kwargs.get("weights", "imagenet") is not None:
            self.error(origin, f"application {entry.application} needs `weights: null`: "
                               "graphspec never downloads or reads weight files",
                       (*path, "weights") if "weights" in kwargs else path)
            return None
        return None if bad else ApplicationIR(entry.application, kwargs, origin)

    def include(self, sid: str, relative: str, origin: Origin, key: str) -> SharedIR | None:
        """A `spec:` file as a sub-model: path rules, include loops, errors located there."""
        doc = origin.doc
        where = (*origin.path, "spec")
        target = self.include_path(relative, doc, origin, where)
        if target is None:
            return None
        if target in self.includes:
            names = [display_path(p) for p in [*self.includes, target]]
            self.error(origin, "spec files include each other in a loop: " + " → ".join(names),
                       where)
            return None
        pos = doc.locate(where)
        note = f"included from {doc.file}:{pos.line}"
        try:
            inner_doc = load_file(target, (note, *doc.notes))
            from graphspec.schema import validate as validate_spec
            spec = validate_spec(inner_doc)
        except GraphSpecError as e:
            self.errors += e.diagnostics
            return None
        self.includes.append(target)
        try:
            graph = self.graph(spec, inner_doc, (), sid, None, f"{key}.")
        finally:
            self.includes.pop()
        return SubGraphIR(graph, origin)

    def include_path(self, relative: str, doc: Document, origin: Origin,
                     where: SpecPath) -> Path | None:
        if Path(relative).is_absolute():
            self.error(origin, f"'{relative}': absolute `spec:` paths are not allowed", where)
            return None
        here = doc.path.parent if doc.path else Path.cwd()
        target = (here / relative).resolve()
        roots = [r.resolve() for r in (self.root, *self.options.allow_paths) if r is not None]
        if roots and not any(target.is_relative_to(r) for r in roots):
            self.error(origin, f"'{relative}' leaves the spec's directory ({display_path(roots[0])}"
                               "); allow more with --allow-path", where)
            return None
        if not target.is_file():
            self.error(origin, f"'{relative}': no such spec file", where)
            return None
        return target

    # ---- blocks -------------------------------------------------------------------------

    def block_node(self, nid: str, node: Node, body: Body, path: SpecPath, origin: Origin,
                   pending: list[Pending]) -> None:
        assert node.block is not None
        bdef = body.scope.find_block(node.block)
        if bdef is None:
            hint = suggest(node.block, body.scope.visible("blocks"))
            if body.scope.find_shared(node.block):
                hint = f": '{node.block}' is a shared entry; write `use: {node.block}`"
            self.error(origin, f"unknown block '{node.block}'{hint}", (*path, "block"))
            return
        if bdef.id in body.chain:
            chain = " → ".join([*body.chain, bdef.id])
            self.error(origin, f"block '{bdef.id}' uses itself: {chain}", (*path, "block"))
            return
        params = self.block_params(bdef, node, origin, path)
        formals = self.block_formals(bdef, node, body, origin, path)
        if params is None or formals is None:
            return
        copies = node.repeat or 1
        if node.repeat is not None and (len(bdef.block.inputs) != 1 or
                                        len(bdef.block.outputs) != 1):
            self.error(origin, f"`repeat` needs a block with one input and one output; "
                               f"'{bdef.id}' has {len(bdef.block.inputs)} and "
                               f"{len(bdef.block.outputs)}", (*path, "repeat"), key=True)
            return
        value: Binding | None = None
        for k in range(1, copies + 1):
            if value is not None:
                formals = {bdef.block.inputs[0]: value}
            tag = f", repeat {k} of {copies}" if node.repeat is not None else ""
            prefix = f"{body.prefix}{nid}_{k}_" if node.repeat is not None else \
                f"{body.prefix}{nid}_"
            inner = Body(bdef.scope, bdef.doc, bdef.path, prefix,
                         f"{body.trace}{nid} (block {bdef.id}{tag}) → ",
                         (*body.chain, bdef.id), bdef.block, dict(formals))
            self.expand(bdef, params, inner, pending)
            self.check_block_outputs(bdef, inner)
            value = BlockValue(inner, list(bdef.block.outputs), origin)
        assert value is not None
        body.locals[nid] = value

    def check_block_outputs(self, bdef: BlockDef, inner: Body) -> None:
        for i, out in enumerate(bdef.block.outputs):
            if out not in inner.locals:
                origin = Origin(bdef.doc, (*bdef.path, "outputs", i), inner.trace)
                self.error(origin, f"output '{out}' is none of the block's inputs and nodes"
                                   f"{suggest(out, inner.locals)}")

    def block_params(self, bdef: BlockDef, node: Node, origin: Origin,
                     path: SpecPath) -> dict[str, Any] | None:
        declared = bdef.block.params or {}
        given = node.kwargs
        ok = True
        for k in given:
            if k not in declared:
                self.error(origin, f"block '{bdef.id}' has no parameter '{k}' (its parameters: "
                                   f"{', '.join(declared) or 'none'}){suggest(k, declared)}",
                           (*path, k), key=True)
                ok = False
        missing = [k for k, v in declared.items() if v is None and k not in given]
        if missing:
            self.error(origin, f"block '{bdef.id}' needs parameter"
                               f"{'s' if len(missing) > 1 else ''} "
                               f"{', '.join(repr(m) for m in missing)}", path)
            ok = False
        return {**declared, **given} if ok else None

    def block_formals(self, bdef: BlockDef, node: Node, outer: Body, origin: Origin,
                      path: SpecPath) -> dict[str, Binding] | None:
        """Bind the block's formal inputs to the references written at the use."""
        formals = bdef.block.inputs
        raw = node.inputs
        where = (*path, "inputs")
        if isinstance(raw, str):
            raw = [raw]
        if isinstance(raw, list):
            if len(raw) != len(formals):
                self.error(origin, f"block '{bdef.id}' takes {len(formals)} input"
                                   f"{'s' if len(formals) != 1 else ''} ({', '.join(formals)}),"
                                   f" got {len(raw)}", where)
                return None
            pairs: list[tuple[str, Any, SpecPath]] = [
                (f, r, (*where, i)) for i, (f, r) in enumerate(zip(formals, raw, strict=True))]
        else:
            unknown = [k for k in raw if k not in formals]
            missing = [f for f in formals if f not in raw]
            for k in unknown:
                self.error(origin, f"block '{bdef.id}' has no input '{k}' (its inputs: "
                                   f"{', '.join(formals)}){suggest(k, formals)}",
                           (*where, k), key=True)
            if missing:
                self.error(origin, f"block '{bdef.id}' input{'s' if len(missing) > 1 else ''} "
                                   f"{', '.join(repr(m) for m in missing)} not given", where)
            lists = [k for k, v in raw.items() if isinstance(v, list)]
            for k in lists:
                self.error(origin, f"block input '{k}' takes one reference, not a list",
                           (*where, k))
            if unknown or missing or lists:
                return None
            pairs = [(f, raw[f], (*where, f)) for f in formals]
        return {f: Formal(r, outer, origin, w) for f, r, w in pairs
                if isinstance(r, str)}

    def expand(self, bdef: BlockDef, params: dict[str, Any], body: Body,
               pending: list[Pending]) -> None:
        """Substitute parameters into each node of the block and add it to the body."""
        for nid, raw in bdef.block.nodes.items():
            path = (*bdef.path, "nodes", nid)
            origin = Origin(bdef.doc, path, body.trace, nid)
            if nid in body.locals:
                self.error(origin, f"duplicate id '{nid}': already a formal input of block "
                                   f"'{bdef.id}'", path, key=True)
                continue
            body.locals[nid] = Broken(origin)  # replaced when the node resolves
            problems: list[Diagnostic] = []
            data = substitute(raw, params, partial(_report, problems, origin, path))
            node = self.block_inner_node(data, bdef, path, origin, problems)
            if node is not None:
                self.node(nid, node, body, path, pending)

    def block_inner_node(self, data: Any, bdef: BlockDef, path: SpecPath, origin: Origin,
                         problems: list[Diagnostic]) -> Node | None:
        if problems:
            self.errors += problems
            return None
        try:
            return Node.model_validate(data)
        except ValidationError as e:
            self.errors += [d.with_prefix(f"{origin.trace}{origin.id}: ")
                            for d in _diagnostics(bdef.doc, e, path, data)]
            return None

    # ---- outputs and compile ------------------------------------------------------------

    def outputs(self, graph: Graph, body: Body, base: SpecPath) -> list[OutputIR]:
        result = []
        for idx, (oid, options) in enumerate(graph.output_options().items()):
            where = (*base, "outputs", oid if isinstance(graph.outputs, dict) else idx)
            origin = Origin(body.doc, where, id=oid)
            loss = self.named("losses", options.loss, origin, (*where, "loss")) \
                if options.loss is not None else None
            metrics = [self.named("metrics", m, origin, (*where, "metrics", i))
                       for i, m in enumerate(options.metrics)]
            if oid not in body.locals:
                self.error(origin, f"output '{oid}' is not a node or input of the graph"
                                   f"{suggest(oid, body.locals)}", where,
                           key=isinstance(graph.outputs, dict))
                continue
            ref = self.lookup(oid, body, origin, where, [])
            if isinstance(ref, list):
                self.error(origin, f"output '{oid}' has {len(ref)} values (a block with several "
                                   "outputs): make each one an output of its own node", where)
                continue
            if ref is None or loss is _INVALID or _INVALID in metrics:
                continue
            result.append(OutputIR(oid, ref, loss, options.loss_weight, metrics, origin))
        return result


_INVALID = object()


def compile_settings(spec: Spec, outputs: list[OutputIR], r: Resolver,
                     doc: Document) -> CompileIR | None:
    """Keras compile arguments from `compile:` and the per-output options."""
    settings = spec.compile
    has_loss = any(o.loss is not None for o in outputs)
    if settings is None and not has_loss:
        return None
    base = Origin(doc, ("compile",))
    optimizer = r.named("optimizers", settings.optimizer if settings else "rmsprop", base,
                        ("compile", "optimizer"))
    names = [o.id for o in outputs]
    loss: Named | dict[str, Named] | None = None
    model_loss = settings.loss if settings else None
    if model_loss is not None and has_loss:
        for o in outputs:
            if o.loss is not None:
                r.error(o.origin, f"a loss is given both model-wide (compile.loss, line "
                                  f"{doc.locate(('compile', 'loss')).line}) and on output "
                                  f"'{o.id}'", (*o.origin.path, "loss"), key=True)
    elif isinstance(model_loss, dict):
        loss = {k: r.named("losses", v, base, ("compile", "loss", k))
                for k, v in model_loss.items() if _is_output(k, names, r, doc, ("compile", "loss"))}
    elif model_loss is not None:
        loss = r.named("losses", model_loss, base, ("compile", "loss"))
    elif has_loss:
        loss = {o.id: o.loss for o in outputs if o.loss is not None}
    weights = {o.id: o.loss_weight for o in outputs if o.loss_weight is not None}
    for k, w in ((settings.loss_weights or {}) if settings else {}).items():
        if _is_output(k, names, r, doc, ("compile", "loss_weights")):
            weights[k] = w
    metrics = _metrics(settings, outputs, r, doc, names)
    flags = {k: getattr(settings, k) for k in ("run_eagerly", "jit_compile", "steps_per_execution")
             if settings is not None and getattr(settings, k) is not None}
    return CompileIR(optimizer, loss, weights, metrics, flags)


def _metrics(settings: Any, outputs: list[OutputIR], r: Resolver, doc: Document,
             names: list[str]) -> dict[str, list[Named]]:
    base = Origin(doc, ("compile",))
    model_wide = settings.metrics if settings is not None else []
    per: dict[str, list[Named]] = {o.id: list(o.metrics) for o in outputs}
    if isinstance(model_wide, dict):
        for k, ms in model_wide.items():
            if _is_output(k, names, r, doc, ("compile", "metrics")):
                per[k] += [r.named("metrics", m, base, ("compile", "metrics", k, i))
                           for i, m in enumerate(ms)]
    else:
        shared = [r.named("metrics", m, base, ("compile", "metrics", i))
                  for i, m in enumerate(model_wide)]
        for k in per:
            per[k] = shared + per[k]
    return {k: v for k, v in per.items() if v}


def _is_output(key: str, names: list[str], r: Resolver, doc: Document, where: SpecPath) -> bool:
    if key in names:
        return True
    r.errors.append(doc.diagnostic((*where, key), f"'{key}' is not an output (outputs: "
                                   f"{', '.join(names)}){suggest(key, names)}", key=True, id=key))
    return False


def resolve(spec: Spec, doc: Document, options: Options = Options()) -> Program:
    """Resolve a validated spec into a Program; SpecError with every problem found."""
    root = doc.path.parent if doc.path else None
    r = Resolver(options, root)
    if doc.path is not None:
        r.includes.append(doc.path)
    name = spec.name or (doc.path.stem if doc.path else "model")
    graph = r.graph(spec, doc, (), name, None)
    compiled = compile_settings(spec, graph.outputs, r, doc)
    if r.errors:
        raise SpecError(_sorted(r.errors))
    return Program(graph, r.shared, compiled)


_REPEAT = re.compile(r", repeat \d+ of \d+\)")


def _sorted(diags: list[Diagnostic]) -> list[Diagnostic]:
    """In file order; one report for the same error in every copy of a repeated block."""
    unique: dict[tuple[str, int, int, str], Diagnostic] = {}
    for d in diags:
        unique.setdefault((d.file, d.line, d.column, _REPEAT.sub(")", d.message)), d)
    return sorted(unique.values(), key=lambda d: (d.file, d.line, d.column))


def _report(problems: list[Diagnostic], origin: Origin, path: SpecPath, rel: SpecPath,
            e: Problem) -> None:
    """A substitution problem, located at the value inside the block's definition."""
    problems.append(origin.diagnostic(str(e), path=(*path, *rel)))


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
