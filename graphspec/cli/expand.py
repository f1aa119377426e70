"""`graphspec expand SPEC`: the spec with every block expanded, as a spec that builds the same."""

from __future__ import annotations

import argparse
import sys

from graphspec.cli.options import add_common, check_options
from graphspec.cli.report import Reporter
from graphspec.diagnostics import GraphSpecError

HELP = "print the spec with every block expanded"
MANY = False


def add_arguments(c: argparse.ArgumentParser) -> None:
    add_common(c)


def run(args: argparse.Namespace, rep: Reporter) -> None:
    from graphspec.api import check
    from graphspec.views.expand import expanded
    from graphspec.views.spec_yaml import to_yaml

    try:
        checked = check(args.spec, **check_options(args))
    except GraphSpecError as e:
        rep.report(e.diagnostics)
        return
    rep.report(checked.warnings)
    sys.stdout.write(to_yaml(expanded(checked.spec, checked.program)))
