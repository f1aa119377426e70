"""`graphspec check SPEC…`: build each spec and verify its `expect:` facts."""

from __future__ import annotations

import argparse

from graphspec.cli.options import add_backend, add_common, add_max_params, built, use_backend
from graphspec.cli.report import Reporter
from graphspec.diagnostics import GraphSpecError

HELP = "build specs and verify their `expect:` facts"
MANY = True


def add_arguments(c: argparse.ArgumentParser) -> None:
    add_common(c)
    add_max_params(c)
    add_backend(c)


def run(args: argparse.Namespace, rep: Reporter) -> None:
    from graphspec.keras.expect import check_expect

    use_backend(args)
    for spec in args.specs:  # each one checked and reported, whatever the others gave
        found = built(spec, args, rep)
        if found is None:
            continue
        checked, model = found
        assert checked.spec.document is not None  # loaded from a file
        try:
            check_expect(checked.spec, checked.spec.document, model)
        except GraphSpecError as e:
            rep.report(e.diagnostics)
        else:
            rep.say(f"{spec}: ok ({model.count_params():,} parameters)")
