"""`graphspec summary`: every node with its kind, output shape, parameters and inputs; block
copies grouped under their block; each output's training settings; the totals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphspec.diagnostics import BlockUse
from graphspec.ir import ApplicationIR, InputsIR, NodeIR, Program, Ref, SubGraphIR, Use
from graphspec.shapes import Count, Inferred, ShapeTree
from graphspec.views.facts import (
    Training,
    callable_label,
    output_training,
    shape_text,
)


@dataclass
class Row:
    """One input or node of the top graph."""

    id: str
    kind: str
    shape: ShapeTree
    params: Count | None = None
    counted: bool = True
    """False for an input, and for a shared callable's later calls (counted at the first)."""
    shared_with: str = ""
    """For a later call of a shared callable: the node whose row counts its parameters."""
    inputs: list[str] = field(default_factory=list)
    blocks: tuple[BlockUse, ...] = ()


@dataclass
class Summary:
    name: str
    rows: list[Row]
    outputs: list[tuple[str, Training]]
    total: Count | None
    built: bool = False
    """Whether unknown shapes and counts were taken from the model Keras built."""

    @property
    def complete(self) -> bool:
        """Every shape and count known statically: no need to build."""
        known = all(r.params is not None for r in self.rows if r.counted)
        return self.total is not None and known and all(_known(r.shape) for r in self.rows)


def _known(tree: ShapeTree) -> bool:
    if isinstance(tree, list):
        return all(_known(t) for t in tree)
    return tree is not None


def kind(program: Program, node: NodeIR) -> str:
    fn = node.callable
    if not isinstance(fn, Use):
        return callable_label(fn)[1]
    entry = program.shared[fn.key]
    if isinstance(entry, ApplicationIR):
        return f"{entry.name} application (shared {fn.shared_id})"
    if isinstance(entry, SubGraphIR):
        return f"sub-model {fn.shared_id}"
    return f"{callable_label(entry)[1]} (shared {fn.shared_id})"


def inputs_text(tree: InputsIR) -> list[str]:
    """A node's inputs as written: `x`, `enc.1`, `query=x` for a call keyword."""
    if isinstance(tree, Ref):
        return [str(tree)]
    if isinstance(tree, dict):
        return [f"{k}={t}" for k, v in tree.items() for t in inputs_text(v)]
    return [t for v in tree for t in inputs_text(v)]


def summary(program: Program, inferred: Inferred) -> Summary:
    """The summary from static shapes and counts (None where unknown)."""
    graph = program.graph
    rows = [
        Row(i.id, f"Input {i.dtype}", inferred.shapes.get(i.id), counted=False)
        for i in graph.inputs
    ]
    first: dict[str, str] = {}
    for node in graph.nodes:
        row = Row(node.id, kind(program, node), inferred.shapes.get(node.id))
        row.params = inferred.params.nodes.get(node.id)
        row.inputs, row.blocks = inputs_text(node.inputs), node.origin.uses
        key = getattr(node.callable, "key", None)
        if key is not None:
            row.shared_with = first.setdefault(key, node.id)
            row.counted = row.shared_with == node.id
            row.shared_with = "" if row.counted else row.shared_with
        rows.append(row)
    outputs = [(o.id, output_training(program, o)) for o in graph.outputs]
    return Summary(graph.name, rows, outputs, inferred.params.total)


def with_keras(
    s: Summary, shapes: dict[str, ShapeTree], params: dict[str, Count], total: Count
) -> Summary:
    """The summary with what Keras built filled in where static inference did not know."""
    for row in s.rows:
        if not _known(row.shape) and shapes.get(row.id) is not None:
            row.shape = shapes[row.id]
        if row.counted and row.id in params:
            row.params = params[row.id]
    s.total, s.built = total, True
    return s


def _count_json(c: Count | None) -> dict[str, int] | None:
    if c is None:
        return None
    return {"total": c.total, "trainable": c.trainable, "non_trainable": c.non_trainable}


def _shape_json(tree: ShapeTree) -> Any:
    return [_shape_json(t) for t in tree] if isinstance(tree, list) else tree and list(tree)


