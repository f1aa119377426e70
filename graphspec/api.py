"""The Python API: load, check and build specs (Keras is imported only by `build`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphspec.errors import Diagnostic, GraphSpecError
from graphspec.ir import Program
from graphspec.loader import Document, load_file
from graphspec.order import order
from graphspec.resolve import resolve
from graphspec.schema import Spec, validate
from graphspec.scope import Options

DEFAULT_MAX_PARAMS = 10**9


@dataclass
class Checked:
    """A spec that passed every check before building: the spec, its program, its warnings."""

    spec: Spec
    program: Program

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


def _as_spec(source: str | Path | Spec | Mapping[str, Any]) -> Spec:
    if isinstance(source, Spec):
        return source
    if isinstance(source, Mapping):
        return validate(Document("<spec>", "", dict(source)))
    return load(source)


def check(
    source: str | Path | Spec | Mapping[str, Any],
    *,
    custom_objects: Mapping[str, Any] | None = None,
    allow_paths: tuple[str | Path, ...] = (),
    allow_file_arguments: bool = False,
) -> Checked:
    """Load, validate, resolve and order a spec without building it (no TensorFlow)."""
    spec = _as_spec(source)
    options = Options(
        frozenset(custom_objects or ()), tuple(Path(p) for p in allow_paths), allow_file_arguments
    )
    program = order(resolve(spec, _document(spec), options))
    return Checked(spec, program)


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
