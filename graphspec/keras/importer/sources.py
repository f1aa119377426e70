"""Where `graphspec import` gets a model: a .keras file (loaded in safe mode: no code of the
file runs) or a keras.applications model built with Keras's defaults and `weights=None`."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from graphspec.catalog import registry
from graphspec.diagnostics import Diagnostic, Problem, codes
from graphspec.keras import compat
from graphspec.keras.importer.problems import NotExpressible


class SourceError(ValueError):
    """An application name or input shape that Keras refuses: a usage error."""


def _short(e: BaseException) -> str:
    return " ".join((str(e).strip() or type(e).__name__).split())


def load_keras_file(path: str | Path, custom_objects: Mapping[str, type] | None = None) -> Any:
    """The model saved in a .keras file; NotExpressible (GS808) when Keras cannot load it.

    Keras's warnings while loading are about the saved state (an optimizer saved before its
    first step: "Skipping variable loading for optimizer"), which an import does not read:
    they are recorded and dropped."""
    keras = compat.keras()
    try:
        with compat.quiet_stderr(), warnings.catch_warnings(record=True):
            warnings.simplefilter("always")  # recorded, whatever the filters say
            return keras.saving.load_model(
                path, custom_objects=dict(custom_objects or {}), safe_mode=True
            )
    except Exception as e:  # a bad archive, an unknown class, a Lambda in safe mode, …
        raise NotExpressible(
            Diagnostic(
                f"Keras could not load the model: {_short(e)}",
                str(path),
                code=codes.IMPORT_CANNOT_LOAD,
                hint="a model with layer classes of your own needs their module: --plugin MODULE",
            )
        ) from e


def application(name: str, input_shape: Sequence[int] | None = None) -> Any:
    """keras.applications.NAME(weights=None[, input_shape=…]), with fresh layer names and
    without its weights (an import reads the graph and the configs only)."""
    try:
        registry.application(name)
    except Problem as e:
        raise SourceError(f"--application: {e}") from e
    keras = compat.keras()
    kwargs: dict[str, Any] = {"weights": None}
    if input_shape is not None:
        kwargs["input_shape"] = tuple(input_shape)
    try:
        with compat.fresh_names(), compat.without_weights():
            return getattr(keras.applications, name)(**kwargs)
    except Exception as e:  # Keras refuses the input shape (too small, wrong channels)
        raise SourceError(f"--application {name}: Keras refused it: {_short(e)}") from e
