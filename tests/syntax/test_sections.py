"""The top-level sections of a spec are one table (syntax/sections.py) that the schema and
every stage read: the models have exactly its keys."""

from __future__ import annotations

from graphspec.syntax.schema import Graph, Spec
from graphspec.syntax.sections import GRAPH_KEYS, NAMESPACES, SECTIONS, SETTINGS
from graphspec.views.schema_text import DESCRIPTIONS


def test_the_spec_model_has_exactly_the_table_s_keys() -> None:
    assert set(Spec.model_fields) == {s.key for s in SECTIONS}


def test_every_graph_has_the_namespaces_and_the_outputs() -> None:
    assert set(Graph.model_fields) == set(GRAPH_KEYS)
    assert set(NAMESPACES) < set(GRAPH_KEYS)
    assert not set(SETTINGS) & set(GRAPH_KEYS)


def test_every_section_has_hover_text_in_the_json_schema() -> None:
    assert set(DESCRIPTIONS["Spec"]) == {s.key for s in SECTIONS}
    assert set(DESCRIPTIONS["Graph"]) == set(GRAPH_KEYS)
