"""The Python API: load, check and build specs (Keras is imported only by `build`)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphspec.caps import DEFAULT_MAX_PARAMS
from graphspec.diagnostics import Diagnostic, GraphSpecError, SpecError, sorted_diagnostics
from graphspec.ir import Program
from graphspec.keras import backend_rules, backends
from graphspec.order import order
from graphspec.resolve import Options, resolve
from graphspec.resolve.resolver import resolve_partially
from graphspec.shapes import Inferred, Params, ShapeTree, infer
from graphspec.syntax.document import Document
from graphspec.syntax.loader import load_file
from graphspec.syntax.schema import Spec
from graphspec.syntax.validate import validate, validate_leniently


@dataclass
class Checked:
    """A spec that passed every check before building: the spec, its program, its warnings."""

    spec: Spec
    program: Program
    shapes: dict[str, ShapeTree] = field(default_factory=dict)
    """Static shape of every input and node of the top graph (None: unknown)."""
    params: Params = field(default_factory=Params)
    """Static parameter counts: per node (`.nodes`), per shared callable, `.total` (None:
    unknown without building)."""

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


def check(
    source: str | Path | Spec | Mapping[str, Any],
    *,
    custom_objects: Mapping[str, Any] | None = None,
    allow_paths: tuple[str | Path, ...] = (),
    allow_file_arguments: bool = False,
    backend: str | None = None,
) -> Checked:
    """Load, validate, resolve and order a spec without building it (no TensorFlow), for
    `backend` (default: the imported Keras's, else KERAS_BACKEND, else tensorflow; what Keras
    lacks on it is an error, GS640).

    Every problem found before building is reported together, in one SpecError."""
    options = Options(
        frozenset(custom_objects or ()), tuple(Path(p) for p in allow_paths), allow_file_arguments
    )
    early: list[Diagnostic] = []
    set_aside: dict[str, set[str]] = {}
    if isinstance(source, Spec):
        spec = source
    else:
        spec, early, set_aside = validate_leniently(_as_document(source))
    try:
        program = order(resolve(spec, _document(spec), options, set_aside))
    except SpecError as e:
        # with entries set aside, "no output depends on this node" may be an artefact
        later = [d for d in e.diagnostics if d.severity == "error" or not early]
        raise SpecError(sorted_diagnostics([*early, *later])) from e
    inferred = infer(program)
    errors = [d for d in inferred.diagnostics if d.severity == "error"]
    errors += backend_rules.problems(program, backends.chosen(backend))
    program.warnings = sorted_diagnostics(
        [*program.warnings, *(d for d in inferred.diagnostics if d.severity != "error")]
    )
    if early and not errors:
        raise SpecError(early)
    if errors:  # with earlier errors, warnings may be artefacts of entries set aside
        raise SpecError(sorted_diagnostics([*early, *errors, *([] if early else program.warnings)]))
    return Checked(spec, program, inferred.shapes, inferred.params)


@dataclass
class Partial:
    """What checking found, also when the spec is invalid: the program as far as it resolved
    (None when not even that: an unreadable file, a broken top level, a cap), its static
    shapes and parameters, and every diagnostic, errors included."""

    document: Document | None
    program: Program | None
    inferred: Inferred | None
    diagnostics: list[Diagnostic]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


def check_partially(
    source: str | Path | Spec | Mapping[str, Any],
    *,
    custom_objects: Mapping[str, Any] | None = None,
    allow_paths: tuple[str | Path, ...] = (),
    allow_file_arguments: bool = False,
    backend: str | None = None,
) -> Partial:
    """`check`, leniently, for views of invalid specs (`graphspec plot`): its diagnostics are
    check's, and the program is what resolves of the spec. It raises only LoadError (a file
    that cannot be read or parsed)."""
    try:
        checked = check(
            source,
            custom_objects=custom_objects,
            allow_paths=allow_paths,
            allow_file_arguments=allow_file_arguments,
            backend=backend,
        )
    except SpecError as e:
        options = Options(
            frozenset(custom_objects or ()),
            tuple(Path(p) for p in allow_paths),
            allow_file_arguments,
        )
        doc, program = _resolved_so_far(source, options)
        inferred = infer(program) if program is not None else None
        return Partial(doc, program, inferred, e.diagnostics)
    doc = _document(checked.spec)
    return Partial(doc, checked.program, infer(checked.program), checked.warnings)


def _resolved_so_far(
    source: str | Path | Spec | Mapping[str, Any], options: Options
) -> tuple[Document | None, Program | None]:
    """An invalid spec's document, and its program as far as it resolves, ordered outside
    its cycles."""
    set_aside: dict[str, set[str]] = {}
    doc = _document(source) if isinstance(source, Spec) else _as_document(source)
    try:
        spec = source if isinstance(source, Spec) else None
        if spec is None:
            spec, _, set_aside = validate_leniently(doc)
        program, _ = resolve_partially(spec, _document(spec), options, set_aside)
    except GraphSpecError:
        return doc, None
    with contextlib.suppress(SpecError):  # the nodes of a cycle are left out
        order(program)
    return doc, program


def build(
    source: str | Path | Spec | Mapping[str, Any],
    *,
    custom_objects: Mapping[str, Any] | None = None,
    max_params: int = DEFAULT_MAX_PARAMS,
    allow_paths: tuple[str | Path, ...] = (),
    allow_file_arguments: bool = False,
    backend: str | None = None,
) -> Any:
    """Build the spec's keras.Model: compiled when the spec has a loss or `compile:`.

    `custom_objects` maps layer names a spec may use to user-defined layer classes. The model
    is built on `backend` (default: the imported Keras's, else KERAS_BACKEND, else
    tensorflow), which must be chosen before Keras is imported: a BackendError otherwise.
    """
    chosen = backends.select(backend)
    checked = check(
        source,
        custom_objects=custom_objects,
        allow_paths=allow_paths,
        allow_file_arguments=allow_file_arguments,
        backend=chosen,
    )
    from graphspec.keras.emit import emit

    return emit(checked.program, custom_objects, max_params)


BackendError = backends.BackendError

__all__ = [
    "BackendError",
    "Checked",
    "GraphSpecError",
    "Partial",
    "build",
    "check",
    "check_partially",
    "load",
]
