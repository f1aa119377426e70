"""The Keras callbacks a spec's `fit:` may name: their signatures, argument checks, and the
confinement of the files they write (no TensorFlow; tests compare the table with Keras)."""

from __future__ import annotations

import math
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REQUIRED = object()
"""The default of an argument the constructor needs."""


@dataclass(frozen=True)
class Arg:
    """One constructor argument: how its value is checked (a key of KINDS) and its default."""

    kind: str
    default: Any


MODE = Arg("mode", "auto")
VERBOSE = Arg("verbose", 0)
VAL_LOSS = Arg("monitor", "val_loss")

CALLBACKS: dict[str, dict[str, Arg]] = {
    "EarlyStopping": {
        "monitor": VAL_LOSS,
        "min_delta": Arg("number", 0),
        "patience": Arg("count", 0),
        "verbose": VERBOSE,
        "mode": MODE,
        "baseline": Arg("number_or_null", None),
        "restore_best_weights": Arg("bool", False),
        "start_from_epoch": Arg("count", 0),
    },
    "ModelCheckpoint": {
        "filepath": Arg("file", REQUIRED),
        "monitor": VAL_LOSS,
        "verbose": VERBOSE,
        "save_best_only": Arg("bool", False),
        "save_weights_only": Arg("bool", False),
        "mode": MODE,
        "save_freq": Arg("save_freq", "epoch"),
        "initial_value_threshold": Arg("number_or_null", None),
    },
    "ReduceLROnPlateau": {
        "monitor": VAL_LOSS,
        "factor": Arg("factor", 0.1),
        "patience": Arg("count", 10),
        "verbose": VERBOSE,
        "mode": MODE,
        "min_delta": Arg("number", 0.0001),
        "cooldown": Arg("count", 0),
        "min_lr": Arg("non_negative", 0.0),
    },
    "CSVLogger": {
        "filename": Arg("file", REQUIRED),
        "separator": Arg("character", ","),
        "append": Arg("bool", False),
    },
    "TensorBoard": {
        "log_dir": Arg("directory", "logs"),
        "histogram_freq": Arg("count", 0),
        "write_graph": Arg("bool", True),
        "write_images": Arg("bool", False),
        "write_steps_per_second": Arg("bool", False),
        "update_freq": Arg("update_freq", "epoch"),
        "profile_batch": Arg("profile_batch", 0),
        "embeddings_freq": Arg("count", 0),
        "embeddings_metadata": Arg("refused", None),
    },
    "TerminateOnNaN": {"raise_error": Arg("bool", False)},
}
"""The allow-list: keras.callbacks classes, each argument with its Keras default."""

REFUSED_CALLBACKS = {
    "LambdaCallback": "it runs Python functions",
    "LearningRateScheduler": "it takes a Python function",
    "RemoteMonitor": "it sends the logs over the network",
    "BackupAndRestore": "it restores the model from files on disk",
    "OrbaxCheckpoint": "it restores the model from files on disk",
    "SwapEMAWeights": "it needs an optimizer with use_ema, which graphspec does not check",
    "ProgbarLogger": "graphspec fit shows Keras's progress itself",
    "History": "graphspec fit records the history itself (--history FILE.json)",
    "Callback": "it is the abstract base class",
    "CallbackList": "it is not a callback but a list of them",
}
"""Keras's other callbacks, with the reason the error gives."""

