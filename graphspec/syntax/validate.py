"""Validation of a loaded document against the schema, leniently: invalid entries set aside."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from graphspec.diagnostics import Diagnostic, SpecError, SpecPath, codes
from graphspec.syntax import pydantic_errors
from graphspec.syntax.document import Document
from graphspec.syntax.schema import Graph, Spec
from graphspec.syntax.sections import NAMESPACES

SetAside = dict[str, set[str]]
"""Ids of top-level entries left out because they failed validation, by section."""


def schema_diagnostics(
    doc: Document,
    e: ValidationError,
    base: SpecPath = (),
    data: Any = None,
    label: bool = True,
    model: type[BaseModel] = Spec,
) -> list[Diagnostic]:
    """Diagnostics for pydantic's errors on `data` (the value at `base` in `doc`)."""
    return pydantic_errors.pydantic_diagnostics(doc, e, model, Graph, base, data, label)


def _not_a_mapping(doc: Document) -> SpecError:
    kinds = {list: "a list", str: "a string", int: "a number", float: "a number", bool: "a boolean"}
    got = "an empty file" if doc.data is None else kinds.get(type(doc.data), "a scalar")
    return SpecError(
        doc.diagnostic(
            (),
            f"a spec is a mapping with `graphspec: 1` at the top, got {got}",
            code=codes.NOT_A_SPEC,
        )
    )


def validate(doc: Document) -> Spec:
    """Validate a loaded document against the schema; SpecError with every problem found."""
    if not isinstance(doc.data, dict):
        raise _not_a_mapping(doc)
    try:
        spec = Spec.model_validate(doc.data)
    except ValidationError as e:
        raise SpecError(schema_diagnostics(doc, e)) from e
    spec._document = doc
    return spec


def validate_leniently(doc: Document) -> tuple[Spec, list[Diagnostic], SetAside]:
    """Validate; when only some inputs, nodes, shared entries or blocks are invalid, set them
    aside and validate the rest, so that resolve can report its own problems too."""
    try:
        return validate(doc), [], {}
    except SpecError as e:
        set_aside: SetAside = {s: set() for s in NAMESPACES}
        for d in e.diagnostics:
            if len(d.path) < 2 or d.path[0] not in NAMESPACES or not isinstance(d.path[1], str):
                raise
            set_aside[str(d.path[0])].add(d.path[1])
        data = {
            k: {i: v for i, v in section.items() if i not in set_aside[k]}
            if k in NAMESPACES and isinstance(section, dict)
            else section
            for k, section in doc.data.items()
        }
        pruned = Document(
            doc.file, doc.text, data, doc.path, doc.positions, doc.key_positions, doc.included_from
        )
        try:
            spec = validate(pruned)
        except SpecError:
            raise e from None
        spec._document = doc
        return spec, e.diagnostics, set_aside
