"""`fit:` callbacks, checked before building: names against the allow-list, arguments against
their signatures, monitored quantities against what the model will log, paths confined."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from graphspec.diagnostics import Code, SpecPath, codes, suggest
from graphspec.ir import CompileIR, Named, OutputIR
from graphspec.resolve.callbacks import (
    CALLBACKS,
    PATH_KINDS,
    REFUSED_CALLBACKS,
    REQUIRED,
    check_value,
    literal,
    outside,
    placeholders,
)
from graphspec.resolve.context import Context
from graphspec.syntax.document import Document
from graphspec.syntax.schema import Spec

NAME_EXCEPTIONS = {"FBetaScore": "fbeta_score", "LogCoshError": "logcosh"}
"""Metric classes whose default name is not their class name in snake case."""

FUNCTION_ALIASES = {"BCE", "MAE", "MAPE", "MSE", "MSLE"}
"""Capitalised metric names that are functions, not classes (no default name to derive)."""

MONITORED = {"EarlyStopping", "ReduceLROnPlateau"}
"""Callbacks that always read their monitor (ModelCheckpoint: with save_best_only)."""


@dataclass(frozen=True)
class Callback:
    """One `fit.callbacks` entry as checked: its class, its arguments and where it was written."""

    name: str
    kwargs: dict[str, Any]
    path: SpecPath

    def argument(self, key: str) -> Any:
        return self.kwargs.get(key, CALLBACKS[self.name][key].default)

    def where(self, key: str) -> SpecPath:
        return (*self.path, key) if key in self.kwargs else self.path

    @property
    def monitors(self) -> bool:
        """Whether the callback reads its `monitor` (else the monitor is not checked)."""
        if self.name == "ModelCheckpoint":
            return self.argument("save_best_only") is True
        return self.name in MONITORED


def metric_name(metric: Named) -> str | None:
    """The key Keras logs a metric under: a name as written (`acc`), a class with arguments
    under its default name (`{name: AUC, …}` → `auc`); None where graphspec cannot tell."""
    if not metric.kwargs:
        return metric.name
    if not metric.name[:1].isupper() or metric.name in FUNCTION_ALIASES:
        return None
    if metric.name in NAME_EXCEPTIONS:
        return NAME_EXCEPTIONS[metric.name]
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", metric.name).lower()


def logged_names(outputs: list[OutputIR], compiled: CompileIR | None) -> frozenset[str] | None:
    """Every quantity the training logs per epoch (without `val_`): `loss`, each output's
    `ID_loss` and `ID_METRIC` (bare metric names for one output); None when a metric's name
    cannot be known before Keras builds it (a function with arguments; a second object of
    one metric class, which Keras numbers). Metric objects are named by Keras's counter of
    its process: a fresh one (the command line) names the first `auc`. A model without a loss
    is fitted with `--loss`, which applies to every output."""
    ids = [o.id for o in outputs]
    several = len(ids) > 1
    names = {"loss", *(f"{i}_loss" for i in ids if several)}
    objects: set[str] = set()
    for output, metrics in (compiled.metrics if compiled else {}).items():
        for m in metrics:
            if not isinstance(cast(object, m), Named):  # INVALID: a metric with errors, which
                return None  # are reported (compile_settings keeps its place in the list)
            name = metric_name(m)
            if name is None or (m.kwargs and name in objects):
                return None  # Keras names a second metric object of a class `auc_1`, …
            if m.kwargs:
                objects.add(name)
            names.add(f"{output}_{name}" if several else name)
    return frozenset(names)


def monitorable(
    logged: frozenset[str], callbacks: list[Callback], validation: bool = True
) -> frozenset[str]:
    """What a callback may monitor: the logged quantities, with `val_` (when the run has
    validation data), and `learning_rate` beside a ReduceLROnPlateau (which logs it)."""
    names = set(logged) | ({f"val_{n}" for n in logged} if validation else set())
    if any(c.name == "ReduceLROnPlateau" for c in callbacks):
        names.add("learning_rate")
    return frozenset(names)


def callbacks_of(spec: Spec) -> list[Callback]:
    """The spec's callbacks as written (names not yet checked)."""
    found = []
    for i, entry in enumerate(spec.fit.callbacks if spec.fit else []):
        if isinstance(entry, str):
            found.append(Callback(entry, {}, ("fit", "callbacks", i)))
        else:
            kwargs = {k: v for k, v in entry.items() if k != "name"}
            found.append(Callback(entry["name"], kwargs, ("fit", "callbacks", i)))
    return found


def fit_settings(
    ctx: Context, spec: Spec, outputs: list[OutputIR], compiled: CompileIR | None, doc: Document
) -> None:
    """Check every callback of `fit:`; each problem is reported at its own key."""
    known = [c for c in callbacks_of(spec) if _known(ctx, doc, c)]
    if not known:
        return  # (most specs: no need for the names the model logs)
    logged = logged_names(outputs, compiled)
    choices = None if logged is None else monitorable(logged, known)
    for c in known:
        bad = _arguments(ctx, doc, c)
        if "monitor" not in bad:
            _monitor(ctx, doc, c, choices)
        if not bad & {"save_freq", "save_weights_only"}:
            _paths(ctx, doc, c, choices, bad)


