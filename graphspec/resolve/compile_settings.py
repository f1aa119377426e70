"""`compile:` and per-output training settings → Keras compile arguments."""

from __future__ import annotations

from typing import Any

from graphspec.diagnostics import SpecPath, codes, suggest
from graphspec.ir import CompileIR, Named, Origin, OutputIR
from graphspec.resolve import layers
from graphspec.resolve.context import Context
from graphspec.resolve.outputs import written
from graphspec.syntax.document import Document
from graphspec.syntax.schema import Spec


def compile_settings(
    ctx: Context, spec: Spec, outputs: list[OutputIR], doc: Document
) -> CompileIR | None:
    """Keras compile arguments from `compile:` and the per-output options."""
    settings = spec.compile
    has_loss = any(o.loss is not None for o in outputs)
    if settings is None and not has_loss:
        return None
    base = Origin(doc, ("compile",))
    optimizer = layers.named(
        ctx,
        "optimizers",
        settings.optimizer if settings else "rmsprop",
        base,
        ("compile", "optimizer"),
    )
    data = doc.data if isinstance(doc.data, dict) else {}
    names = written(data.get("outputs"))  # as written: an output with errors is still one
    loss = _loss(ctx, settings, outputs, doc, names)
    weights = {o.id: o.loss_weight for o in outputs if o.loss_weight is not None}
    for k, w in ((settings.loss_weights or {}) if settings else {}).items():
        if _is_output(k, names, ctx, doc, ("compile", "loss_weights")):
            weights[k] = w
    metrics = _metrics(settings, outputs, ctx, doc, names)
    flags = {
        k: getattr(settings, k)
        for k in ("run_eagerly", "jit_compile", "steps_per_execution")
        if settings is not None and getattr(settings, k) is not None
    }
    return CompileIR(optimizer, loss, weights, metrics, flags)


def _loss(
    ctx: Context, settings: Any, outputs: list[OutputIR], doc: Document, names: list[str] | None
) -> Named | dict[str, Named] | None:
    """The model-wide loss, Keras's dict form by output id, or the per-output losses; never
    both a model-wide and a per-output loss."""
    base = Origin(doc, ("compile",))
    has_loss = any(o.loss is not None for o in outputs)
    loss: Named | dict[str, Named] | None = None
    model_loss = settings.loss if settings else None
    if model_loss is not None and has_loss:
        for o in outputs:
            if o.loss is not None:
                ctx.error(
                    o.origin,
                    f"a loss is given both model-wide (compile.loss, line "
                    f"{doc.locate(('compile', 'loss')).line}) and on output "
                    f"'{o.id}'",
                    (*o.origin.path, "loss"),
                    key=True,
                    code=codes.LOSS_GIVEN_TWICE,
                )
    elif isinstance(model_loss, dict) and "name" not in model_loss:  # per output
        loss = {
            k: layers.named(ctx, "losses", v, base, ("compile", "loss", k))
            for k, v in model_loss.items()
            if _is_output(k, names, ctx, doc, ("compile", "loss"))
        }
    elif model_loss is not None:
        loss = layers.named(ctx, "losses", model_loss, base, ("compile", "loss"))
    elif has_loss:
        loss = {o.id: o.loss for o in outputs if o.loss is not None}
    return loss


def _metrics(
    settings: Any, outputs: list[OutputIR], ctx: Context, doc: Document, names: list[str] | None
) -> dict[str, list[Named]]:
    base = Origin(doc, ("compile",))
    model_wide = settings.metrics if settings is not None else []
    per: dict[str, list[Named]] = {o.id: list(o.metrics) for o in outputs}
    if isinstance(model_wide, dict):
        for k, ms in model_wide.items():
            if _is_output(k, names, ctx, doc, ("compile", "metrics")):
                per[k] = per.get(k, []) + [
                    layers.named(ctx, "metrics", m, base, ("compile", "metrics", k, i))
                    for i, m in enumerate(ms)
                ]
    else:
        shared = [
            layers.named(ctx, "metrics", m, base, ("compile", "metrics", i))
            for i, m in enumerate(model_wide)
        ]
        for k in per:
            per[k] = shared + per[k]
    return {k: v for k, v in per.items() if v}


def _is_output(
    key: str, names: list[str] | None, ctx: Context, doc: Document, where: SpecPath
) -> bool:
    if names is None or key in names:  # None: the outputs themselves are invalid
        return True
    ctx.report(
        [
            doc.diagnostic(
                (*where, key),
                f"'{key}' is not an output (outputs: {', '.join(names)}){suggest(key, names)}",
                key=True,
                id=key,
                code=codes.COMPILE_NOT_AN_OUTPUT,
            )
        ]
    )
    return False
