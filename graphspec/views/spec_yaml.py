"""Spec data → YAML text for people: block style for sections, one flow line per entry."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import yaml

from graphspec.syntax.scalars import OutOfRange, core_scalar
from graphspec.syntax.sections import GRAPH_KEYS, SETTINGS

ONE_LINE_ENTRIES = tuple(k for k in GRAPH_KEYS if k != "blocks")
"""Sections written one flow line per entry (a `graph:` entry nests as a block)."""
BLOCK_KEYS = ("params", "inputs", "nodes", "outputs")
"""The keys of a block template, each on its own line (its nodes one flow line each)."""


@dataclass(frozen=True)
class Layout:
    """How entries are laid out: `align` pads the ids of a section to one column (up to
    `align` characters); an entry whose flow line would pass `width` characters is written
    as a block mapping, one key a line. The defaults (what `expand` prints) do neither."""

    width: int | None = None
    align: int = 0


IMPORT_LAYOUT = Layout(width=180, align=28)
"""How `graphspec import` lays a spec out: ids aligned, an entry a line up to 180 columns."""


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


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    """Quoted where YAML 1.2's core schema would read the plain text as something else
    (`1e3`, `0o17`; PyYAML quotes YAML 1.1's own cases such as `yes` already)."""
    try:
        plain = isinstance(core_scalar(value), str)
    except (OutOfRange, ValueError):
        plain = False
    if plain:
        return dumper.represent_str(value)
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")


_Dumper.add_representer(float, _float)
_Dumper.add_representer(str, _str)


def to_yaml(data: dict[str, Any], layout: Layout | None = None) -> str:
    """Block style for sections, one flow mapping per node, input, shared entry and output."""
    lines: list[str] = []
    _emit(data, 0, lines, layout or Layout())
    return "\n".join(lines) + "\n"


def _flow(value: Any) -> str:
    text: str = yaml.dump(
        value, Dumper=_Dumper, default_flow_style=True, width=10**9, sort_keys=False
    )
    return text.strip().removesuffix("...").strip()


def _emit(data: dict[str, Any], indent: int, lines: list[str], layout: Layout) -> None:
    pad = " " * indent
    for key, value in data.items():
        if key in ONE_LINE_ENTRIES and isinstance(value, dict):
            lines.append(f"{pad}{key}:")
            _entries(value, indent + 2, lines, layout)
        elif key in SETTINGS and isinstance(value, dict) and value and layout != Layout():
            lines.append(f"{pad}{key}:")
            lines.extend(f"{pad}  {k}: {_flow(v)}" for k, v in value.items())
        elif key == "blocks" and isinstance(value, dict) and layout != Layout():
            lines.append(f"{pad}{key}:")
            for name, block in value.items():
                lines.append(f"{pad}  {name}:")
                _block(block, indent + 4, lines, layout)
        else:
            lines.append(f"{pad}{key}: {_flow(value)}")


def _nested_entry(v: Any) -> bool:
    return isinstance(v, dict) and ("graph" in v or "sequential" in v)


def _entries(entries: dict[str, Any], indent: int, lines: list[str], layout: Layout) -> None:
    """One flow line per entry (ids padded to a column with `align`); a `graph:` or
    `sequential:` entry nests."""
    pad = " " * indent
    flat = [str(k) for k, v in entries.items() if not _nested_entry(v)]
    column = max((len(k) for k in flat), default=0)
    column = column if column <= layout.align else 0
    for k, v in entries.items():
        if _nested_entry(v):
            lines.append(f"{pad}{k}:")
            _nested(v, indent + 2, lines, layout)
            continue
        line = f"{pad}{f'{k}:':<{column + 1}} {_flow(v)}"
        if layout.width is not None and len(line) > layout.width and isinstance(v, dict):
            lines.append(f"{pad}{k}:")
            lines.extend(f"{pad}  {key}: {_flow(x)}" for key, x in v.items())
        else:
            lines.append(line)


def _nested(entry: dict[str, Any], indent: int, lines: list[str], layout: Layout) -> None:
    """A shared `graph:` (its sections in block style) or `sequential:` (a layer a line)."""
    pad = " " * indent
    for key, value in entry.items():
        if key == "graph":
            lines.append(f"{pad}graph:")
            _emit(value, indent + 2, lines, layout)
        elif key == "sequential":
            lines.append(f"{pad}sequential:")
            lines.extend(f"{pad}  - {_flow(layer)}" for layer in value)
        else:
            lines.append(f"{pad}{key}: {_flow(value)}")


def _block(block: dict[str, Any], indent: int, lines: list[str], layout: Layout) -> None:
    pad = " " * indent
    for key in BLOCK_KEYS:
        if key not in block:
            continue
        if key == "nodes":
            lines.append(f"{pad}nodes:")
            _entries(block["nodes"], indent + 2, lines, layout)
        else:
            lines.append(f"{pad}{key}: {_flow(block[key])}")
