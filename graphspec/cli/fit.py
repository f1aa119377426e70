"""`graphspec fit SPEC (--data D.npz | --synthetic N)`: build, train with the spec's `fit:`
settings and callbacks, save the model, the history and its plot."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from graphspec.cli import distributed
from graphspec.cli.options import (
    add_backend,
    add_common,
    add_max_params,
    check_options,
    keras_output,
    positive,
    save,
    use_backend,
)
from graphspec.cli.report import Reporter, UsageError
from graphspec.diagnostics import GraphSpecError

HELP = "build a spec and train it on arrays from an .npz file, or on random data"
MANY = False

EXIT_INTERRUPTED = 130
"""Ctrl-C: 128 + SIGINT, as shells report it."""


def fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction 0 <= F < 1, got {text!r}")
    return value


def add_arguments(c: argparse.ArgumentParser) -> None:
    add_common(c)
    add_max_params(c)
    add_backend(c)
    source = c.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--data", metavar="FILE.npz", help="arrays named by input ids and output ids"
    )
    source.add_argument(
        "--synthetic",
        type=positive,
        metavar="N",
        help="train on N random examples of the shapes and dtypes the model takes and gives",
    )
    c.add_argument(
        "--seed",
        type=int,
        metavar="S",
        help="seed the random data (default 0) and Keras (weights, dropout, shuffling)",
    )
    c.add_argument(
        "--length",
        type=positive,
        metavar="L",
        help="--synthetic: the size of unknown (null) dimensions (default 32, or the "
        "smallest power of two the model takes)",
    )
    c.add_argument("--epochs", type=positive, help="override fit.epochs")
    c.add_argument("--batch-size", type=positive, help="override fit.batch_size")
    c.add_argument(
        "--validation-data", metavar="FILE.npz", help="validate on these arrays every epoch"
    )
    c.add_argument(
        "--validation-split",
        type=fraction,
        metavar="F",
        help="override fit.validation_split: hold out this fraction of the data (0 <= F < 1)",
    )
    _model_arguments(c)
    _output_arguments(c)
    distributed.add_arguments(c)


def _model_arguments(c: argparse.ArgumentParser) -> None:
    """What changes the model for this run: a loss, trainability, starting weights."""
    c.add_argument("--loss", metavar="NAME", help="a Keras loss for a spec that has none")
    c.add_argument(
        "--freeze",
        nargs="+",
        action="extend",
        default=[],
        metavar="ID",
        help="make these shared entries non-trainable for this run",
    )
    c.add_argument(
        "--unfreeze",
        nargs="+",
        action="extend",
        default=[],
        metavar="ID",
        help="make these shared entries trainable for this run",
    )
    c.add_argument(
        "--load-weights",
        metavar="FILE",
        help="start from the weights of an earlier run (.keras or .weights.h5)",
    )


def _output_arguments(c: argparse.ArgumentParser) -> None:
    """What the run writes: the model, its history, the history's picture."""
    c.add_argument("-o", "--output", metavar="OUT.keras", help="save the trained model")
    c.add_argument("--history", metavar="H.json", help="write Keras's History as JSON")
    c.add_argument(
        "--plot-history",
        metavar="H.png",
        help="draw every loss and metric per epoch, train and validation (.png, .svg, .pdf)",
    )


def early_checks(args: argparse.Namespace) -> Path | None:
    """What can be refused before anything is built; returns the -o target."""
    from graphspec.catalog import registry
    from graphspec.diagnostics import Problem
    from graphspec.keras.history import PlotUnavailable, check_plot_target

    out = keras_output(args.output) if args.output else None
    both = sorted(set(args.freeze) & set(args.unfreeze))
    if both:
        raise UsageError(f"--freeze and --unfreeze both name {', '.join(both)}")
    if args.history and Path(args.history).suffix != ".json":
        raise UsageError(f"--history {args.history}: the history is written as .json")
    if args.plot_history:
        try:
            check_plot_target(Path(args.plot_history))
        except PlotUnavailable as e:
            raise UsageError(str(e)) from e
    if args.data is not None and args.length is not None:
        raise UsageError("--length is for --synthetic data; --data gives its own shapes")
    if args.loss is not None:
        try:
            registry.check_name("losses", args.loss)
        except Problem as e:
            raise UsageError(f"--loss: {e}") from e
    for option, value in (("--data", args.data), ("--validation-data", args.validation_data)):
        if value is not None and not Path(value).is_file():
            raise UsageError(f"{option} {value}: no such file")
    return out


def run(args: argparse.Namespace, rep: Reporter) -> None:
    try:
        _run(args, rep)
    except KeyboardInterrupt:
        _stop(rep, "interrupted; nothing was saved")


