"""Scopes and bindings of ids while resolving: what each local id stands for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from graphspec.diagnostics import BlockUse, Problem, SpecPath, codes
from graphspec.ir import LayerIR, NodeIR, Origin, Ref, RefTree, SharedIR
from graphspec.syntax.document import Document
from graphspec.syntax.schema import Block, Node


class Lookup(Protocol):
    """What a binding needs to compute its value: the reference look-up of the resolver."""

    def lookup(
        self, raw: str | Ref, body: Body, origin: Origin, where: SpecPath, chain: list[str]
    ) -> RefTree | None: ...


@dataclass
class BlockDef:
    id: str
    block: Block
    doc: Document
    path: SpecPath
    scope: Scope
    expanded: dict[tuple[Any, ...], dict[str, Node]] = field(default_factory=dict)
    """Inner nodes as substituted and validated, by parameters and id (blocks.expand)."""
    paths: dict[str, SpecPath] = field(default_factory=dict)
    """Where each inner node is written (the same at every copy)."""


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

    __slots__ = ("_busy", "computed", "done", "names", "origin")  # one or two per node

    def __init__(
        self,
        origin: Origin,
        names: list[str] | None = None,
        computed: RefTree | None = None,
        done: bool = False,
    ) -> None:
        self.origin = origin
        self.names = names
        self.computed = computed
        """The value, once `done` (None too: its problem is reported once)."""
        self.done = done
        self._busy = False

    def value(self, r: Lookup, chain: list[str]) -> RefTree | None:
        """The value, computed once (None too: its problem is reported once)."""
        if self.done:
            return self.computed
        if self._busy:
            raise Problem("cycle: " + " → ".join(chain), code=codes.CYCLE)
        self._busy = True
        try:
            self.computed = self.compute(r, chain)
            self.done = True
        finally:
            self._busy = False
        return self.computed

    def compute(self, r: Lookup, chain: list[str]) -> RefTree | None:
        raise NotImplementedError


class Broken(Binding):
    """A node that had errors of its own: references to it add no further error. Known when
    made (`done`): its value is None."""

    __slots__ = ()

    def __init__(self, origin: Origin) -> None:
        Binding.__init__(self, origin, None, None, True)  # (not super(): one per node)

    def compute(self, r: Lookup, chain: list[str]) -> RefTree | None:
        return None


class Fixed(Binding):
    """A value known when the binding is made (`done` at once: a look-up of it computes
    nothing; one is made per node)."""

    __slots__ = ("ref",)

    def __init__(self, ref: RefTree, origin: Origin, names: list[str] | None = None) -> None:
        Binding.__init__(self, origin, names, ref, True)  # (not super(): one per node)
        self.ref = ref

    def compute(self, r: Lookup, chain: list[str]) -> RefTree | None:
        return self.ref


class Opaque(Fixed):
    """A node of unknown outputs (it had errors of its own): any `id.K` or `id.NAME` of it is
    accepted, and what uses it gets a value of unknown shape."""

    __slots__ = ()


class Formal(Binding):
    """A block's formal input, bound to a reference written at the use."""

    __slots__ = ("body", "raw", "where")

    def __init__(self, raw: str | Ref, body: Body, origin: Origin, where: SpecPath) -> None:
        super().__init__(origin)
        self.raw, self.body, self.where = raw, body, where

    def compute(self, r: Lookup, chain: list[str]) -> RefTree | None:
        return r.lookup(self.raw, self.body, self.origin, self.where, chain)


class BlockValue(Binding):
    """A block node: its outputs, looked up inside the expanded body."""

    __slots__ = ("body", "outputs")

    def __init__(self, body: Body, outputs: list[str], origin: Origin) -> None:
        super().__init__(origin, outputs)
        self.body, self.outputs = body, outputs

    def compute(self, r: Lookup, chain: list[str]) -> RefTree | None:
        if any(o not in self.body.locals for o in self.outputs):
            return None  # reported by check_block_outputs
        values = [
            r.lookup(o, self.body, self.body.origin_of(o), self.body.output_path(i), chain)
            for i, o in enumerate(self.outputs)
        ]
        if any(v is None for v in values):
            return None
        return values[0] if len(values) == 1 else values  # type: ignore[return-value]


@dataclass(slots=True)
class Body:
    """A graph's or an expanded block's local ids, flattened into one node list."""

    scope: Scope
    doc: Document
    base: SpecPath
    prefix: str = ""
    uses: tuple[BlockUse, ...] = ()
    chain: tuple[str, ...] = ()
    block: Block | None = None
    locals: dict[str, Binding] = field(default_factory=dict)
    quiet: bool = False
    """Unknown ids add no error: a section of the graph was left out by validation."""

    def name(self, local: str) -> str:
        """The Keras name of a local id: the id behind the prefix of the block uses around it
        (`stage_c1`, `stage_2_c1`; see docs/language.md)."""
        return f"{self.prefix}{local}"

    def origin_of(self, local: str) -> Origin:
        b = self.locals.get(local)
        return b.origin if b else Origin(self.doc, self.base, self.uses)

    def output_path(self, i: int) -> SpecPath:
        return (*self.base, "outputs", i)


@dataclass(slots=True)
class Pending:
    """A flat node whose inputs are resolved once all local ids are known; or (`node` None)
    a binding to compute then, in the order written: a chain of block copies is computed one
    link at a time, never by recursing along it."""

    node: NodeIR | None
    raw: Any
    body: Body
    path: SpecPath
    binding: Binding | None = None


@dataclass(slots=True)
class Site:
    """A node being resolved: its id and spec, the body it lands in, where it was written, and
    the list its flat nodes join (what every node handler takes; never changed, and not
    frozen only because a frozen dataclass takes four times as long to make, once per node)."""

    nid: str
    node: Node
    body: Body
    path: SpecPath
    origin: Origin
    pending: list[Pending]

    def add(self, flat: NodeIR, raw: Any) -> None:
        """A flat node of this node's, its inputs (`raw`) to be connected once all are known."""
        self.pending.append(Pending(flat, raw, self.body, self.path))

    def bind(self, value: Binding) -> None:
        """The node's id now stands for `value` in its body."""
        self.body.locals[self.nid] = value

    def warm(self, value: Binding) -> None:
        """Compute `value` when the inputs are connected, in order (see Pending)."""
        self.pending.append(Pending(None, None, self.body, self.path, value))
