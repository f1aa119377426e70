"""The protocol resolving helpers take: a sink for diagnostics and the look-ups they need.

Blocks, shared entries, layer arguments and compile settings are resolved by functions that
take a `Context` (as jsonschema's keyword functions take a validator they never import); the
Resolver is the one implementation, and nothing here imports it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from graphspec.diagnostics import Code, Diagnostic, SpecPath
from graphspec.ir import GraphIR, LayerIR, Origin
from graphspec.resolve.scope import Body, Lookup, Pending, Scope
from graphspec.syntax.document import Document
from graphspec.syntax.lenient import LeftOut
from graphspec.syntax.schema import Graph, Node


@dataclass(frozen=True)
class Options:
    """What the caller (API or command line) allows beyond the spec itself."""

    custom_objects: frozenset[str] = frozenset()
    allow_paths: tuple[Path, ...] = ()
    allow_file_arguments: bool = False
    base_dir: Path | None = None
    """Where a spec given as data (no file) includes `spec:` files from; None: it includes none."""


class Context(Lookup, Protocol):
    """A resolver as its helpers see it."""

    options: Options
    root: Path | None
    """The top-level spec's directory: `spec:` includes stay inside it (or --allow-path)."""
    includes: list[Path]
    """The chain of spec files being resolved, outermost first (include loops)."""
    broken_blocks: set[str]
    """Blocks set aside because their definitions failed validation."""
    left_out: dict[str, LeftOut]
    """What validation left out of each document (by file): references to it add no error."""
    errors: list[Diagnostic]
    """The problems reported so far."""
    checked_layers: dict[tuple[Any, ...], LayerIR]
    """Layer configurations checked without a problem (resolve.nodes.checked_layer)."""
    inner_layers: dict[int, tuple[Node, LayerIR]]
    """Block inner nodes' checked layers that can be shared, by the Node's id
    (resolve.nodes._inner_layer)."""
    bodies: list[Body]
    """Every body made while resolving (released at the end: see Resolver.release)."""

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
        """Report a problem about `origin`'s element, at `path` (its key with `key`)."""

    def report(self, diagnostics: Iterable[Diagnostic]) -> None:
        """Report diagnostics made elsewhere (schema errors of an entry, an include's)."""

    depth: int
    """How many graphs are being resolved, one inside the other (the top one counts)."""
    incomplete: set[int]
    """Ids of the graphs (GraphIR) some of whose outputs had errors: a sub-model of unknown
    outputs to what calls it."""
    parsed: dict[Path, Any]
    """Each included file as read and validated (resolve.includes.Parsed; None: it failed)."""

    def grow(
        self, nodes: int, includes: int, origin: Origin, path: SpecPath, text: int = 0
    ) -> None:
        """Count flat nodes, includes and included bytes; past a cap, refuse the spec at once."""

    def graph(
        self,
        graph: Graph,
        doc: Document,
        base: SpecPath,
        name: str,
        parent: Scope | None,
        key_prefix: str = "",
    ) -> GraphIR:
        """Resolve a sub-model's graph (an inline `graph:` or an included spec)."""
        ...

    def node(
        self, nid: str, node: Node, body: Body, path: SpecPath, pending: list[Pending]
    ) -> None:
        """Resolve one node into `body` (a block's inner nodes come back through here)."""
