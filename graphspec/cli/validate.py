"""`graphspec validate SPEC…`: every check before building, without TensorFlow."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from graphspec.cli.options import add_backend, add_common, add_max_params, check_options
from graphspec.cli.report import Reporter
from graphspec.diagnostics import GraphSpecError

if TYPE_CHECKING:  # `graphspec --help` imports this module: not the compiler
    from graphspec.api import Checked

HELP = "check specs without building them (no TensorFlow)"
MANY = True


def add_arguments(c: argparse.ArgumentParser) -> None:
    add_common(c)
    add_max_params(c)
    add_backend(c)  # checks the spec for that backend (GS640); imports nothing
    c.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing but what fails the run"
    )
    c.add_argument(
        "--only-specs",
        action="store_true",
        help="skip files that are not graphspec specs (no top-level `graphspec:` key), "
        "as the pre-commit hook does",
    )


def run(args: argparse.Namespace, rep: Reporter) -> None:
    from graphspec.caps import paused_gc

    # The whole command without the cyclic GC, reporting and freeing included: re-enabled
    # while a large checked spec is still alive, its next passes would walk every object
    # of it (50,000 nodes: 0.25 s) to find the handful of cycles collected anyway after.
    with paused_gc():
        _check_each(args, rep)


def _check_each(args: argparse.Namespace, rep: Reporter) -> None:
    from graphspec.api import check
    from graphspec.syntax.sniff import is_spec

    options = check_options(args)
    for spec in args.specs:
        if args.only_specs and not is_spec(Path(spec)):
            continue
        try:
            checked = check(spec, **options)
        except GraphSpecError as e:
            rep.report(e.diagnostics)
            continue
        if not rep.report(checked.warnings) and not args.quiet and args.format == "text":
            rep.say(f"{spec}: ok: {facts_line(checked)}")


def facts_line(checked: Checked) -> str:
    """`4 nodes, 3,466 parameters; outputs: dense_3 (None, 10)`: what validate found."""
    program = checked.program
    total = checked.params.total
    params = f"{total.total:,} parameters" if total is not None else "parameters unknown"
    outputs = []
    for o in program.graph.outputs:
        shape = checked.shapes.get(o.ref.target)
        if o.ref.index is not None and isinstance(shape, list):
            shape = shape[o.ref.index] if o.ref.index < len(shape) else None
        outputs.append(f"{o.id} {'unknown' if shape is None else shape}")
    nodes = len(program.graph.nodes)
    return f"{nodes:,} node{'s' if nodes != 1 else ''}, {params}; outputs: {', '.join(outputs)}"
