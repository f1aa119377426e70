"""`graphspec schema [-o FILE]`: the JSON Schema of the spec language, for editors."""

from __future__ import annotations

import argparse
import sys

from graphspec.cli.report import Reporter, UsageError

HELP = "print the JSON Schema of the spec language, for editors (no TensorFlow)"
MANY = None
"""Reads no spec."""


def add_arguments(c: argparse.ArgumentParser) -> None:
    c.add_argument("-o", "--output", metavar="FILE", help="write it to FILE instead of stdout")
    c.set_defaults(strict=False, no_source=False)


def run(args: argparse.Namespace, rep: Reporter) -> None:
    from graphspec.files import write_atomically
    from graphspec.views.json_schema import build, dumps

    text = dumps(build())
    if args.output is None:
        sys.stdout.write(text)
        return
    try:
        write_atomically(args.output, lambda tmp: tmp.write_text(text, "utf-8"))
    except OSError as e:
        raise UsageError(f"-o {args.output}: {e.strerror or e}") from e
