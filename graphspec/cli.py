"""The command line: validate, build, check, expand, fit (thin: parsing, printing, exit codes)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from graphspec.emit import DEFAULT_MAX_PARAMS
from graphspec.errors import Diagnostic, GraphSpecError

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A command-line mistake: exit status 2."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="graphspec",
        description="Compile a YAML spec of a neural network into a Keras functional model.",
    )
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help: str, many: bool) -> argparse.ArgumentParser:
        c = sub.add_parser(name, help=help, description=help)
        c.add_argument("specs" if many else "spec", nargs="+" if many else None, metavar="SPEC")
        c.add_argument("--strict", action="store_true", help="treat warnings as errors")
        c.add_argument(
            "--allow-path",
            action="append",
            default=[],
            metavar="DIR",
            help="let `spec:` includes read files under DIR too",
        )
        c.add_argument(
            "--allow-file-arguments",
            action="store_true",
            help="let preprocessing layers read vocabularies from files",
        )
        c.add_argument(
            "--custom-objects",
            action="append",
            default=[],
            metavar="MODULE:NAME",
            help="admit a user-defined layer class (imports MODULE)",
        )
        c.add_argument(
            "--no-source",
            action="store_true",
            help="print diagnostics without the offending source line",
        )
        return c

    command("validate", "check specs without building them (no TensorFlow)", True)
    for name, help in (
        ("build", "build a spec, print its summary and save it"),
        ("check", "build specs and verify their `expect:` facts"),
        ("fit", "build a spec and train it on arrays from an .npz file"),
    ):
        c = command(name, help, name == "check")
        c.add_argument(
            "--max-params",
            type=int,
            default=DEFAULT_MAX_PARAMS,
            metavar="N",
            help="refuse models with more parameters (default 10^9)",
        )
        if name == "build":
            c.add_argument("-o", "--output", metavar="OUT.keras", help="where to save")
            c.add_argument("-q", "--quiet", action="store_true", help="no summary")
        if name == "fit":
            c.add_argument(
                "--data",
                required=True,
                metavar="FILE.npz",
                help="arrays named by input ids and output ids",
            )
            c.add_argument("--epochs", type=int, help="override fit.epochs")
            c.add_argument("--batch-size", type=int, help="override fit.batch_size")
            c.add_argument("-o", "--output", metavar="OUT.keras", help="save the trained model")
    command("expand", "print the spec with every block expanded", False)
    return p


def _custom_objects(specs: list[str]) -> dict[str, Any]:
    """`module:Name` options: the one place graphspec imports code, because the user said so."""
    found: dict[str, Any] = {}
    for item in specs:
        module, _, name = item.partition(":")
        if not module or not name:
            raise UsageError(f"--custom-objects takes MODULE:NAME, got '{item}'")
        from graphspec.emit import quiet_stderr

        try:
            with quiet_stderr():  # user modules usually import Keras, and so TensorFlow
                found[name] = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as e:
            raise UsageError(f"--custom-objects {item}: {e}") from e
    return found


class Reporter:
    """Prints diagnostics compiler-style and remembers whether any failed the run."""

    def __init__(self, out: TextIO, strict: bool, show_source: bool) -> None:
        self.out, self.strict, self.show_source = out, strict, show_source
        self.failed = False
        self._sources: dict[str, str | None] = {}

    def source(self, file: str) -> str | None:
        if file not in self._sources:
            try:
                self._sources[file] = Path(file).read_text("utf-8")
            except (OSError, UnicodeDecodeError):
                self._sources[file] = None
        return self._sources[file]

    def report(self, diagnostics: Sequence[Diagnostic]) -> None:
        for d in diagnostics:
            if d.severity == "error" or (d.severity == "warning" and self.strict):
                self.failed = True
            src = self.source(d.file) if self.show_source else None
            print(d.format(src), file=self.out)


def _options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "custom_objects": _custom_objects(args.custom_objects),
        "allow_paths": tuple(args.allow_path),
        "allow_file_arguments": args.allow_file_arguments,
    }


def cmd_validate(args: argparse.Namespace, rep: Reporter) -> None:
    from graphspec.api import check

    options = _options(args)
    for spec in args.specs:
        try:
            rep.report(check(spec, **options).warnings)
        except GraphSpecError as e:
            rep.report(e.diagnostics)


def _built(spec: str, args: argparse.Namespace, rep: Reporter) -> tuple[Any, Any] | None:
    from graphspec.api import check
    from graphspec.emit import emit

    options = _options(args)
    try:
        checked = check(spec, **options)
        rep.report(checked.warnings)
        if rep.failed:
            return None
        return checked, emit(checked.program, options["custom_objects"], args.max_params)
    except GraphSpecError as e:
        rep.report(e.diagnostics)
        return None


def cmd_build(args: argparse.Namespace, rep: Reporter) -> None:
    built = _built(args.spec, args, rep)
    if built is None:
        return
    _, model = built
    if not args.quiet:
        model.summary(print_fn=lambda line, *a, **k: print(line, file=sys.stdout))
    out = Path(args.output or f"{Path(args.spec).stem}.keras")
    if out.suffix != ".keras":
        raise UsageError(f"-o {out}: Keras saves whole models to files ending in .keras")
    model.save(out)
    print(f"saved {out}")


def cmd_check(args: argparse.Namespace, rep: Reporter) -> None:
    from graphspec.expect import check_expect

    for spec in args.specs:
        built = _built(spec, args, rep)
        if built is None:
            continue
        checked, model = built
        assert checked.spec.document is not None  # loaded from a file
        try:
            check_expect(checked.spec, checked.spec.document, model)
        except GraphSpecError as e:
            rep.report(e.diagnostics)
        else:
            print(f"{spec}: ok ({model.count_params():,} parameters)")


def cmd_expand(args: argparse.Namespace, rep: Reporter) -> None:
    from graphspec.api import check
    from graphspec.expand import expanded, to_yaml

    try:
        checked = check(args.spec, **_options(args))
    except GraphSpecError as e:
        rep.report(e.diagnostics)
        return
    rep.report(checked.warnings)
    sys.stdout.write(to_yaml(expanded(checked.spec, checked.program)))


def cmd_fit(args: argparse.Namespace, rep: Reporter) -> None:
    from graphspec.train import fit

    built = _built(args.spec, args, rep)
    if built is None:
        return
    checked, model = built
    try:
        fit(checked.spec, model, Path(args.data), args.epochs, args.batch_size)
    except ValueError as e:
        raise UsageError(str(e)) from e
    if args.output:
        model.save(args.output)
        print(f"saved {args.output}")


COMMANDS = {
    "validate": cmd_validate,
    "build": cmd_build,
    "check": cmd_check,
    "expand": cmd_expand,
    "fit": cmd_fit,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.version:
        from graphspec import __version__

        print(f"graphspec {__version__}")
        return EXIT_OK
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    rep = Reporter(sys.stderr, args.strict, not args.no_source)
    try:
        for spec in getattr(args, "specs", None) or [args.spec]:
            if not Path(spec).is_file():
                raise UsageError(f"no such spec file: {spec}")
        COMMANDS[args.command](args, rep)
    except UsageError as e:
        print(f"graphspec {args.command}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_INVALID if rep.failed else EXIT_OK


def run() -> None:
    sys.exit(main())
