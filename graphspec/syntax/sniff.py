"""Which YAML files are graphspec specs: the top-level keys a file writes, found cheaply."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from graphspec.caps import MAX_BYTES
from graphspec.diagnostics import LoadError
from graphspec.syntax.loader import load_text

_BLOCK_KEY = re.compile(rb"""^(["']?)([A-Za-z_][\w-]*)\1[ \t]*:(?=[ \t]|\r?$)""", re.MULTILINE)
"""A key written at column 0: in YAML's block style, always a key of the top-level mapping."""


def top_level_keys(path: Path) -> frozenset[str]:
    """The keys of a YAML file's top-level mapping, without loading it where they are written
    in block style; otherwise (a flow mapping, a complex key) graphspec's loader reads the
    file. Empty when the file cannot be read or its top level is not a mapping."""
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1).removeprefix(codecs.BOM_UTF8)
    except OSError:
        return frozenset()
    keys = frozenset(m.group(2).decode("ascii") for m in _BLOCK_KEY.finditer(raw))
    if "graphspec" in keys or b"graphspec" not in raw:
        return keys
    try:
        data = load_text(raw.decode("utf-8"), str(path)).data
    except (LoadError, UnicodeDecodeError):
        return keys
    return frozenset(data) if isinstance(data, dict) else frozenset()


def is_spec(path: Path, *keys: str) -> bool:
    """Whether the file has a top-level `graphspec:` key, and each of `keys` too."""
    return {"graphspec", *keys} <= top_level_keys(path)
