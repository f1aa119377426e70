"""`graphspec validate SPEC…`: every check before building, without TensorFlow."""

from __future__ import annotations

import argparse

from graphspec.cli.options import add_common, check_options
from graphspec.cli.report import Reporter
from graphspec.diagnostics import GraphSpecError

HELP = "check specs without building them (no TensorFlow)"
MANY = True


def add_arguments(c: argparse.ArgumentParser) -> None:
    add_common(c)


def run(args: argparse.Namespace, rep: Reporter) -> None:
    from graphspec.api import check

    options = check_options(args)
    for spec in args.specs:
        try:
            rep.report(check(spec, **options).warnings)
        except GraphSpecError as e:
            rep.report(e.diagnostics)
