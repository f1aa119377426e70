"""`graphspec build SPEC [-o OUT.keras] [-q]`: build, print the summary, save."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graphspec.cli.options import (
    add_backend,
    add_common,
    add_max_params,
    built,
    keras_output,
    save,
    use_backend,
)
from graphspec.cli.report import Reporter

HELP = "build a spec, print its summary and save it"
MANY = False


def add_arguments(c: argparse.ArgumentParser) -> None:
    add_common(c)
    add_max_params(c)
    add_backend(c)
    c.add_argument("-o", "--output", metavar="OUT.keras", help="where to save")
    c.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing but what fails the run"
    )


def run(args: argparse.Namespace, rep: Reporter) -> None:
    use_backend(args)
    out = keras_output(args.output or f"{Path(args.spec).stem}.keras")
    found = built(args.spec, args, rep)
    if found is None:
        return
    _, model = found
    if not args.quiet and args.format == "text":
        model.summary(print_fn=lambda line, *a, **k: print(line, file=sys.stdout))
    save(model, out, args.spec, rep)
