"""The spec's `fit.callbacks` as Keras's own callback objects, checked again for this run (the
working directory, validation data), each holding Ctrl-C back while it writes a file."""

from __future__ import annotations

import importlib.util
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graphspec.diagnostics import BuildError, Code, Diagnostic, codes
from graphspec.ir import Program
from graphspec.keras import compat
from graphspec.resolve.callbacks import CALLBACKS, PATH_KINDS
from graphspec.resolve.fit_settings import (
    Callback,
    callbacks_of,
    logged_names,
    monitorable,
    path_problems,
)
from graphspec.syntax.schema import Spec

_held = 0
"""How deep the current thread is in `held_interrupts` blocks (the main thread only)."""


@contextmanager
def held_interrupts() -> Iterator[None]:
    """Run the block with Ctrl-C (SIGINT) held back; one that came meanwhile is raised as
    KeyboardInterrupt when the block ends, so that a file being written is never cut off.
    Outside the main thread (where signals cannot be handled) the block runs as is, and where
    SIGINT is ignored (a process started by nohup, or in the background of a script) it stays
    ignored."""
    global _held
    if (
        threading.current_thread() is not threading.main_thread()
        or _held
        or signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    ):
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    _held += 1
    try:
        yield
    finally:
        _held -= 1
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


_HOLDING: dict[type, type] = {}


def holding(cls: type) -> type:
    """A subclass of the Keras callback `cls` whose own hooks (those it overrides) run with
    Ctrl-C held back: a checkpoint, CSV row or TensorBoard event is written whole or not begun."""
    if cls not in _HOLDING:
        base = compat.keras().callbacks.Callback
        sub = type(cls.__name__, (cls,), {"__module__": __name__, "__doc__": cls.__doc__})
        for name in dir(base):
            if name.startswith("on_") and getattr(cls, name) is not getattr(base, name):
                setattr(sub, name, _held_hook(sub, name))
        _HOLDING[cls] = sub
    return _HOLDING[cls]


def _held_hook(sub: type, name: str) -> Any:
    def hook(self: Any, *args: Any, **kwargs: Any) -> Any:
        with held_interrupts():
            return getattr(super(sub, self), name)(*args, **kwargs)

    hook.__name__ = name
    return hook


class RunError(ValueError):
    """A setting that does not fit this run (a usage error): the message says which."""


def keras_callbacks(
    spec: Spec, program: Program, allowed: Sequence[Path], validation: bool
) -> list[Any]:
    """The spec's callbacks, constructed; RunError when one monitors validation quantities in
    a run without validation data, BuildError with every path or constructor problem."""
    calls = callbacks_of(spec)
    logged = logged_names(program.graph.outputs, program.compile)
    choices = None if logged is None else monitorable(logged, calls, validation)
    problems: list[Diagnostic] = []
    built = []
    for c in calls:
        needs_validation(c, choices, validation)
        needs_package(c)
        for key, arg in CALLBACKS[c.name].items():
            if arg.kind in PATH_KINDS:
                for message, code in path_problems(c, key, c.argument(key), choices, allowed):
                    problems.append(
                        _diagnostic(spec, c, key, f"{c.name}'s '{key}': {message}", code)
                    )
        callback = _construct(spec, c, problems)
        if callback is not None:
            built.append(callback)
    if problems:
        raise BuildError(problems)
    for c in calls:
        if c.name == "CSVLogger":  # Keras's CSVLogger, unlike the others, needs its directory
            _make_parent(Path(c.argument("filename")))
    return built


def _make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RunError(f"cannot make the directory of {path}: {e.strerror or e}") from e


def needs_validation(c: Callback, choices: frozenset[str] | None, validation: bool) -> None:
    """A `val_` quantity (monitored, or a checkpoint path's placeholder) needs validation data."""
    if validation:
        return
    monitor = c.argument("monitor") if "monitor" in CALLBACKS[c.name] and c.monitors else ""
    default = "" if "monitor" in c.kwargs else " (its default)"
    if str(monitor).startswith("val_"):
        raise RunError(
            f"{c.name} (fit.callbacks[{c.path[-1]}]) monitors '{monitor}'{default}, but this "
            "run has no validation data: give --validation-data FILE.npz or "
            "fit.validation_split, or monitor a training quantity such as 'loss'"
        )
    if c.name == "ModelCheckpoint" and "{val_" in str(c.argument("filepath")):
        raise RunError(
            f"ModelCheckpoint (fit.callbacks[{c.path[-1]}]) names a validation quantity in "
            "its filepath, but this run has no validation data: give --validation-data "
            "FILE.npz or fit.validation_split"
        )


REQUIRES = {"TensorBoard": "tensorboard"}
"""Callbacks that need a package graphspec does not depend on."""


def needs_package(c: Callback) -> None:
    package = REQUIRES.get(c.name)
    if package is not None and importlib.util.find_spec(package) is None:
        raise RunError(
            f"{c.name} (fit.callbacks[{c.path[-1]}]) needs the {package} package: "
            f"pip install {package}"
        )


def _construct(spec: Spec, c: Callback, problems: list[Diagnostic]) -> Any:
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in c.kwargs.items()}
    cls = getattr(compat.keras().callbacks, c.name)
    try:
        return holding(cls)(**kwargs)
    except Exception as e:
        message = f"Keras refused callback {c.name}: {' '.join(str(e).split()) or type(e).__name__}"
        problems.append(_diagnostic(spec, c, None, message, codes.KERAS_REFUSED_CALLBACK))
        return None


def _diagnostic(spec: Spec, c: Callback, key: str | None, message: str, code: Code) -> Diagnostic:
    doc = spec.document
    where = c.path if key is None else c.where(key)
    if doc is None:
        return Diagnostic(message, "<spec>", code=code)
    return doc.diagnostic(where, message, code=code)
