"""Model.compile from the spec's settings: optimizer, per-output losses, weights, metrics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphspec.ir import CompileIR, Named


def compile_model(named: Callable[[Named], Any], model: Any, settings: CompileIR) -> None:
    """Compile with the spec's optimizer, per-output losses, loss weights and metrics."""
    loss: Any = None
    if isinstance(settings.loss, dict):
        loss = {k: named(v) for k, v in settings.loss.items()}
    elif settings.loss is not None:
        loss = named(settings.loss)
    per_output = {k: [named(m) for m in ms] for k, ms in settings.metrics.items()}
    metrics: Any = per_output or None
    if len(model.outputs) == 1 and per_output:
        metrics = next(iter(per_output.values()))
    weights = None
    if settings.loss_weights:  # Keras wants a weight for every output once one is given
        weights = {name: settings.loss_weights.get(name, 1.0) for name in model.output_names}
    model.compile(
        optimizer=named(settings.optimizer),
        loss=loss,
        loss_weights=weights,
        metrics=metrics,
        **settings.flags,
    )
