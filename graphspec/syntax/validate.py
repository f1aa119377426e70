"""Validation of a loaded document against the schema; leniently, what is invalid left out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from graphspec.diagnostics import Diagnostic, SpecError, SpecPath, codes
from graphspec.syntax import pydantic_errors
from graphspec.syntax.document import Document
from graphspec.syntax.lenient import LeftOut, prune
from graphspec.syntax.schema import Graph, Spec

__all__ = ["LeftOut", "schema_diagnostics", "validate", "validate_leniently"]


def schema_diagnostics(
    doc: Document,
    e: ValidationError,
    base: SpecPath = (),
    data: Any = None,
    label: bool = True,
    model: type[BaseModel] = Spec,
    found: list[pydantic_errors.Located] | None = None,
) -> list[Diagnostic]:
    """Diagnostics for pydantic's errors on `data` (the value at `base` in `doc`); `found`:
    the errors located (pydantic_errors.located), where the caller has them already."""
    return pydantic_errors.pydantic_diagnostics(doc, e, model, Graph, base, data, label, found)


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


def validate_leniently(doc: Document) -> tuple[Spec, list[Diagnostic], LeftOut]:
    """Validate; report every schema problem, and leave out what is invalid (a field of an
    entry, else the entry, else a section) so that the rest is validated and resolved too."""
    if not isinstance(doc.data, dict):
        raise _not_a_mapping(doc)
    try:
        spec = Spec.model_validate(doc.data)
    except ValidationError as e:
        found = pydantic_errors.located(e, doc.data)  # once, for the messages and the pruning
        diagnostics = schema_diagnostics(doc, e, found=found)
        pruned = prune(doc.data, e, Spec.model_validate, found=found)
        if pruned is None:
            raise SpecError(diagnostics) from e
        spec, left, stand_ins = pruned
        if stand_ins:  # the stand-ins of required sections go: nothing to resolve there
            spec = spec.model_copy(update={k: {} if k == "inputs" else [] for k in stand_ins})
        spec._document = doc
        return spec, diagnostics, left
    spec._document = doc
    return spec, [], LeftOut()
