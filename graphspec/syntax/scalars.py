"""YAML 1.2 core-schema scalars: `yes` is a string, `010` is ten, integers within 64 bits."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from graphspec.caps import MAX_INT

YAML_TAG = "tag:yaml.org,2002:"
"""The prefix of the standard tags (`!!str` is `tag:yaml.org,2002:str`)."""

_INT10 = re.compile(r"[-+]?[0-9]+")
_INT8 = re.compile(r"0o[0-7]+")
_INT16 = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)")
_NAN = re.compile(r"\.(nan|NaN|NAN)")


MAYBE_SPECIAL = frozenset("0123456789+-.~nNtTfF")
"""The first characters of every plain scalar that may not be a string."""


class OutOfRange(ValueError):
    """An integer literal past ±MAX_INT."""


def _in_range(digits: str, base: int, text: str) -> int:
    """An integer literal within ±MAX_INT; ValueError otherwise, before a huge conversion."""
    significant = digits.lstrip("+-").lstrip("0")
    value = int(digits, base) if len(significant) <= 64 else MAX_INT + 1
    if abs(value) > MAX_INT:
        shown = text if len(text) <= 30 else f"{text[:12]}…{text[-6:]} ({len(text)} characters)"
        raise OutOfRange(f"the integer {shown} is out of range (at most 2^63 - 1, either sign)")
    return value


def core_scalar(text: str) -> Any:
    """Resolve a plain scalar by the YAML 1.2 core schema."""
    if text and text[0] not in MAYBE_SPECIAL:
        return text
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if _INT10.fullmatch(text):
        return _in_range(text, 10, text)
    if _INT8.fullmatch(text):
        return _in_range(text[2:], 8, text)
    if _INT16.fullmatch(text):
        return _in_range(text[2:], 16, text)
    if _FLOAT.fullmatch(text):
        return float(text)
    if _INF.fullmatch(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.fullmatch(text):
        return math.nan
    return text


def tagged_scalar(tag: str, text: str) -> Any:
    """A scalar with an explicit standard tag, e.g. `!!str 10` or `!!float 1`."""
    kind = tag[len(YAML_TAG) :]
    if kind == "str":
        return text
    value = core_scalar(text)
    checks: dict[str, Callable[[Any], bool]] = {
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }
    if kind not in checks or not checks[kind](value):
        raise ValueError(f"'{text}' is not a valid !!{kind}")
    return float(value) if kind == "float" else value
