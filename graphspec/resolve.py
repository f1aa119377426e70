"""Stage 3, resolve: references, shared callables, blocks and registry look-ups → the graph IR."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from graphspec import blocks, layers, registry, shared
from graphspec.compile_settings import compile_settings
from graphspec.errors import (
    Diagnostic,
    Problem,
    SpecError,
    SpecPath,
    sorted_diagnostics,
    suggest,
)
from graphspec.ir import (
    GraphIR,
    InputIR,
    InputsIR,
    LayerIR,
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
from graphspec.loader import Document
from graphspec.schema import (
    REF_RE,
    Graph,
    LayerSpec,
    Node,
    Spec,
)
from graphspec.scope import (
    BROKEN,
    MAX_INCLUDES,
    MAX_NODES,
    Binding,
    BlockDef,
    Body,
    Broken,
    Fixed,
    Options,
    Pending,
    Scope,
    Site,
)


class Resolver:
    """Resolves one spec (and what it includes) into a Program, collecting every problem."""

    def __init__(self, options: Options, root: Path | None) -> None:
        self.options = options
        self.root = root
        self.errors: list[Diagnostic] = []
        self.shared: dict[str, SharedIR] = {}
        self.includes: list[Path] = []
        self.duplicates: set[str] = set()
        self.broken_blocks: set[str] = set()
        self.node_count = 0
        self.include_count = 0

    def error(
        self,
        origin: Origin,
        message: str,
        path: SpecPath | None = None,
        key: bool = False,
        *,
        code: str = "",
        hint: str = "",
    ) -> None:
        self.errors.append(origin.diagnostic(message, path=path, key=key, code=code, hint=hint))

    def grow(self, nodes: int, includes: int, origin: Origin, path: SpecPath) -> None:
        """Count what the spec expands to; past a cap it is refused at once, with what was
        found so far (like the loader's caps, so a tiny file cannot make a huge graph)."""
        self.node_count += nodes
        self.include_count += includes
        if self.node_count > MAX_NODES:
            what, code = f"more than {MAX_NODES:,} nodes", "GS408"
        elif self.include_count > MAX_INCLUDES:
            what, code = f"more than {MAX_INCLUDES:,} included spec files", "GS409"
        else:
            return
        self.error(
            origin,
            f"the spec expands to {what} (repeats, blocks and includes counted; "
            "a cap of graphspec's)",
            path,
            code=code,
        )
        raise SpecError(sorted_diagnostics(self.errors))

    # ---- graphs -------------------------------------------------------------------------

    def graph(
        self,
        graph: Graph,
        doc: Document,
        base: SpecPath,
        name: str,
        parent: Scope | None,
        key_prefix: str = "",
        broken: dict[str, set[str]] | None = None,
    ) -> GraphIR:
        """Flatten one graph: its inputs, nodes (blocks expanded) and outputs."""
        self.check_namespace(graph, doc, base)
        scope = Scope({}, {}, parent)
        for bid, block in graph.blocks.items():
            scope.blocks[bid] = BlockDef(bid, block, doc, (*base, "blocks", bid), scope)
        for sid, entry in graph.shared.items():
            origin = Origin(doc, (*base, "shared", sid), id=sid)
            key = f"{key_prefix}{sid}"
            built = shared.shared_entry(self, sid, entry, origin, scope, key)
            scope.shared[sid] = (key, built or BROKEN)
            if built is not None:
                self.shared[key] = built
        body = Body(scope, doc, base)
        self.set_aside(broken or {}, scope, body, doc)
        inputs = []
        for iid, spec in graph.inputs.items():
            origin = Origin(doc, (*base, "inputs", iid), id=iid)
            inputs.append(
                InputIR(iid, tuple(spec.shape), spec.dtype, spec.batch_size, spec.sparse, origin)
            )
            body.locals[iid] = Fixed(Ref(iid), origin)
        pending: list[Pending] = []
        for nid, node in graph.nodes.items():
            self.node(nid, node, body, (*base, "nodes", nid), pending)
        nodes = self.connect(pending)
        outputs = self.outputs(graph, body, base)
        self.check_names(inputs, nodes)
        own = {sid: entry for sid, (_, entry) in scope.shared.items() if entry is not BROKEN}
        ir = GraphIR(name, inputs, nodes, outputs, own, origin=Origin(doc, base))
        ir.output_names = [o.id for o in outputs]
        return ir

    def set_aside(
        self, broken: dict[str, set[str]], scope: Scope, body: Body, doc: Document
    ) -> None:
        """Ids whose entries failed validation: referring to them adds no error."""
        for section, ids in broken.items():
            for i in ids:
                origin = Origin(doc, (section, i), id=i)
                if section == "shared":
                    scope.shared[i] = (i, BROKEN)
                elif section == "blocks":
                    self.broken_blocks.add(i)
                else:
                    body.locals[i] = Broken(origin)

    def check_namespace(self, graph: Graph, doc: Document, base: SpecPath) -> None:
        """Inputs, nodes, shared and blocks share one namespace per graph."""
        entries = [
            (doc.locate((*base, section, gid), key=True), section, gid)
            for section in ("inputs", "nodes", "shared", "blocks")
            for gid in getattr(graph, section)
        ]
        seen: dict[str, tuple[str, int]] = {}
        for pos, section, gid in sorted(entries, key=lambda e: (e[0].line, e[0].column)):
            if gid in seen:
                first, line = seen[gid]
                self.duplicates.add(gid)
                self.errors.append(
                    doc.diagnostic(
                        (*base, section, gid),
                        f"duplicate id '{gid}': already used in {first} (line {line})",
                        id=gid,
                        key=True,
                        code="GS402",
                    )
                )
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
                self.error(
                    node.origin,
                    f"the Keras layer name '{name}' is already taken by "
                    f"{first.trace}{first.id} ({first.doc.file}:{pos.line})",
                    code="GS403",
                    hint="rename one of the two: an expanded node is named `NODE_INNER`",
                )
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

    def inputs_value(
        self, raw: Any, body: Body, origin: Origin, where: SpecPath
    ) -> InputsIR | None:
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

    def lookup(
        self, raw: str | Ref, body: Body, origin: Origin, where: SpecPath, chain: list[str]
    ) -> RefTree | None:
        """A reference `id`, `id.K` or `id.NAME`, in the body's local ids."""
        if isinstance(raw, Ref):
            return raw
        m = REF_RE.fullmatch(raw)
        if m is None:
            self.error(origin, f"'{raw}' is not a reference", where, code="GS212")
            return None
        local, selector = m.group(1), m.group(2)
        binding = body.locals.get(local)
        if binding is None:
            self.error(origin, self.unknown_reference(local, body), where, code="GS320")
            return None
        try:
            value = binding.value(self, [*chain, body.name(local)])
        except Problem as e:
            self.error(origin, str(e), where, code=e.code, hint=e.hint)
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

    def select(
        self,
        value: RefTree,
        local: str,
        selector: str,
        binding: Binding,
        origin: Origin,
        where: SpecPath,
    ) -> RefTree | None:
        """Output K or output NAME of a multi-output value."""
        names = binding.names
        if selector.isdigit():
            index = int(selector)
        elif names is None:
            self.error(
                origin,
                f"'{local}.{selector}': '{local}' has no named outputs; "
                f"use '{local}.K' with K the output's 0-based position",
                where,
                code="GS322",
            )
            return None
        elif selector not in names:
            self.error(
                origin,
                f"'{local}' has no output '{selector}' (its outputs: "
                f"{', '.join(names)}){suggest(selector, names)}",
                where,
                code="GS321",
            )
            return None
        else:
            index = names.index(selector)
        if isinstance(value, list):
            if index >= len(value):
                self.error(
                    origin,
                    f"'{local}.{selector}': '{local}' has only {len(value)} outputs",
                    where,
                    code="GS321",
                )
                return None
            return value[index]
        if names is not None and len(names) == 1:  # a one-output block or sub-model
            if index == 0:
                return value
            self.error(
                origin, f"'{local}.{selector}': '{local}' has only one output", where, code="GS321"
            )
            return None
        if value.index is not None:
            self.error(
                origin, f"'{local}.{selector}' selects from a single output", where, code="GS321"
            )
            return None
        return Ref(value.target, index)

    # ---- nodes --------------------------------------------------------------------------

    def node(
        self, nid: str, node: Node, body: Body, path: SpecPath, pending: list[Pending]
    ) -> None:
        origin = Origin(body.doc, path, body.trace, nid)
        body.locals[nid] = Broken(origin)  # replaced when the node resolves
        site = Site(nid, node, body, path, origin, pending)
        if node.block is not None:
            blocks.block_node(self, site)
        elif node.use is not None:
            self.use_node(site)
        else:
            self.layer_node(site)

    def use_node(self, site: Site) -> None:
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
            self.error(
                origin, f"unknown shared id '{node.use}'{hint}", (*path, "use"), code="GS323"
            )
            return
        key, shared = found
        if shared is BROKEN:  # its own errors are reported
            return
        layers.check_call(self, node, shared if isinstance(shared, LayerIR) else None, origin, path)
        names = shared.graph.output_names if isinstance(shared, SubGraphIR) else None
        self.grow(1, 0, origin, path)
        flat = NodeIR(body.name(nid), Use(key, node.use), Ref(nid), dict(node.call), origin)
        site.add(flat, node.inputs)
        site.bind(Fixed(Ref(flat.id), origin, names))

    def layer_node(self, site: Site) -> None:
        node, origin, path = site.node, site.origin, site.path
        spec = LayerSpec.model_validate({"layer": node.layer, "args": node.args, **node.kwargs})
        layer = layers.layer(self, spec, origin, path)
        if layer is None:
            return
        info = None if layer.custom else registry.layer(layer.class_name)
        layers.check_call(self, node, info, origin, path)
        count = node.repeat or 1
        if node.repeat is not None and not isinstance(node.inputs, str):
            self.error(
                origin,
                "`repeat` needs exactly one input (a single reference)",
                (*path, "repeat"),
                key=True,
                code="GS333",
            )
            return
        self.grow(count, 0, origin, (*path, "repeat") if node.repeat is not None else path)
        raw: Any = node.inputs
        for k in range(1, count + 1):
            fid = site.body.name(f"{site.nid}_{k}" if node.repeat is not None else site.nid)
            copy = LayerIR(
                layer.class_name, list(layer.args), dict(layer.kwargs), origin, layer.custom
            )
            site.add(NodeIR(fid, copy, Ref(fid), dict(node.call), origin), raw)
            raw = Ref(fid)
        site.bind(Fixed(raw, origin))

    # ---- outputs ------------------------------------------------------------------------

    def outputs(self, graph: Graph, body: Body, base: SpecPath) -> list[OutputIR]:
        result = []
        for idx, (oid, options) in enumerate(graph.output_options().items()):
            where = (*base, "outputs", oid if isinstance(graph.outputs, dict) else idx)
            origin = Origin(body.doc, where, id=oid)
            loss = (
                layers.named(self, "losses", options.loss, origin, (*where, "loss"))
                if options.loss is not None
                else None
            )
            metrics = [
                layers.named(self, "metrics", m, origin, (*where, "metrics", i))
                for i, m in enumerate(options.metrics)
            ]
            if oid not in body.locals:
                self.error(
                    origin,
                    f"output '{oid}' is not a node or input of the graph"
                    f"{suggest(oid, body.locals)}",
                    where,
                    key=isinstance(graph.outputs, dict),
                    code="GS341",
                )
                continue
            ref = self.lookup(oid, body, origin, where, [])
            if isinstance(ref, list):
                self.error(
                    origin,
                    f"output '{oid}' has {len(ref)} values (a block with several "
                    "outputs): make each one an output of its own node",
                    where,
                    code="GS342",
                )
                continue
            if ref is None or loss is layers.INVALID or layers.INVALID in metrics:
                continue
            result.append(OutputIR(oid, ref, loss, options.loss_weight, metrics, origin))
        return result


def resolve(
    spec: Spec,
    doc: Document,
    options: Options | None = None,
    broken: dict[str, set[str]] | None = None,
) -> Program:
    """Resolve a validated spec into a Program; SpecError with every problem found.

    `broken` names entries set aside because they failed validation (see api.check)."""
    root = doc.path.parent if doc.path else None
    r = Resolver(options or Options(), root)
    if doc.path is not None:
        r.includes.append(doc.path)
    name = spec.name or (doc.path.stem if doc.path else "model")
    graph = r.graph(spec, doc, (), name, None, broken=broken)
    compiled = compile_settings(spec, graph.outputs, r, doc)
    if r.errors:
        raise SpecError(_without_repeats(r.errors))
    return Program(graph, r.shared, compiled)


_REPEAT = re.compile(r", repeat \d+ of \d+\)")


def _without_repeats(diags: list[Diagnostic]) -> list[Diagnostic]:
    """One report for the same error in every copy of a repeated block, in file order."""
    unique: dict[tuple[str, int, int, str], Diagnostic] = {}
    for d in diags:
        unique.setdefault((d.file, d.line, d.column, _REPEAT.sub(")", d.message)), d)
    return sorted_diagnostics(unique.values())
