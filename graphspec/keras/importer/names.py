"""Spec ids from Keras names: valid names are kept; others are mapped deterministically and
without collisions (docs/import.md, "Ids")."""

from __future__ import annotations

import re
from collections.abc import Iterable

VALID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
INVALID_RUN = re.compile(r"[^A-Za-z0-9_]+")
YAML_WORDS = frozenset(["null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"])
"""Valid ids that YAML 1.2 would not read as strings when written as keys."""


def as_id(name: str) -> str:
    """`name` when it is a valid id; else each run of other characters becomes `_`, a leading
    digit (or an empty name) gets `_` before it, and a YAML word (`null`, `true`) after it."""
    if VALID.fullmatch(name) and name not in YAML_WORDS:
        return name
    text = INVALID_RUN.sub("_", name)
    if not text or text[0].isdigit():
        text = f"_{text}"
    return f"{text}_" if text in YAML_WORDS else text


class Ids:
    """Allocates the ids of one graph: each name once, a taken one numbered `_2`, `_3`, …"""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self.taken: set[str] = set(reserved)
        self._next: dict[str, int] = {}

    def claim(self, name: str) -> str:
        """A fresh id for `name` (as_id, then numbered until it is free), now taken."""
        base = as_id(name)
        candidate = base
        while candidate in self.taken:
            count = self._next.get(base, 2)
            self._next[base] = count + 1
            candidate = f"{base}_{count}"
        self.taken.add(candidate)
        return candidate
