"""What a training run logged, kept: Keras's History as JSON (`--history`) and as a picture of
every loss and metric per output, train against validation (`--plot-history`, matplotlib)."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from typing import Any

from graphspec.files import write_atomically

PLOT_FORMATS = (".png", ".svg", ".pdf")
"""The picture formats `--plot-history` writes, by the file's suffix."""


class PlotUnavailable(ValueError):
    """`--plot-history` cannot be honoured: a suffix matplotlib does not write, or no matplotlib."""


def check_plot_target(path: Path) -> None:
    """Before training: the suffix is one of PLOT_FORMATS and matplotlib is installed."""
    if path.suffix.lower() not in PLOT_FORMATS:
        raise PlotUnavailable(
            f"--plot-history {path}: the picture's format comes from its suffix, one of "
            f"{', '.join(PLOT_FORMATS)}"
        )
    if importlib.util.find_spec("matplotlib") is None:
        raise PlotUnavailable(
            "--plot-history needs matplotlib: pip install 'graphspec[history]' (or matplotlib)"
        )


def _number(v: Any) -> Any:
    """A logged value as JSON: a number, null for NaN and infinities, a list for a vector
    (a per-class metric such as F1Score)."""
    if hasattr(v, "tolist") and not isinstance(v, float):
        v = v.tolist()
    if isinstance(v, list):
        return [_number(x) for x in v]
    f = float(v)
    return f if math.isfinite(f) else None


def _scalar(v: Any) -> float:
    """What a panel draws of a logged value: the value, or a vector's mean."""
    items = _number(v)
    if isinstance(items, list):
        flat = [x for x in _flatten(items) if x is not None]
        return sum(flat) / len(flat) if flat else math.nan
    return math.nan if items is None else float(items)


def _flatten(items: list[Any]) -> list[Any]:
    return [y for x in items for y in (_flatten(x) if isinstance(x, list) else [x])]


def as_json(history: Any) -> dict[str, Any]:
    """`{"epochs": [1, 2, …], "history": {"loss": […], "val_loss": […], "OUT_METRIC": […]}}`:
    every quantity Keras logged, one value per epoch (epochs counted from 1; a NaN or
    infinite value is null, as JSON has neither)."""
    return {
        "epochs": [int(e) + 1 for e in history.epoch],
        "history": {k: [_number(v) for v in vs] for k, vs in history.history.items()},
    }


def dumps(logged: dict[str, Any]) -> str:
    """`as_json`'s object as JSON text, one line per quantity."""
    rows = [
        f"    {json.dumps(k)}: {json.dumps(v, allow_nan=False)}"
        for k, v in logged["history"].items()
    ]
    body = ",\n".join(rows)
    epochs = json.dumps(logged["epochs"])
    return f'{{\n  "epochs": {epochs},\n  "history": {{\n{body}\n  }}\n}}\n'


def write_history(history: Any, path: Path) -> Path:
    text = dumps(as_json(history))
    return write_atomically(path, lambda temporary: temporary.write_text(text, "utf-8"))


def panels(
    logged: dict[str, list[Any]], outputs: list[str]
) -> list[tuple[str, list[Any], list[Any] | None]]:
    """One panel per quantity: its training values and, where logged, its validation values
    (`val_` + name); the total loss first, then each output's loss and metrics in the
    model's output order, then anything else (a learning rate)."""
    names = [n for n in logged if not n.startswith("val_") or n.removeprefix("val_") not in logged]

    def rank(name: str) -> tuple[int, int, int]:
        if name == "loss":
            return (0, 0, 0)
        owner = [i for i, o in enumerate(outputs) if name.startswith(f"{o}_")]
        if not owner:
            return (2, 0, 0)
        return (1, owner[-1], 0 if name == f"{outputs[owner[-1]]}_loss" else 1)

    return [(n, logged[n], logged.get(f"val_{n}")) for n in sorted(names, key=rank)]


def plot_history(history: Any, path: Path) -> Path:
    """Draw every panel on one figure (three a row) and write it atomically."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    model = getattr(history, "model", None)
    shown = panels(history.history, list(getattr(model, "output_names", [])))
    columns = min(3, max(len(shown), 1))
    rows = max(1, math.ceil(len(shown) / columns))
    figure = Figure(figsize=(4.2 * columns, 3.2 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).flatten()
    epochs = [int(e) + 1 for e in history.epoch]
    for ax, (name, train, validation) in zip(axes, shown, strict=False):
        vector = any(isinstance(_number(v), list) for v in train)
        ax.plot(epochs, [_scalar(v) for v in train], marker="o", label="train")
        if validation is not None:
            ax.plot(epochs, [_scalar(v) for v in validation], marker="o", label="validation")
        ax.set_title(f"{name} (mean)" if vector else name)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend()
        ax.grid(alpha=0.3)
    for ax in axes[len(shown) :]:
        ax.set_visible(False)
    figure.suptitle(f"{model.name}: training history" if model is not None else "history")
    fmt = path.suffix.lower().removeprefix(".")
    return write_atomically(path, lambda temporary: figure.savefig(temporary, format=fmt))