def to_json(s: Summary) -> dict[str, Any]:
    """The summary as `--format json` prints it."""
    return {
        "model": s.name,
        "built": s.built,
        "nodes": [
            {
                "id": r.id,
                "kind": r.kind,
                "output_shape": _shape_json(r.shape),
                "params": _count_json(r.params) if r.counted else None,
                "shared_with": r.shared_with or None,
                "inputs": r.inputs,
                "blocks": [str(u) for u in r.blocks],
            }
            for r in s.rows
        ],
        "outputs": [
            {"id": oid, "loss": t.loss, "loss_weight": t.weight, "metrics": t.metrics}
            for oid, t in s.outputs
        ],
        "totals": _count_json(s.total),
    }


def _params_cell(r: Row) -> str:
    if r.shared_with:
        return f"shared ({r.shared_with})"
    if not r.counted:
        return ""
    return "?" if r.params is None else f"{r.params.total:,}"


def table_rows(s: Summary) -> list[tuple[int, list[str], bool]]:
    """(indent, cells, is a block heading) for each line of the node table."""
    totals: dict[tuple[BlockUse, ...], Count | None] = {}
    for r in s.rows:
        for n in range(1, len(r.blocks) + 1):
            known = totals.get(r.blocks[:n], Count())
            value = r.params if r.counted else Count()
            totals[r.blocks[:n]] = None if known is None or value is None else known + value
    lines: list[tuple[int, list[str], bool]] = []
    previous: tuple[BlockUse, ...] = ()
    for r in s.rows:
        same = next(
            (n for n in range(len(r.blocks)) if r.blocks[: n + 1] != previous[: n + 1]),
            len(r.blocks),
        )
        for n in range(same, len(r.blocks)):
            total = totals[r.blocks[: n + 1]]
            lines.append(
                (
                    n,
                    [str(r.blocks[n]), "", "", "?" if total is None else f"{total.total:,}", ""],
                    True,
                )
            )
        cells = [r.id, r.kind, shape_text(r.shape), _params_cell(r), ", ".join(r.inputs)]
        lines.append((len(r.blocks), cells, False))
        previous = r.blocks
    return lines


HEADERS = ("id", "kind", "output shape", "params", "inputs")
BUILT = "shapes and counts graphspec does not know statically are Keras's: the model was built"


def _totals(s: Summary) -> list[str]:
    if s.total is None:
        return ["Total params: ?"]
    return [
        f"Total params: {s.total.total:,}",
        f"Trainable params: {s.total.trainable:,}",
        f"Non-trainable params: {s.total.non_trainable:,}",
    ]


def _output_cells(s: Summary) -> list[list[str]]:
    cells = []
    for oid, t in s.outputs:
        weight = "" if t.loss is None else f"{1.0 if t.weight is None else t.weight:g}"
        cells.append([oid, t.loss or "(none)", weight, ", ".join(t.metrics)])
    return cells


def _columns(header: tuple[str, ...], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]

    def line(cells: list[str] | tuple[str, ...]) -> str:
        padded = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(padded).rstrip()

    rule = "-" * len(line(["-" * w for w in widths]))
    return [line(header), rule, *(line(r) for r in rows), rule]


def to_text(s: Summary) -> str:
    """Plain text (for a pipe or a log): the node table, the outputs, the totals."""
    nodes = [["  " * indent + cells[0], *cells[1:]] for indent, cells, _ in table_rows(s)]
    out = [f"Model: {s.name}", "", *_columns(HEADERS, nodes, {3}), ""]
    out += _columns(("output", "loss", "loss weight", "metrics"), _output_cells(s), {2})
    out += ["", *_totals(s)]
    if s.built:
        out.append(f"note: {BUILT}")
    return "\n".join(out) + "\n"


def to_rich(s: Summary) -> list[Any]:
    """The same as rich renderables, for a terminal."""
    from rich.table import Table
    from rich.text import Text

    nodes = Table(title=f"Model: {s.name}", title_justify="left", header_style="bold")
    for i, h in enumerate(HEADERS):
        nodes.add_column(h, justify="right" if i == 3 else "left", overflow="fold")
    for indent, cells, heading in table_rows(s):
        first = Text("  " * indent + cells[0], style="bold cyan" if heading else "")
        nodes.add_row(first, *cells[1:], style="dim" if heading else None)
    outputs = Table(header_style="bold")
    for i, h in enumerate(("output", "loss", "loss weight", "metrics")):
        outputs.add_column(h, justify="right" if i == 2 else "left")
    for cells in _output_cells(s):
        outputs.add_row(*cells)
    found: list[Any] = [nodes, outputs, Text("\n".join(_totals(s)))]
    if s.built:
        found.append(Text(f"note: {BUILT}", style="yellow"))
    return found
