"""`graphspec plot SPEC [-o FILE] [--depth N]`: the graph as a picture (no TensorFlow)."""

from __future__ import annotations

import argparse
from pathlib import Path

from graphspec.cli.options import add_common, check_options
from graphspec.cli.report import Reporter, UsageError
from graphspec.diagnostics import GraphSpecError

HELP = "draw the graph: .svg, .png, .pdf (with Graphviz), .dot or .mmd (Mermaid)"
MANY = False


def depth(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number 0 or more, got {text!r}")
    return value


def add_arguments(c: argparse.ArgumentParser) -> None:
    add_common(c)
    c.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to draw it, the format from the suffix: .svg (the default: STEM.svg), "
        ".png, .pdf, .dot, .mmd",
    )
    c.add_argument(
        "--depth",
        type=depth,
        metavar="N",
        help="draw block copies and sub-models nested deeper than N as one box each "
        "(0: every top-level block use is one box)",
    )


def run(args: argparse.Namespace, rep: Reporter) -> None:
    from graphspec.api import check_partially
    from graphspec.views.plot import SUFFIXES, PlotError, picture, write

    out = Path(args.output or f"{Path(args.spec).stem}.svg")
    if out.suffix.lower() not in SUFFIXES:
        raise UsageError(
            f"-o {out}: the format comes from the suffix, one of {', '.join(SUFFIXES)}"
        )
    try:
        found = check_partially(args.spec, **check_options(args))
    except GraphSpecError as e:
        rep.report(e.diagnostics)
        return
    rep.report(found.diagnostics)
    if found.program is None or found.inferred is None:
        return  # nothing resolved that could be drawn
    d = picture(found.program, found.inferred, found.diagnostics, found.document, args.depth)
    try:
        write(d, out)
    except PlotError as e:
        raise UsageError(f"-o {out}: {e}") from e
    except OSError as e:
        raise UsageError(f"-o {out}: cannot write: {e.strerror or e}") from e
    print(f"wrote {out}")
