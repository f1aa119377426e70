"""The sections of a spec, in one table that every stage reads: a new top-level key is added
here, to the schema's model of it, and to the stage that consumes it."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.Enum):
    HEADER = "header"
    """Describes the file: `graphspec`, `name`, `description`."""
    NAMESPACE = "namespace"
    """A mapping id → entry; all of a graph's share one namespace; an invalid entry is set
    aside so that the rest is still checked."""
    OUTPUTS = "outputs"
    """The graph's outputs: a list of ids, or a mapping id → output options."""
    SETTINGS = "settings"
    """Top level only (`compile`, `fit`, `expect`): ignored in an included spec file."""


@dataclass(frozen=True)
class Section:
    key: str
    role: Role

    @property
    def in_every_graph(self) -> bool:
        """Whether an inline `graph:` (and so every included spec's graph) has it too."""
        return self.role in (Role.NAMESPACE, Role.OUTPUTS)


SECTIONS = (
    Section("graphspec", Role.HEADER),
    Section("name", Role.HEADER),
    Section("description", Role.HEADER),
    Section("inputs", Role.NAMESPACE),
    Section("nodes", Role.NAMESPACE),
    Section("outputs", Role.OUTPUTS),
    Section("shared", Role.NAMESPACE),
    Section("blocks", Role.NAMESPACE),
    Section("compile", Role.SETTINGS),
    Section("fit", Role.SETTINGS),
    Section("expect", Role.SETTINGS),
)
"""Every top-level key of a spec, in the order the contract lists them."""

NAMESPACES = tuple(s.key for s in SECTIONS if s.role is Role.NAMESPACE)
"""inputs, nodes, shared, blocks: one namespace of ids per graph."""
GRAPH_KEYS = tuple(s.key for s in SECTIONS if s.in_every_graph)
"""The keys of every graph: the namespaces and the outputs."""
SETTINGS = tuple(s.key for s in SECTIONS if s.role is Role.SETTINGS)
"""compile, fit, expect."""
ID_SECTIONS = tuple(s.key for s in SECTIONS if s.in_every_graph)
"""Sections whose entries are named by an id (a diagnostic there is about that id)."""