PATH_KINDS = ("file", "directory")
"""Argument kinds that name where a callback writes: confined by `outside()`."""


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _integer(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _positive_or(words: tuple[str, ...]) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        if (v in words and isinstance(v, str)) or (_integer(v) and v >= 1):
            return None
        return f"{' or '.join(repr(w) for w in words)} or a positive integer"

    return check


def _profile_batch(v: Any) -> str | None:
    pair = isinstance(v, list) and len(v) == 2 and all(_integer(b) and b >= 0 for b in v)
    pair = pair and v[0] <= v[1]
    if pair or (_integer(v) and v >= 0):
        return None
    return "a batch number (0: no profiling) or a pair [first, last] with first <= last"


KINDS: dict[str, Callable[[Any], str | None]] = {
    "bool": lambda v: None if isinstance(v, bool) else "true or false",
    "count": lambda v: None if _integer(v) and v >= 0 else "an integer >= 0",
    "number": lambda v: None if _number(v) else "a finite number",
    "non_negative": lambda v: None if _number(v) and v >= 0 else "a finite number >= 0",
    "number_or_null": lambda v: None if v is None or _number(v) else "a finite number or null",
    "factor": lambda v: None if _number(v) and 0 < v < 1 else "a number between 0 and 1",
    "verbose": lambda v: None if v in (0, 1) and _integer(v) else "0 or 1",
    "mode": lambda v: None if v in ("auto", "min", "max") else "'auto', 'min' or 'max'",
    "monitor": lambda v: None if isinstance(v, str) and v else "the name of a logged quantity",
    "character": lambda v: None if isinstance(v, str) and len(v) == 1 else "one character",
    "file": lambda v: None if isinstance(v, str) and v else "a file path",
    "directory": lambda v: None if isinstance(v, str) and v else "a directory path",
    "save_freq": _positive_or(("epoch",)),
    "update_freq": _positive_or(("epoch", "batch")),
    "profile_batch": _profile_batch,
    "refused": lambda v: "not accepted by graphspec (it maps layers to metadata file paths)",
}
"""What each kind of argument takes: None when the value fits, else what it should be."""


def check_value(kind: str, value: Any) -> str | None:
    """None when `value` fits an argument of `kind`, else what the argument takes."""
    return KINDS[kind](value)


# ---- the files callbacks write ---------------------------------------------------------------

FORMAT_SPEC = re.compile(r"[+\- ]?#?0?[0-9]*(\.[0-9]+)?[deEfFgG%]?")
"""A placeholder's format: width, precision and type only (no fill character, no alignment,
so that a formatted number can never hold a '/' or make a component '..')."""

FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def placeholders(template: str) -> tuple[list[str], str | None]:
    """The field names of a path template (`ckpt/{epoch:02d}-{val_loss:.2f}.keras`), and a
    problem: a placeholder with attributes, indexes, conversions or another format, or a
    brace out of place."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as e:
        return [], f"'{template}' is not a path template: {e} (write a brace twice, {{{{ }}}})"
    names: list[str] = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not FIELD.fullmatch(name) or conversion or not FORMAT_SPEC.fullmatch(spec or ""):
            shown = (
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
            return names, (
                f"placeholder '{shown}' is not {{NAME}} or {{NAME:FORMAT}} with a number "
                "format such as 02d or .4f"
            )
        names.append(name)
    return names, None


def literal(template: str) -> str:
    """The path a template names with every placeholder filled in (by a digit)."""
    parts = string.Formatter().parse(template)
    return "".join(text + ("0" if name is not None else "") for text, name, _, _ in parts)


def outside(
    path: str, allowed: Sequence[Path], shown: str | None = None, cwd: Path | None = None
) -> str | None:
    """None when `path` (relative to the working directory, symlinks resolved) stays inside it
    or inside one of `allowed`; else the problem, for an error message (naming `shown`, the
    path as written, a template's placeholders included)."""
    shown = path if shown is None else shown
    here = (cwd or Path.cwd()).resolve()
    try:
        target = (here / path).resolve()
    except (OSError, RuntimeError, ValueError) as e:
        return f"'{shown}' cannot be resolved: {e}"
    roots = [here, *(Path(p).resolve() for p in allowed)]
    if any(target == root or target.is_relative_to(root) for root in roots):
        return None
    where = "is absolute and outside" if Path(path).is_absolute() else "leaves"
    return f"'{shown}' {where} the working directory"
