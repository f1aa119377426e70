"""The constructor defaults of the layer classes a spec names, as plain data: what a key a
node leaves out means, for folding nodes that differ only in such keys (views/fold.py)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from typing import Any

from graphspec.keras import compat
from graphspec.keras.importer.arguments import parameters_of
from graphspec.keras.importer.problems import Unwritable
from graphspec.keras.importer.values import plain


def _layer_classes(graph: Mapping[str, Any]) -> Iterator[str]:
    for section in ("nodes", "shared"):
        for entry in graph.get(section, {}).values():
            if isinstance(entry, dict) and isinstance(entry.get("layer"), str):
                yield entry["layer"]
            if isinstance(entry, dict) and isinstance(entry.get("graph"), dict):
                yield from _layer_classes(entry["graph"])


def constructor_defaults(
    spec: Mapping[str, Any], custom_objects: Mapping[str, type] | None = None
) -> dict[str, dict[str, Any]]:
    """`{class name: {keyword: default}}` for every layer class the spec names; only the
    defaults that are plain data (a default the constructor derives stays out)."""
    found: dict[str, dict[str, Any]] = {}
    layers = compat.keras().layers
    for name in dict.fromkeys(_layer_classes(spec)):
        cls = (custom_objects or {}).get(name) or getattr(layers, name, None)
        if isinstance(cls, type):
            found[name] = _plain_defaults(cls)
    return found


def _plain_defaults(cls: type) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for p in parameters_of(cls):
        if p.default is inspect.Parameter.empty or p.name == "name":
            continue
        try:
            found[p.name] = plain(p.name, p.default)
        except Unwritable:
            continue
    return found