def _known(ctx: Context, doc: Document, c: Callback) -> bool:
    """Whether the callback is one graphspec offers (else an error, with a suggestion)."""
    if c.name in CALLBACKS:
        return True
    where = (*c.path, "name") if (*c.path, "name") in doc.positions else c.path
    code: Code
    if c.name in REFUSED_CALLBACKS:
        message = f"callback '{c.name}' is refused: {REFUSED_CALLBACKS[c.name]}"
        code = codes.REFUSED_CALLBACK
    else:
        message, code = (
            f"unknown callback '{c.name}'{suggest(c.name, CALLBACKS)} "
            f"(graphspec offers {', '.join(CALLBACKS)})",
            codes.UNKNOWN_CALLBACK,
        )
    ctx.report([doc.diagnostic(where, message, code=code)])
    return False


def _arguments(ctx: Context, doc: Document, c: Callback) -> set[str]:
    """Each keyword known to the class and of the right kind; the required ones given.
    Returns the keys found wrong (a missing one included), whose other checks are skipped."""
    signature = CALLBACKS[c.name]
    bad = set()
    for key, value in c.kwargs.items():
        if key not in signature:
            message = (
                f"unknown keyword argument '{key}' for {c.name}"
                f"{suggest(key, signature)} (it takes {', '.join(signature)})"
            )
            ctx.report(
                [
                    doc.diagnostic(
                        (*c.path, key), message, key=True, code=codes.UNKNOWN_KEYWORD_ARGUMENT
                    )
                ]
            )
            bad.add(key)
            continue
        expected = check_value(signature[key].kind, value)
        if expected is not None:
            message = f"{c.name}'s '{key}' takes {expected}, not {value!r}"
            ctx.report([doc.diagnostic((*c.path, key), message, code=codes.CALLBACK_ARGUMENT)])
            bad.add(key)
    missing = [k for k, a in signature.items() if a.default is REQUIRED and k not in c.kwargs]
    if missing:
        message = f"{c.name} needs {', '.join(repr(m) for m in missing)}"
        ctx.report([doc.diagnostic(c.path, message, code=codes.MISSING_ARGUMENT)])
        bad.update(missing)
    return bad


def _monitor(ctx: Context, doc: Document, c: Callback, logged: frozenset[str] | None) -> None:
    """The monitored quantity is one the model logs (where graphspec can know)."""
    if "monitor" not in CALLBACKS[c.name] or not c.monitors or logged is None:
        return
    monitor = c.argument("monitor")
    if monitor not in logged:
        choices = sorted(logged)
        default = "" if "monitor" in c.kwargs else " (its default)"
        message = (
            f"{c.name} monitors '{monitor}'{default}, which the model does not log"
            f"{suggest(monitor, choices)} (it logs {', '.join(choices)})"
        )
        ctx.report([doc.diagnostic(c.where("monitor"), message, code=codes.UNKNOWN_MONITOR)])


def _paths(
    ctx: Context, doc: Document, c: Callback, logged: frozenset[str] | None, bad: set[str]
) -> None:
    """Files a callback writes: placeholders well-formed and known, inside the allowed trees,
    a checkpoint's suffix one Keras saves to."""
    for key, arg in CALLBACKS[c.name].items():
        if arg.kind not in PATH_KINDS or key in bad:
            continue
        raw = c.argument(key)
        where = c.where(key)
        for problem, code in path_problems(c, key, raw, logged, ctx.options.allow_paths):
            ctx.report([doc.diagnostic(where, f"{c.name}'s '{key}': {problem}", code=code)])


def path_problems(
    c: Callback, key: str, raw: str, logged: frozenset[str] | None, allowed: Sequence[Path]
) -> list[tuple[str, Code]]:
    """What is wrong with one path argument (also checked again by `graphspec fit`)."""
    if c.name != "ModelCheckpoint":
        problem = outside(raw, allowed)
        return [] if problem is None else [(_outside_message(problem), codes.CALLBACK_PATH_OUTSIDE)]
    names, malformed = placeholders(raw)
    if malformed is not None:
        return [(malformed, codes.PATH_PLACEHOLDER)]
    problems: list[tuple[str, Code]] = []
    fields = {"epoch", *(["batch"] if c.argument("save_freq") != "epoch" else [])}
    choices = None if logged is None else fields | logged
    for name in names:
        if choices is not None and name not in choices:
            problems.append(
                (
                    f"placeholder '{{{name}}}' names nothing the model logs"
                    f"{suggest(name, choices)} (it fills in {', '.join(sorted(choices))})",
                    codes.UNKNOWN_MONITOR,
                )
            )
    path = literal(raw)
    suffix = ".weights.h5" if c.argument("save_weights_only") is True else ".keras"
    if not path.endswith(suffix):
        what = "weights only" if suffix == ".weights.h5" else "whole models"
        problems.append(
            (f"'{raw}' must end in {suffix} (Keras saves {what} there)", codes.CHECKPOINT_SUFFIX)
        )
    problem = outside(path, allowed, raw)
    if problem is not None:
        problems.append((_outside_message(problem), codes.CALLBACK_PATH_OUTSIDE))
    return problems


def _outside_message(problem: str) -> str:
    return f"{problem}: callbacks write inside it, or under an --allow-path DIR"
