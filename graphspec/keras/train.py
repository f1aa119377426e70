"""`graphspec fit` in three steps: build the model (`build_model`: build, freeze, compile — what a
distribution strategy's scope wraps), prepare its data (`prepare`), train it (`train`)."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from graphspec.caps import DEFAULT_MAX_PARAMS
from graphspec.diagnostics import BuildError, Code, Diagnostic, codes, suggest
from graphspec.ir import CompileIR, Named, Origin, Program
from graphspec.keras import compat
from graphspec.keras.callbacks import RunError, keras_callbacks
from graphspec.keras.compile import compile_model
from graphspec.keras.data import Arrays, read
from graphspec.keras.emit import Emitter, emit
from graphspec.keras.signature import Signature, signature
from graphspec.keras.synthetic import synthetic
from graphspec.syntax.schema import Fit, Spec

NO_LOSS = "the spec has no loss: give one in `compile:` or on its outputs, or with --loss NAME"


class Interrupted(Exception):
    """Ctrl-C stopped the training; `done` epochs of `epochs` were complete."""

    def __init__(self, done: int, epochs: int) -> None:
        super().__init__(f"interrupted after {done} of {epochs} epochs")
        self.done, self.epochs = done, epochs


@dataclass(frozen=True)
class Trainable:
    """`--freeze` / `--unfreeze`: shared entries (by id, their Keras name) made non-trainable
    or trainable for this run, whatever the spec says."""

    freeze: tuple[str, ...] = ()
    unfreeze: tuple[str, ...] = ()

    def changes(self) -> dict[str, bool]:
        return {**dict.fromkeys(self.freeze, False), **dict.fromkeys(self.unfreeze, True)}


# ---- 1. build ---------------------------------------------------------------------------------


def with_loss(program: Program, loss: str | None) -> Program:
    """The program with `--loss NAME` as its model-wide loss (the spec must have none), or
    as it is when it has its own; RunError when it has neither (nothing to train on)."""
    compiled = program.compile
    has_loss = compiled is not None and compiled.loss is not None
    if loss is None:
        if not has_loss:
            raise RunError(NO_LOSS)
        return program
    if has_loss:
        raise RunError(f"--loss {loss}: the spec gives its loss already")
    settings = compiled or CompileIR(Named("optimizers", "rmsprop"), None, {}, {}, {})
    return replace(program, compile=replace(settings, loss=Named("losses", loss)))


def build_model(
    program: Program,
    shared_ids: Sequence[str],
    trainable: Trainable = Trainable(),
    custom_objects: Mapping[str, Any] | None = None,
    max_params: int = DEFAULT_MAX_PARAMS,
    seed: int | None = None,
    weights: Path | None = None,
) -> Any:
    """Build and compile the program's model, with the weights of an earlier run (`weights`,
    a .keras or .weights.h5 file) and `trainable`'s overrides (re-compiled after, as Keras
    requires). BuildError on the spec; RunError on an unknown shared id or unloadable weights."""
    changes = trainable.changes()
    unknown = [i for i in changes if i not in shared_ids]
    if unknown:
        choices = list(shared_ids)
        known = f"its shared entries: {', '.join(choices)}" if choices else "it has none"
        raise RunError(
            f"--freeze/--unfreeze: '{unknown[0]}' is not a shared entry of the spec"
            f"{suggest(unknown[0], choices)} ({known})"
        )
    if seed is not None:
        compat.set_random_seed(seed)
    model = emit(program, custom_objects, max_params)
    if weights is not None:
        load_weights(model, weights)
    for sid, value in changes.items():
        try:
            model.get_layer(sid).trainable = value
        except ValueError as e:
            raise RunError(f"'{sid}': no layer of the built model has that name ({e})") from e
    if changes and program.compile is not None:
        _recompile(model, program, custom_objects or {})
    return model


def load_weights(model: Any, path: Path) -> None:
    """Weights saved by an earlier `graphspec fit -o` (or ModelCheckpoint) of the same spec;
    only the weights are read, never a model's configuration or code. A file whose weights
    do not all fit is refused (Keras only warns, and keeps fresh weights where they do not);
    the optimizer's state is not loaded, as this run compiles a new optimizer."""
    if not path.name.endswith((".keras", ".weights.h5")):
        raise RunError(f"--load-weights {path}: give a .keras or .weights.h5 file")
    if not path.is_file():
        raise RunError(f"--load-weights {path}: no such file")
    try:
        with warnings.catch_warnings(record=True) as caught, compat.quiet_stderr():
            warnings.simplefilter("always")
            model.load_weights(path)
    except Exception as e:
        raise RunError(f"--load-weights {path}: Keras could not load them: {one_line(e)}") from e
    skipped = [str(w.message) for w in caught if "optimizer" not in str(w.message)]
    if skipped:
        raise RunError(
            f"--load-weights {path}: not every weight fits: {' '.join(skipped[0].split())}"
        )


