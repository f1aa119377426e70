"""The argument parser: the program's options, and one sub-parser per command module."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from functools import cache
from types import ModuleType

from graphspec.cli import (
    build,
    check,
    expand,
    fit,
    import_cmd,
    plot,
    schema,
    summary,
    validate,
)

COMMANDS: dict[str, ModuleType] = {
    "validate": validate,
    "build": build,
    "check": check,
    "fit": fit,
    "expand": expand,
    "schema": schema,
    "plot": plot,
    "summary": summary,
    "import": import_cmd,
}
"""Each command's module: HELP, MANY (SPEC… for True, SPEC for False, none for None),
add_arguments(parser) and run(args, reporter)."""


def parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; given the arguments, only the command they name gets its own arguments
    (the others are listed, for --help: building all costs more than validating 500 nodes).
    Built once per command in a process (main called again, as tests and editors do, reuses
    it: argparse looks up a translation of each help text as it builds, about 1 ms)."""
    named = next((a for a in argv if not a.startswith("-")), None) if argv is not None else None
    return _parser(named if named in COMMANDS else None)


@cache
def _parser(named: str | None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="graphspec",
        description="Compile a YAML spec of a neural network into a Keras functional model.",
    )
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        c = sub.add_parser(name, help=module.HELP, description=module.HELP)
        if named is not None and name != named:
            continue
        if module.MANY is not None:
            many = bool(module.MANY)
            c.add_argument("specs" if many else "spec", nargs="+" if many else None, metavar="SPEC")
        module.add_arguments(c)
    return p
