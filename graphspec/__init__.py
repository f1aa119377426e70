"""graphspec: describe a Keras functional model in YAML; validate it, order it, build it."""

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
