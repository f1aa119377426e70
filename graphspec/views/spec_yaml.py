"""Spec data → YAML text for people: block style for sections, one flow line per entry."""

from __future__ import annotations

import math
from typing import Any

import yaml

from graphspec.syntax.sections import GRAPH_KEYS

ONE_LINE_ENTRIES = tuple(k for k in GRAPH_KEYS if k != "blocks")
"""Sections written one flow line per entry (a `graph:` entry nests as a block)."""


class _Dumper(yaml.SafeDumper):
    pass


def _float(dumper: yaml.SafeDumper, value: float) -> yaml.Node:
    if math.isnan(value):
        text = ".nan"
    elif math.isinf(value):
        text = ".inf" if value > 0 else "-.inf"
    else:
        text = repr(value)
        if "." not in text and "e" not in text:
            text += ".0"
        elif "e" in text and "." not in text.split("e")[0]:
            mantissa, exponent = text.split("e")
            text = f"{mantissa}.0e{exponent}"
    return dumper.represent_scalar("tag:yaml.org,2002:float", text)


_Dumper.add_representer(float, _float)


def to_yaml(data: dict[str, Any]) -> str:
    """Block style for sections, one flow mapping per node, input, shared entry and output."""
    lines: list[str] = []
    _emit(data, 0, lines)
    return "\n".join(lines) + "\n"


def _flow(value: Any) -> str:
    text: str = yaml.dump(
        value, Dumper=_Dumper, default_flow_style=True, width=10**9, sort_keys=False
    )
    return text.strip().removesuffix("...").strip()


def _emit(data: dict[str, Any], indent: int, lines: list[str]) -> None:
    pad = " " * indent
    for key, value in data.items():
        if key in ONE_LINE_ENTRIES and isinstance(value, dict):
            lines.append(f"{pad}{key}:")
            for k, v in value.items():
                if isinstance(v, dict) and ("graph" in v or "sequential" in v):
                    lines.append(f"{pad}  {k}:")
                    _nested(v, indent + 4, lines)
                else:
                    lines.append(f"{pad}  {k}: {_flow(v)}")
        else:
            lines.append(f"{pad}{key}: {_flow(value)}")


def _nested(entry: dict[str, Any], indent: int, lines: list[str]) -> None:
    """A shared `graph:` (its sections in block style) or `sequential:` (a layer a line)."""
    pad = " " * indent
    for key, value in entry.items():
        if key == "graph":
            lines.append(f"{pad}graph:")
            _emit(value, indent + 2, lines)
        elif key == "sequential":
            lines.append(f"{pad}sequential:")
            lines.extend(f"{pad}  - {_flow(layer)}" for layer in value)
        else:
            lines.append(f"{pad}{key}: {_flow(value)}")
