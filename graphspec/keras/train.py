"""`graphspec fit`: train a built model on named arrays with the spec's `fit:` defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphspec.syntax.schema import Fit, Spec


def arrays(spec: Spec, path: Path) -> tuple[Any, Any]:
    """Inputs and targets from an .npz file whose arrays are named by input and output ids."""
    import numpy as np

    try:
        data = dict(np.load(path, allow_pickle=False))
    except (OSError, ValueError) as e:
        raise ValueError(f"--data {path}: {e}") from e
    outputs = list(spec.output_options())
    missing = [k for k in [*spec.inputs, *outputs] if k not in data]
    if missing:
        raise ValueError(
            f"--data {path}: no array named {', '.join(missing)} "
            f"(it has {', '.join(data) or 'none'})"
        )
    inputs = {k: data[k] for k in spec.inputs}
    targets = {k: data[k] for k in outputs}
    return _bare(inputs), _bare(targets)


def _bare(arrays: dict[str, Any]) -> Any:
    """Keras takes one input or target bare, several by name."""
    return next(iter(arrays.values())) if len(arrays) == 1 else arrays


def fit(
    spec: Spec, model: Any, path: Path, epochs: int | None = None, batch_size: int | None = None
) -> Any:
    """Fit with `fit:` settings, overridden by the command line; returns the History."""
    if not getattr(model, "compiled", False):
        raise ValueError("the spec has no loss: give one in `compile:` or on its outputs")
    x, y = arrays(spec, path)
    settings = spec.fit or Fit()
    return model.fit(
        x,
        y,
        epochs=epochs or settings.epochs,
        batch_size=batch_size or settings.batch_size,
        validation_split=settings.validation_split,
        shuffle=settings.shuffle,
    )
