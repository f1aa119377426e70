"""What the plot and the summary say about a node or an output, as text: shapes, parameter
counts, layer names, and each output's training settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphspec.ir import LayerIR, Named, OutputIR, Program
from graphspec.resolve.unchecked import UNCHECKED
from graphspec.shapes import Count, ShapeTree


def shape_text(tree: ShapeTree) -> str:
    """`(None, 32)` as Keras prints it; a list for several outputs; `?` when unknown."""
    if isinstance(tree, list):
        return "[" + ", ".join(shape_text(t) for t in tree) + "]"
    if tree is None:
        return "?"
    return "(" + ", ".join(str(d) for d in tree) + ("," if len(tree) == 1 else "") + ")"


def count_text(count: Count | None, counted: bool = True) -> str:
    """`1,234 params`, `(56 non-trainable)` added; `? params` when unknown."""
    if not counted:
        return ""
    if count is None:
        return "? params"
    text = f"{count.total:,} params"
    return f"{text} ({count.non_trainable:,} non-trainable)" if count.non_trainable else text


def layer_label(layer: LayerIR) -> str:
    """The class name, with a wrapper's inner layer: `Bidirectional(LSTM)`; for a stand-in of
    a node with errors, what the spec wrote (`Dens`)."""
    if layer.class_name == UNCHECKED:
        return _written(layer)
    inner = [v for k, v in layer.kwargs.items() if isinstance(v, LayerIR) and k != "backward_layer"]
    if len(inner) == 1:
        return f"{layer.class_name}({layer_label(inner[0])})"
    return layer.class_name


def _written(layer: LayerIR) -> str:
    """The `layer:` (or `use:`, `block:`) a stand-in's node was written with."""
    data: Any = layer.origin.doc.data
    for part in layer.origin.path:
        data = data.get(part) if isinstance(data, dict) else None
    if isinstance(data, dict):
        for key in ("layer", "use", "block", "op"):
            if isinstance(data.get(key), str):
                return str(data[key])
    return UNCHECKED


def callable_label(fn: object) -> tuple[str, str]:
    """(kind, label) of what a node makes anew: a layer, or another kind of callable (an op)
    by its name."""
    if isinstance(fn, LayerIR):
        return "layer", layer_label(fn)
    return "op", str(getattr(fn, "name", "") or type(fn).__name__)


def named_text(n: Named) -> str:
    """A loss, metric or optimizer as written: `huber(delta=2.0)`."""
    if not n.kwargs:
        return n.name
    return f"{n.name}(" + ", ".join(f"{k}={v!r}" for k, v in n.kwargs) + ")"


@dataclass
class Training:
    """How one output is trained: its loss (None: none), loss weight and metrics."""

    loss: str | None = None
    weight: float | None = None
    metrics: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """`loss: mse · weight 0.25`, then `metrics: mae` (a picture's lines)."""
        weight = 1.0 if self.weight is None else self.weight
        first = "no loss" if self.loss is None else f"loss: {self.loss} · weight {weight:g}"
        return [first] + ([f"metrics: {', '.join(self.metrics)}"] if self.metrics else [])


def output_training(program: Program, o: OutputIR) -> Training:
    settings = program.compile
    if settings is None:
        return Training(
            named_text(o.loss) if o.loss else None,
            o.loss_weight,
            [named_text(m) for m in o.metrics],
        )
    loss = settings.loss.get(o.id) if isinstance(settings.loss, dict) else settings.loss
    return Training(
        named_text(loss) if loss is not None else None,
        settings.loss_weights.get(o.id),
        [named_text(m) for m in settings.metrics.get(o.id, [])],
    )


def training(program: Program) -> dict[str, list[str]]:
    """Each output's training settings as the lines a picture shows."""
    return {o.id: output_training(program, o).lines() for o in program.graph.outputs}
