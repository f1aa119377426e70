"""`graphspec validate SPEC…`: every check before building, without TensorFlow."""

from __future__ import annotations

import argparse
from pathlib import Path

from graphspec.cli.options import add_backend, add_common, check_options
from graphspec.cli.report import Reporter
from graphspec.diagnostics import GraphSpecError

HELP = "check specs without building them (no TensorFlow)"
MANY = True


def add_arguments(c: argparse.ArgumentParser) -> None:
    add_common(c)
    add_backend(c)  # checks the spec for that backend (GS640); imports nothing
    c.add_argument(
        "--only-specs",
        action="store_true",
        help="skip files that are not graphspec specs (no top-level `graphspec:` key), "
        "as the pre-commit hook does",
    )


def run(args: argparse.Namespace, rep: Reporter) -> None:
    from graphspec.api import check
    from graphspec.syntax.sniff import is_spec

    options = check_options(args)
    for spec in args.specs:
        if args.only_specs and not is_spec(Path(spec)):
            continue
        try:
            rep.report(check(spec, **options).warnings)
        except GraphSpecError as e:
            rep.report(e.diagnostics)
