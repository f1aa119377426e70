"""The Python API: load, check and build specs (Keras is imported only by `build`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphspec.caps import DEFAULT_MAX_PARAMS, paused_gc
from graphspec.diagnostics import Diagnostic, GraphSpecError, SpecError, sorted_diagnostics
from graphspec.diagnostics.suggest import bounded
from graphspec.ir import Program
from graphspec.keras import backend_numerics, backend_rules, backends
from graphspec.order import order
from graphspec.order.depth import deep_graphs
from graphspec.resolve import Options, resolve_all
from graphspec.shapes import Inferred, Params, ShapeTree, infer
from graphspec.shapes.budget import over_budget, too_large
from graphspec.syntax.document import Document
from graphspec.syntax.lenient import LeftOut
from graphspec.syntax.loader import load_file
from graphspec.syntax.plain import document_from_data
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
        doc = document_from_data(spec.model_dump(exclude_unset=True))
    return doc


def _as_document(source: str | Path | Mapping[str, Any]) -> Document:
    if isinstance(source, Mapping):
        return document_from_data(source, lenient=True)
    return load_file(source, lenient=True)


def check(
    source: str | Path | Spec | Mapping[str, Any],
    *,
    custom_objects: Mapping[str, Any] | None = None,
    allow_paths: tuple[str | Path, ...] = (),
    allow_file_arguments: bool = False,
    base_dir: str | Path | None = None,
    backend: str | None = None,
    max_params: int = DEFAULT_MAX_PARAMS,
) -> Checked:
    """Load, validate, resolve and order a spec without building it (no TensorFlow), for
    `backend` (default: the imported Keras's, else KERAS_BACKEND, else tensorflow; what Keras
    lacks on it is an error, GS640).

    Every problem found before building is reported together, in one SpecError. A spec
    given as data (a mapping, or a Spec not loaded from a file) includes `spec:` files
    relative to `base_dir`, and only from inside it; without `base_dir` it includes none."""
    options = _options(custom_objects, allow_paths, allow_file_arguments, base_dir)
    chosen = backends.chosen(backend)
    with bounded(), paused_gc():
        return _check(source, options, chosen, max_params)


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


@dataclass
class _Run:
    spec: Spec
    program: Program
    inferred: Inferred
    errors: list[Diagnostic]
    warnings: list[Diagnostic]


def _run(
    source: str | Path | Spec | Mapping[str, Any],
    options: Options,
    backend: str,
    max_params: int = DEFAULT_MAX_PARAMS,
) -> _Run:
    """Every stage before building, whatever the earlier ones found (what had errors is a
    stand-in of unknown shape), and what `backend` lacks; SpecError only when a cap is passed."""
    early: list[Diagnostic] = []
    left = LeftOut()
    if isinstance(source, Spec):
        spec = source
    else:
        doc = _as_document(source)
        spec, early, left = validate_leniently(doc)
        early = [*doc.problems, *(d for d in early if not doc.spoils(d))]
    doc = _document(spec)
    try:
        program, errors = resolve_all(spec, doc, options, left)
    except SpecError as e:  # a cap passed: refused at once
        raise SpecError(sorted_diagnostics([*early, *e.diagnostics])) from e
    # warnings and notes only for a clean spec: else they may be artefacts of its errors
    # (then `found` holds an error too: one about a value a loading problem replaced is left
    # out, but that problem is in `early`)
    clean = not early and not errors
    cycles, warnings = _ordered(program, warn=clean)
    cycles += deep_graphs(program)
    inferred = infer(program)
    shapes = [d for d in inferred.diagnostics if d.severity == "error"]
    shapes += backend_rules.problems(program, backend)
    budget = over_budget(program, inferred.params, max_params)
    shapes += [budget] if budget is not None else []
    large = too_large(program, inferred.shapes) if budget is None else None  # its cause, often
    shapes += [large] if large is not None else []
    found = [*early, *(d for d in [*errors, *cycles, *shapes] if not doc.spoils(d))]
    warnings += [d for d in inferred.diagnostics if d.severity != "error"]
    warnings += backend_numerics.warnings(program, inferred.shapes, backend)
    return _Run(spec, program, inferred, found, warnings if clean else [])


def _check(
    source: str | Path | Spec | Mapping[str, Any],
    options: Options,
    backend: str,
    max_params: int,
) -> Checked:
    run = _run(source, options, backend, max_params)
    if run.errors:
        raise SpecError(sorted_diagnostics([*run.errors, *run.warnings]))
    run.program.warnings = sorted_diagnostics(run.warnings)
    return Checked(run.spec, run.program, run.inferred.shapes, run.inferred.params)


def check_partially(
    source: str | Path | Spec | Mapping[str, Any],
    *,
    custom_objects: Mapping[str, Any] | None = None,
    allow_paths: tuple[str | Path, ...] = (),
    allow_file_arguments: bool = False,
    base_dir: str | Path | None = None,
    backend: str | None = None,
    max_params: int = DEFAULT_MAX_PARAMS,
) -> Partial:
    """`check`, leniently, for views of invalid specs (`graphspec plot`): its diagnostics are
    check's, and the program is what resolves of the spec (nodes with errors are stand-ins).
    It raises only LoadError (a file that cannot be read or parsed)."""
    options = _options(custom_objects, allow_paths, allow_file_arguments, base_dir)
    chosen = backends.chosen(backend)
    try:
        with bounded(), paused_gc():
            run = _run(source, options, chosen, max_params)
    except SpecError as e:  # a cap passed: nothing to draw
        doc = None if isinstance(source, Spec | Mapping) else _as_document(source)
        return Partial(doc, None, None, e.diagnostics)
    diagnostics = sorted_diagnostics([*run.errors, *run.warnings])
    return Partial(_document(run.spec), run.program, run.inferred, diagnostics)


def _options(
    custom_objects: Mapping[str, Any] | None,
    allow_paths: tuple[str | Path, ...],
    allow_file_arguments: bool,
    base_dir: str | Path | None,
) -> Options:
    return Options(
        frozenset(custom_objects or ()),
        tuple(Path(p) for p in allow_paths),
        allow_file_arguments,
        Path(base_dir) if base_dir is not None else None,
    )


def _ordered(program: Program, warn: bool) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """Order the program in place: (cycles, warnings, when `warn`); what is in no cycle is
    still ordered."""
    try:
        order(program, warn)
    except SpecError as e:
        return e.errors, [d for d in e.diagnostics if d.severity != "error"]
    warnings, program.warnings = program.warnings, []
    return [], warnings


def build(
    source: str | Path | Spec | Mapping[str, Any],
    *,
    custom_objects: Mapping[str, Any] | None = None,
    max_params: int = DEFAULT_MAX_PARAMS,
    allow_paths: tuple[str | Path, ...] = (),
    allow_file_arguments: bool = False,
    base_dir: str | Path | None = None,
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
        base_dir=base_dir,
        backend=chosen,
        max_params=max_params,
    )
    from graphspec.keras.emit import emit

    return emit(checked.program, custom_objects, max_params)


def from_keras(
    model: Any,
    *,
    custom_objects: Mapping[str, Any] | None = None,
    blocks: bool = False,
    expect: bool = False,
    source: str = "<model>",
) -> str:
    """A spec (YAML text) that builds `model` again: a functional or Sequential keras.Model.

    `custom_objects` maps the names a spec may use to user-defined layer classes; `blocks`
    folds repeated structures into blocks (docs/import.md). Raises GraphSpecError (GS8xx)
    naming each layer the language cannot express; `expect` adds the model's parameter
    counts and output shapes as `expect:` facts; `source` is what diagnostics name as the
    file."""
    from graphspec.keras.compat import no_tensorflow_probe
    from graphspec.keras.importer import constructor_defaults, import_model
    from graphspec.views.fold import fold
    from graphspec.views.spec_yaml import IMPORT_LAYOUT, to_yaml

    with no_tensorflow_probe():  # on jax and torch, reading configs imports no TensorFlow
        spec = import_model(model, custom_objects=custom_objects, source=source, expect=expect)
        if blocks:
            spec = fold(spec, constructor_defaults(spec, custom_objects))
    return to_yaml(spec, IMPORT_LAYOUT)


BackendError = backends.BackendError

__all__ = [
    "BackendError",
    "Checked",
    "GraphSpecError",
    "Partial",
    "build",
    "check",
    "check_partially",
    "from_keras",
    "load",
]
