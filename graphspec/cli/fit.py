"""`graphspec fit SPEC --data D.npz`: build and train on arrays named by input and output ids."""

from __future__ import annotations

import argparse
from pathlib import Path

from graphspec.cli.options import add_common, add_max_params, built, keras_output, save
from graphspec.cli.report import Reporter, UsageError

HELP = "build a spec and train it on arrays from an .npz file"
MANY = False


def add_arguments(c: argparse.ArgumentParser) -> None:
    add_common(c)
    add_max_params(c)
    c.add_argument(
        "--data",
        required=True,
        metavar="FILE.npz",
        help="arrays named by input ids and output ids",
    )
    c.add_argument("--epochs", type=int, help="override fit.epochs")
    c.add_argument("--batch-size", type=int, help="override fit.batch_size")
    c.add_argument("-o", "--output", metavar="OUT.keras", help="save the trained model")


def run(args: argparse.Namespace, rep: Reporter) -> None:
    from graphspec.keras.train import fit

    out = keras_output(args.output) if args.output else None
    found = built(args.spec, args, rep)
    if found is None:
        return
    checked, model = found
    try:
        fit(checked.spec, model, Path(args.data), args.epochs, args.batch_size)
    except ValueError as e:
        raise UsageError(str(e)) from e
    if out is not None:
        save(model, out, args.spec, rep)
