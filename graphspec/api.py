"""The Python API: load, check and build specs (Keras is imported only by `build`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphspec.emit import DEFAULT_MAX_PARAMS
from graphspec.errors import Diagnostic, GraphSpecError, SpecError, sorted_diagnostics
from graphspec.ir import Program
from graphspec.loader import Document, load_file
from graphspec.order import order
from graphspec.resolve import resolve
from graphspec.schema import Spec, validate
from graphspec.scope import Options
from graphspec.shapes import ShapeTree, infer


@dataclass
class Checked:
    """A spec that passed every check before building: the spec, its program, its warnings."""

    spec: Spec
    program: Program
    shapes: dict[str, ShapeTree] = field(default_factory=dict)
    """Static shape of every input and node of the top graph (None: unknown)."""

    @property
    def warnings(self) -> list[Diagnostic]:
        return self.program.warnings


def load(path: str | Path) -> Spec:
    """Load and validate one spec file; GraphSpecError lists every problem found."""
    return validate(load_file(path))


def _document(spec: Spec) -> Document:
    doc = spec.document
    if doc is None:
        doc = Document("<spec>", "", spec.model_dump(exclude_unset=True))
    return doc


def _as_document(source: str | Path | Mapping[str, Any]) -> Document:
    if isinstance(source, Mapping):
        return Document("<spec>", "", dict(source))
    return load_file(source)


PRUNABLE = ("inputs", "nodes", "shared", "blocks")
"""Sections whose invalid entries can be set aside so that later stages still run."""


def validate_leniently(doc: Document) -> tuple[Spec, list[Diagnostic], dict[str, set[str]]]:
    """Validate; when only some inputs, nodes, shared entries or blocks are invalid, set them
    aside and validate the rest, so that resolve can report its own problems too."""
    try:
        return validate(doc), [], {}
    except SpecError as e:
        broken: dict[str, set[str]] = {s: set() for s in PRUNABLE}
        for d in e.diagnostics:
            if len(d.path) < 2 or d.path[0] not in PRUNABLE or not isinstance(d.path[1], str):
                raise
            broken[str(d.path[0])].add(d.path[1])
        data = {
            k: {i: v for i, v in section.items() if i not in broken[k]}
            if k in PRUNABLE and isinstance(section, dict)
            else section
            for k, section in doc.data.items()
        }
        pruned = Document(doc.file, doc.text, data, doc.path, doc.positions, doc.key_positions)
        try:
            spec = validate(pruned)
        except SpecError:
            raise e from None
        spec._document = doc
        return spec, e.diagnostics, broken


def check(
    source: str | Path | Spec | Mapping[str, Any],
    *,
    custom_objects: Mapping[str, Any] | None = None,
    allow_paths: tuple[str | Path, ...] = (),
    allow_file_arguments: bool = False,
) -> Checked:
    """Load, validate, resolve and order a spec without building it (no TensorFlow).

    Every problem found before building is reported together, in one SpecError."""
    options = Options(
        frozenset(custom_objects or ()), tuple(Path(p) for p in allow_paths), allow_file_arguments
    )
    early: list[Diagnostic] = []
    broken: dict[str, set[str]] = {}
    if isinstance(source, Spec):
        spec = source
    else:
        spec, early, broken = validate_leniently(_as_document(source))
    try:
        program = order(resolve(spec, _document(spec), options, broken))
    except SpecError as e:
        # with entries set aside, "no output depends on this node" may be an artefact
        later = [d for d in e.diagnostics if d.severity == "error" or not early]
        raise SpecError(sorted_diagnostics([*early, *later])) from e
    inferred = infer(program)
    errors = [d for d in inferred.diagnostics if d.severity == "error"]
    program.warnings = sorted_diagnostics(
        [*program.warnings, *(d for d in inferred.diagnostics if d.severity != "error")]
    )
    if early and not errors:
        raise SpecError(early)
    if errors:  # with earlier errors, warnings may be artefacts of entries set aside
        raise SpecError(sorted_diagnostics([*early, *errors, *([] if early else program.warnings)]))
    return Checked(spec, program, inferred.shapes)


def build(
    source: str | Path | Spec | Mapping[str, Any],
    *,
    custom_objects: Mapping[str, Any] | None = None,
    max_params: int = DEFAULT_MAX_PARAMS,
    allow_paths: tuple[str | Path, ...] = (),
    allow_file_arguments: bool = False,
) -> Any:
    """Build the spec's keras.Model: compiled when the spec has a loss or `compile:`.

    `custom_objects` maps layer names a spec may use to user-defined layer classes.
    """
    checked = check(
        source,
        custom_objects=custom_objects,
        allow_paths=allow_paths,
        allow_file_arguments=allow_file_arguments,
    )
    from graphspec.emit import emit

    return emit(checked.program, custom_objects, max_params)


__all__ = ["Checked", "GraphSpecError", "build", "check", "load"]