def _recompile(model: Any, program: Program, custom_objects: Mapping[str, Any]) -> None:
    assert program.compile is not None
    try:
        compile_model(Emitter(program, custom_objects).named, model, program.compile)
    except Exception as e:
        message = f"Keras refused to compile: {one_line(e)}"
        raise BuildError(_diagnostic(program, message, codes.KERAS_REFUSED_TO_COMPILE)) from e


def one_line(e: BaseException) -> str:
    """Keras's message on one line (its name when it has none)."""
    return " ".join(str(e).split()) or type(e).__name__


def _diagnostic(
    program: Program, message: str, code: Code, path: tuple[str, ...] = ("compile",)
) -> Diagnostic:
    origin = program.graph.origin
    if origin is None:
        return Diagnostic(message, "<spec>", code=code)
    return Origin(origin.doc, path).diagnostic(message, code=code)


# ---- 2. prepare -------------------------------------------------------------------------------


@dataclass
class Prepared:
    """The arrays one run trains on (and validates on, when given)."""

    signature: Signature
    train: Arrays
    validation: Arrays | None = None


def prepare(
    model: Any,
    program: Program,
    *,
    data: Path | None = None,
    rows: int | None = None,
    seed: int = 0,
    length: int | None = None,
    validation: Path | None = None,
) -> Prepared:
    """The training arrays, from `data` (an .npz, untrusted) or `rows` synthetic examples;
    DataError names the file and array that does not fit the model."""
    sig = signature(model, program)
    if data is not None:
        train = read(data, "--data", sig)
    else:
        assert rows is not None
        train = synthetic(model, sig, rows, seed, length)
    checked = read(validation, "--validation-data", sig) if validation is not None else None
    return Prepared(sig, train, checked)


# ---- 3. train ---------------------------------------------------------------------------------


def _bare(arrays: dict[str, Any]) -> Any:
    """Keras takes one input or target bare, several by name."""
    return next(iter(arrays.values())) if len(arrays) == 1 else arrays


def verbosity() -> int:
    """Keras's progress bar on a terminal; one line per epoch otherwise (no carriage
    returns or escape codes in a log file)."""
    isatty = getattr(sys.stdout, "isatty", None)
    return 1 if isatty is not None and isatty() else 2


def train(
    model: Any,
    spec: Spec,
    program: Program,
    prepared: Prepared,
    *,
    epochs: int | None = None,
    batch_size: int | None = None,
    validation_split: float | None = None,
    allowed: Sequence[Path] = (),
    verbose: int | None = None,
) -> Any:
    """Fit with the spec's `fit:` settings, the command line's overriding them; returns the
    History. Interrupted on Ctrl-C, BuildError when Keras fails to train."""
    if not getattr(model, "compiled", False) or getattr(model, "loss", None) is None:
        raise RunError(NO_LOSS)
    settings = spec.fit or Fit()
    if validation_split is not None:
        settings = settings.model_copy(update={"validation_split": validation_split})
    validation = prepared.validation
    has_validation = validation is not None or settings.validation_split > 0
    callbacks = keras_callbacks(spec, program, allowed, has_validation)
    total = epochs or settings.epochs
    held_out = None if validation is None else (_bare(validation.x), _bare(validation.y))
    try:
        return model.fit(
            _bare(prepared.train.x),
            _bare(prepared.train.y),
            epochs=total,
            batch_size=batch_size or settings.batch_size,
            validation_split=settings.validation_split if validation is None else 0.0,
            validation_data=held_out,
            shuffle=settings.shuffle,
            callbacks=callbacks,
            verbose=verbosity() if verbose is None else verbose,
        )
    except KeyboardInterrupt as e:
        history = getattr(model, "history", None)
        raise Interrupted(len(getattr(history, "epoch", [])), total) from e
    except Exception as e:
        path = ("fit",) if spec.fit is not None else ()
        message = f"Keras failed to train: {one_line(e)}"
        raise BuildError(_diagnostic(program, message, codes.KERAS_FAILED_TO_TRAIN, path)) from e
