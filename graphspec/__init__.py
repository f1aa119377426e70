"""graphspec: describe a Keras functional model in YAML; validate it, order it, build it."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported on first use (PEP 562): `graphspec --help` needs none of them
    from graphspec.api import Checked, build, check, from_keras, load
    from graphspec.diagnostics import (
        BuildError,
        Diagnostic,
        ExpectError,
        GraphSpecError,
        LoadError,
        SpecError,
    )
    from graphspec.syntax.schema import Spec

__version__ = "1.0.0"

_LAZY = {
    "Checked": "graphspec.api",
    "build": "graphspec.api",
    "check": "graphspec.api",
    "from_keras": "graphspec.api",
    "load": "graphspec.api",
    "BuildError": "graphspec.diagnostics",
    "Diagnostic": "graphspec.diagnostics",
    "ExpectError": "graphspec.diagnostics",
    "GraphSpecError": "graphspec.diagnostics",
    "LoadError": "graphspec.diagnostics",
    "SpecError": "graphspec.diagnostics",
    "Spec": "graphspec.syntax.schema",
}
"""Each public name and the module it comes from."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'graphspec' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # once imported, a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = [
    "BuildError",
    "Checked",
    "Diagnostic",
    "ExpectError",
    "GraphSpecError",
    "LoadError",
    "Spec",
    "SpecError",
    "__version__",
    "build",
    "check",
    "from_keras",
    "load",
]