def _stop(rep: Reporter, message: str) -> None:
    print(f"graphspec fit: {message}", file=sys.stderr)
    rep.finish()
    raise SystemExit(EXIT_INTERRUPTED)


def _run(args: argparse.Namespace, rep: Reporter) -> None:
    from graphspec.api import check
    from graphspec.keras.callbacks import RunError
    from graphspec.keras.data import DataError

    out = early_checks(args)
    backend = use_backend(args)
    options = check_options(args)
    try:
        checked = check(args.spec, **options)
        rep.report(checked.warnings)
        if rep.failed:
            return
        session = distributed.session(args, backend, checked.spec)
        history = _fit(args, checked, options["custom_objects"], rep, session)
    except GraphSpecError as e:
        rep.report(e.diagnostics)
        return
    except (RunError, DataError) as e:
        raise UsageError(str(e)) from e
    if history is None:
        return
    try:
        if session.writes:  # only process 0 of a job
            if out is not None:
                save(history.model, out, args.spec, rep)
            _write_history(args, history)
    finally:
        session.barrier()


def _fit(
    args: argparse.Namespace, checked: Any, custom: dict[str, Any], rep: Reporter, session: Any
) -> Any:
    from graphspec.keras import train

    program = train.with_loss(checked.program, args.loss)
    model = _model(args, checked, program, custom, session)
    if args.freeze or args.unfreeze:
        print(_trainable_line(model, args))
    prepared, batch = _data(args, checked, program, model, session)
    try:
        with session.training(model):
            history = train.train(
                model,
                checked.spec,
                program,
                prepared,
                epochs=args.epochs,
                batch_size=batch,
                validation_split=args.validation_split,
                allowed=tuple(Path(p) for p in args.allow_path),
                verbose=None if session.writes else 0,
            )
        distributed.end(session, model)
        return history
    except GraphSpecError as e:
        if session.job.several:
            distributed.lost(session, e)
        raise
    except train.Interrupted as e:
        written = f"; -o {args.output} was not written" if args.output else ""
        _stop(
            rep,
            f"interrupted during epoch {e.done + 1} of {e.epochs} ({e.done} complete)"
            f"{written}; checkpoints already written are kept whole",
        )
    return None


def _model(
    args: argparse.Namespace, checked: Any, program: Any, custom: dict[str, Any], session: Any
) -> Any:
    """The model to train, built in the session's scope (graphspec allocates its variables
    late, so the whole build is inside it), --freeze/--unfreeze and --load-weights applied."""
    from graphspec.keras import train

    with session.scope():
        return train.build_model(
            program,
            list(checked.spec.shared),
            train.Trainable(tuple(args.freeze), tuple(args.unfreeze)),
            custom,
            args.max_params,
            session.seed(args.seed),
            Path(args.load_weights) if args.load_weights else None,
        )


def _data(
    args: argparse.Namespace, checked: Any, program: Any, model: Any, session: Any
) -> tuple[Any, int | None]:
    """The training data (--data, --synthetic, --validation-data) and the batch size; in a
    distributed job, this worker's shard and its share of the global batch."""
    from graphspec.keras import train

    prepared = train.prepare(
        model,
        program,
        data=Path(args.data) if args.data else None,
        rows=args.synthetic,
        seed=0 if args.seed is None else args.seed,
        length=args.length,
        validation=Path(args.validation_data) if args.validation_data else None,
    )
    batch: int | None = args.batch_size
    if session.job.mode is not None:
        settings = checked.spec.fit
        batch = batch or (settings.batch_size if settings is not None else None) or 32
        prepared, batch = session.shard(prepared, batch)
    return prepared, batch


def _trainable_line(model: Any, args: argparse.Namespace) -> str:
    def count(weights: Any) -> int:
        return sum(math.prod(w.shape) for w in weights)

    frozen = ", ".join(args.freeze) or "none"
    unfrozen = ", ".join(args.unfreeze) or "none"
    return (
        f"trainable parameters: {count(model.trainable_weights):,} of "
        f"{count(model.weights):,} (frozen: {frozen}; unfrozen: {unfrozen})"
    )


def _write_history(args: argparse.Namespace, history: Any) -> None:
    from graphspec.keras.history import plot_history, write_history

    for option, value, write in (
        ("--history", args.history, write_history),
        ("--plot-history", args.plot_history, plot_history),
    ):
        if value is None:
            continue
        try:
            write(history, Path(value))
        except OSError as e:
            raise UsageError(f"{option} {value}: cannot write: {e.strerror or e}") from e
        print(f"wrote {value}")
