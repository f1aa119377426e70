"""Stage 2, resolve: references, shared callables, blocks and catalog look-ups → the graph IR."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

from graphspec.caps import MAX_INCLUDED_BYTES, MAX_INCLUDES, MAX_NODES, MAX_SUBMODEL_DEPTH
from graphspec.diagnostics import (
    Code,
    Diagnostic,
    Problem,
    SpecError,
    SpecPath,
    codes,
    once_per_copy,
    sorted_diagnostics,
)
from graphspec.ir import GraphIR, InputIR, LayerIR, NodeIR, Origin, Program, Ref, RefTree, SharedIR
from graphspec.resolve import blocks, nodes, ops, shared
from graphspec.resolve.compile_settings import compile_settings
from graphspec.resolve.context import Options
from graphspec.resolve.fit_settings import fit_settings
from graphspec.resolve.includes import Parsed
from graphspec.resolve.namespace import check_names, check_namespace
from graphspec.resolve.outputs import entries as output_entries
from graphspec.resolve.outputs import outputs
from graphspec.resolve.references import inputs_value, known_input, lookup
from graphspec.resolve.scope import BROKEN, BlockDef, Body, Broken, Fixed, Pending, Scope, Site
from graphspec.resolve.unchecked import unchecked
from graphspec.syntax.document import Document
from graphspec.syntax.lenient import LeftOut
from graphspec.syntax.schema import Graph, Node, Spec
from graphspec.syntax.sections import NAMESPACES


class Resolver:
    """Resolves one spec (and what it includes) into a Program, collecting every problem;
    the one implementation of resolve.context.Context."""

    def __init__(self, options: Options, root: Path | None) -> None:
        self.options = options
        self.root = root
        self.errors: list[Diagnostic] = []
        self.shared: dict[str, SharedIR] = {}
        self.includes: list[Path] = []
        self.broken_blocks: set[str] = set()
        self.node_count = 0
        self.include_count = 0
        self.left_out: dict[str, LeftOut] = {}
        """What validation left out of each document, by its file."""
        self.parsed: dict[Path, Parsed | None] = {}
        self.included_bytes = 0
        self.depth = 0
        self.incomplete: set[int] = set()
        self.checked_layers: dict[tuple[object, ...], LayerIR] = {}
        self.bodies: list[Body] = []
        self.inner_layers: dict[int, tuple[Node, LayerIR]] = {}

    def error(
        self,
        origin: Origin,
        message: str,
        path: SpecPath | None = None,
        key: bool = False,
        *,
        code: Code,
        hint: str = "",
    ) -> None:
        self.errors.append(origin.diagnostic(message, path=path, key=key, code=code, hint=hint))

    def report(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.errors.extend(diagnostics)

    def grow(
        self, nodes: int, includes: int, origin: Origin, path: SpecPath, text: int = 0
    ) -> None:
        """Count what the spec expands to; past a cap it is refused at once, with what was
        found so far (like the loader's caps, so a tiny file cannot make a huge graph)."""
        self.node_count += nodes
        self.include_count += includes
        self.included_bytes += text
        if self.node_count > MAX_NODES:
            what, code = f"more than {MAX_NODES:,} nodes", codes.TOO_MANY_NODES
        elif self.include_count > MAX_INCLUDES:
            what, code = f"more than {MAX_INCLUDES:,} included spec files", codes.TOO_MANY_INCLUDES
        elif self.included_bytes > MAX_INCLUDED_BYTES:
            what = f"more than {MAX_INCLUDED_BYTES:,} bytes of included spec files"
            code = codes.TOO_MUCH_INCLUDED_TEXT
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

    def release(self) -> None:
        """Drop what resolving kept to look ids up: a block copy's body and its bindings refer
        to each other, and to the body around (cycles that only the cyclic GC would free:
        for 50,000 nodes of blocks, 340,000 objects and 0.3 s of its time)."""
        for body in self.bodies:
            body.locals.clear()
            body.scope.blocks.clear()
        self.bodies.clear()

    def lookup(
        self, raw: str | Ref, body: Body, origin: Origin, where: SpecPath, chain: list[str]
    ) -> RefTree | None:
        return lookup(self, raw, body, origin, where, chain)

    def graph(
        self,
        graph: Graph,
        doc: Document,
        base: SpecPath,
        name: str,
        parent: Scope | None,
        key_prefix: str = "",
    ) -> GraphIR:
        """Flatten one graph: its inputs, nodes (blocks expanded) and outputs."""
        if self.depth >= MAX_SUBMODEL_DEPTH:
            self.error(
                Origin(doc, base),
                f"sub-models (`graph:` and `spec:` entries) nest more than "
                f"{MAX_SUBMODEL_DEPTH} deep (a cap of graphspec's)",
                code=codes.SUBMODELS_TOO_DEEP,
            )
            return GraphIR(name, [], [], [], origin=Origin(doc, base))
        self.depth += 1
        try:
            return self.flatten(graph, doc, base, name, parent, key_prefix)
        finally:
            self.depth -= 1

    def flatten(
        self,
        graph: Graph,
        doc: Document,
        base: SpecPath,
        name: str,
        parent: Scope | None,
        key_prefix: str,
    ) -> GraphIR:
        duplicates = check_namespace(self, graph, doc, base)
        scope = self.scope(graph, doc, base, parent, key_prefix)
        body = Body(scope, doc, base)
        self.bodies.append(body)
        left = self.left_out.get(doc.file)
        if left:
            self.mark_left_out(left, base, scope, body, doc)
        inputs = []
        for iid, spec in graph.inputs.items():
            origin = Origin(doc, (*base, "inputs", iid), id=iid)
            inputs.append(
                InputIR(iid, tuple(spec.shape), spec.dtype, spec.batch_size, spec.sparse, origin)
            )
            body.locals[iid] = Fixed(Ref(iid), origin)
        pending: list[Pending] = []
        for nid, node in graph.nodes.items():
            if nid in duplicates:  # reported: which entry the id means is unclear
                body.locals.setdefault(nid, Broken(Origin(doc, (*base, "nodes", nid), id=nid)))
                continue
            self.node(nid, node, body, (*base, "nodes", nid), pending)
        flat = self.connect(pending)
        found = outputs(self, graph, body, base)
        ops.name_outputs(flat, found)
        flat = check_names(self, inputs, flat, duplicates)
        own = {sid: entry for sid, (_, entry) in scope.shared.items() if entry is not BROKEN}
        ir = GraphIR(name, inputs, flat, found, own, origin=Origin(doc, base))
        ir.output_names = [o.id for o in found]
        written = len(list(output_entries(graph, base)))
        if len(found) < written or (left and (left.ids(base, "outputs") or left.whole(base))):
            self.incomplete.add(id(ir))
        return ir

    def scope(
        self, graph: Graph, doc: Document, base: SpecPath, parent: Scope | None, key_prefix: str
    ) -> Scope:
        """The graph's blocks and shared entries (each shared callable resolved once)."""
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
        return scope

    def mark_left_out(
        self, left: LeftOut, base: SpecPath, scope: Scope, body: Body, doc: Document
    ) -> None:
        """Ids whose entries failed validation: referring to them adds no error."""
        for section in NAMESPACES:
            for i in left.ids(base, section):
                if section == "shared":
                    scope.shared[i] = (i, BROKEN)
                elif section == "blocks":
                    self.broken_blocks.add(i)
                else:
                    body.locals[i] = Broken(Origin(doc, (*base, section, i), id=i))
        body.quiet = left.whole(base)

    def node(
        self, nid: str, node: Node, body: Body, path: SpecPath, pending: list[Pending]
    ) -> None:
        origin = Origin(body.doc, path, body.uses, nid)
        site = Site(nid, node, body, path, origin, pending)
        before = len(pending)
        if node.block is None and node.use is None and node.op is None:
            nodes.layer_node(self, site)  # binds the id when done (most nodes)
        else:
            body.locals[nid] = Broken(origin)  # replaced when the node resolves
            if node.block is not None:
                blocks.block_node(self, site)
            elif node.use is not None:
                nodes.use_node(self, site)
            else:
                ops.op_node(self, site)
        left = self.left_out.get(body.doc.file)
        if left and path in left.tainted:  # checked without an invalid field: output unknown
            for p in pending[before:]:
                if p.node is not None:
                    p.node.callable = unchecked(p.node.origin)

    def connect(self, pending: list[Pending]) -> list[NodeIR]:
        """Resolve every pending node's inputs now that all local ids are known."""
        flat = []
        for i, p in enumerate(pending):
            if p.node is None:
                assert p.binding is not None
                with suppress(Problem):  # found again, and reported, where it is used
                    p.binding.value(self, [])
                continue
            known = known_input(p.raw, p.body)  # most nodes: one id whose value is known
            p.node.inputs = (
                known
                if known is not None
                else inputs_value(self, p.raw, p.body, p.node.origin, (*p.path, "inputs"))
            )
            p.node.order = i
            flat.append(p.node)
        return flat


def resolve_all(
    spec: Spec, doc: Document, options: Options | None = None, left_out: LeftOut | None = None
) -> tuple[Program, list[Diagnostic]]:
    """Resolve a validated spec into a Program and every problem found (what had errors is
    left in as stand-ins of unknown shape, so that later stages can check the rest); a cap
    passed is a SpecError at once.

    `left_out` says what validation left out (syntax.validate.validate_leniently): references
    to it add no error."""
    opts = options or Options()
    root = doc.path.parent if doc.path else opts.base_dir
    r = Resolver(opts, root)
    if left_out:
        r.left_out[doc.file] = left_out
    if doc.path is not None:
        r.includes.append(doc.path)
    name = spec.name or (doc.path.stem if doc.path else "model")
    graph = r.graph(spec, doc, (), name, None)
    compiled = compile_settings(r, spec, graph.outputs, doc)
    fit_settings(r, spec, graph.outputs, compiled, doc)
    r.release()
    return Program(graph, r.shared, compiled), once_per_copy(r.errors)


def resolve(
    spec: Spec, doc: Document, options: Options | None = None, left_out: LeftOut | None = None
) -> Program:
    """Resolve a validated spec into a Program; SpecError with every problem found."""
    program, errors = resolve_all(spec, doc, options, left_out)
    if errors:
        raise SpecError(errors)
    return program
