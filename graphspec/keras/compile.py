"""Model.compile from the spec's settings: optimizer, per-output losses, weights, metrics.

Each optimizer, loss and metric written with arguments is constructed here, one by one, and
each loss and metric is tried once on zeros shaped like its output: what Keras accepts at
compile time and breaks on at the first training step is refused at build, where written."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from graphspec.ir import CompileIR, Named

SINGULAR = {"losses": "loss", "metrics": "metric", "optimizers": "optimizer"}
TRIAL_ERRORS = (TypeError, NotImplementedError)
"""What a trial call raises when an object cannot work at all (a string where a function is
needed, an abstract class); a shape complaint on the zeros of the trial is not one of them."""


class TrainingObjectError(Exception):
    """Keras could not make, or use, the optimizer, loss or metric `named`."""

    def __init__(self, named: Named, what: str, cause: BaseException) -> None:
        super().__init__(f"{what}: {cause}")
        self.named, self.what, self.cause = named, what, cause


class TrainingObjectErrors(Exception):
    """Every optimizer, loss and metric Keras could not make or use, in the order written."""

    def __init__(self, errors: list[TrainingObjectError]) -> None:
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors


def _make(named: Callable[[Named], Any], n: Named) -> Any:
    """The Keras object (or name) of `n`; TrainingObjectError when Keras refuses to make it."""
    try:
        return named(n)
    except Exception as e:
        raise TrainingObjectError(
            n, f"Keras refused to construct {SINGULAR.get(n.kind, n.kind)} {n.name}", e
        ) from e


def _zeros(keras: Any, tensor: Any) -> Any:
    """Zeros of one example shaped like the model output `tensor` (unknown sizes: 1)."""
    shape = [1, *(d or 1 for d in tuple(tensor.shape)[1:])]
    return keras.ops.zeros(shape, dtype=tensor.dtype)


def _resolved(keras: Any, n: Named, obj: Any) -> Any:
    """The object Keras makes of a name (a function, or a class's instance); None if none."""
    if not isinstance(obj, str):
        return obj
    try:
        found = getattr(keras, n.kind).get(obj)
        return found() if isinstance(found, type) else found
    except Exception:
        return None  # a name compile resolves on its own (`acc`): nothing to try here


def _try(keras: Any, n: Named, obj: Any, output: str, tensor: Any) -> None:
    """Call a loss once, or update a metric once (then reset it), on zeros like `tensor`."""
    target = _resolved(keras, n, obj)
    if target is None:
        return
    y = _zeros(keras, tensor)
    try:
        if hasattr(target, "update_state"):
            target.update_state(y, y)
            target.reset_state()
        else:
            target(y, y)
    except TRIAL_ERRORS as e:
        what = f"{SINGULAR[n.kind]} {n.name} fails on output '{output}' {tuple(tensor.shape)}"
        raise TrainingObjectError(n, what, e) from e
    except Exception:
        return  # e.g. sparse labels: the zeros of the trial are not what it is trained on


def compile_model(
    named: Callable[[Named], Any], model: Any, settings: CompileIR, keras: Any = None
) -> None:
    """Compile with the spec's optimizer, per-output losses, loss weights and metrics; with
    `keras`, each loss and metric given arguments is first tried on its outputs.
    TrainingObjectErrors with every one Keras could not make or use."""
    outputs = dict(zip(model.output_names, model.outputs, strict=False))
    errors: list[TrainingObjectError] = []

    def make(n: Named, on: list[str]) -> Any:
        try:
            obj = _make(named, n)
            for k in on if keras is not None else []:
                if k in outputs:
                    _try(keras, n, obj, k, outputs[k])
            return obj
        except TrainingObjectError as e:
            errors.append(e)
            return None

    loss: Any = None
    if isinstance(settings.loss, dict):
        loss = {k: make(v, [k]) for k, v in settings.loss.items()}
    elif settings.loss is not None:
        loss = make(settings.loss, list(outputs))
    per_output = {k: [make(m, [k]) for m in ms] for k, ms in settings.metrics.items()}
    optimizer = make(settings.optimizer, [])
    if errors:
        raise TrainingObjectErrors(errors)
    metrics: Any = per_output or None
    if len(model.outputs) == 1 and per_output:
        metrics = next(iter(per_output.values()))
    weights = None
    if settings.loss_weights:  # Keras wants a weight for every output once one is given
        weights = {name: settings.loss_weights.get(name, 1.0) for name in model.output_names}
    with warnings.catch_warnings():  # what Keras would change of the spec (a flag it drops)
        warnings.simplefilter("error", UserWarning)
        model.compile(
            optimizer=optimizer, loss=loss, loss_weights=weights, metrics=metrics, **settings.flags
        )
