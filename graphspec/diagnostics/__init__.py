"""Diagnostics: the error tree, the codes (named constants) and did-you-mean suggestions."""

from graphspec.diagnostics import codes
from graphspec.diagnostics.codes import CODES, RANGES, Code
from graphspec.diagnostics.errors import (
    BlockUse,
    BuildError,
    Diagnostic,
    ExpectError,
    GraphSpecError,
    Inclusion,
    LoadError,
    Problem,
    Severity,
    SpecError,
    SpecPath,
    once_per_copy,
    sorted_diagnostics,
)
from graphspec.diagnostics.suggest import suggest

__all__ = [
    "CODES",
    "RANGES",
    "BlockUse",
    "BuildError",
    "Code",
    "Diagnostic",
    "ExpectError",
    "GraphSpecError",
    "Inclusion",
    "LoadError",
    "Problem",
    "Severity",
    "SpecError",
    "SpecPath",
    "codes",
    "once_per_copy",
    "sorted_diagnostics",
    "suggest",
]
