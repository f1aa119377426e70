"""The command line: validate, build, check, expand, fit (thin: parsing, printing, exit codes)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections import Counter
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
            "--plugin",
            action="append",
            default=[],
            metavar="MODULE",
            help="admit the layer classes MODULE offers (imports MODULE)",
        )
        c.add_argument(
            "--no-source",
            action="store_true",
            help="print diagnostics without the offending source line",
        )
        c.add_argument(
            "--format",
            choices=("text", "json"),
            default="text",
            help="text: compiler-style lines on stderr (the default); json: one object "
            '{"diagnostics": [...], "errors": N, "warnings": N} on stdout, and nothing else '
            "there: build prints no summary, and other output (saved …, ok …, the expanded "
            "spec, training progress) goes to stderr",
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
    help = "print the JSON Schema of the spec language, for editors (no TensorFlow)"
    c = sub.add_parser("schema", help=help, description=help)
    c.add_argument("-o", "--output", metavar="FILE", help="write it to FILE instead of stdout")
    c.set_defaults(strict=False, no_source=False)
    return p


class Reporter:
    """Prints diagnostics compiler-style (or, `json`, as one object at the end) and remembers
    whether any failed the run."""

    def __init__(self, out: TextIO, strict: bool, show_source: bool, format: str = "text") -> None:
        self.out, self.strict, self.show_source, self.format = out, strict, show_source, format
        self.failed = False
        self.reported: list[Diagnostic] = []
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
            self.reported.append(d)
            if self.format == "text":
                src = self.source(d.file) if self.show_source else None
                print(d.format(src), file=self.out)

    def finish(self) -> None:
        """`json`: print every diagnostic reported, with the counts, as one object."""
        if self.format != "json":
            return
        counts = Counter(d.severity for d in self.reported)
        summary = {
            "diagnostics": [d.to_json() for d in self.reported],
            "errors": counts["error"],
            "warnings": counts["warning"],
            "notes": counts["note"],
        }
        print(json.dumps(summary, ensure_ascii=False), file=self.out)


def _user_layers(args: argparse.Namespace) -> dict[str, Any]:
    """--custom-objects and --plugin classes together; one name may not mean two classes."""
    from graphspec.plugins import PluginError, custom_objects, load_plugins

    try:
        found = custom_objects(args.custom_objects)
        plugins = load_plugins(args.plugin)
    except PluginError as e:
        raise UsageError(str(e)) from e
    for name, cls in plugins.items():
        if found.setdefault(name, cls) is not cls:
            raise UsageError(f"--plugin: layer '{name}' is also given by --custom-objects")
    return found


def _options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "custom_objects": _user_layers(args),
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


def _output(option: str) -> Path:
    from graphspec.save import keras_target

    try:
        return keras_target(option)
    except ValueError as e:
        raise UsageError(f"-o {e}") from e


def _save(model: Any, out: Path, spec: str, rep: Reporter) -> None:
    """Save atomically: on failure the old file, if any, is left byte-identical."""
    from graphspec.save import SaveError, save_model

    try:
        save_model(model, out)
    except OSError as e:
        raise UsageError(f"-o {out}: cannot write: {e.strerror or e}") from e
    except SaveError as e:
        rep.report([Diagnostic(f"{e} ({out} is unchanged)", spec, code="GS608")])
        return
    print(f"saved {out}")


def cmd_build(args: argparse.Namespace, rep: Reporter) -> None:
    out = _output(args.output or f"{Path(args.spec).stem}.keras")
    built = _built(args.spec, args, rep)
    if built is None:
        return
    _, model = built
    if not args.quiet and args.format == "text":
        model.summary(print_fn=lambda line, *a, **k: print(line, file=sys.stdout))
    _save(model, out, args.spec, rep)


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

    out = _output(args.output) if args.output else None
    built = _built(args.spec, args, rep)
    if built is None:
        return
    checked, model = built
    try:
        fit(checked.spec, model, Path(args.data), args.epochs, args.batch_size)
    except ValueError as e:
        raise UsageError(str(e)) from e
    if out is not None:
        _save(model, out, args.spec, rep)


def cmd_schema(args: argparse.Namespace, rep: Reporter) -> None:
    from graphspec.json_schema import build, dumps

    text = dumps(build())
    if args.output is None:
        sys.stdout.write(text)
        return
    from graphspec.save import write_atomically

    try:
        write_atomically(args.output, lambda tmp: tmp.write_text(text, "utf-8"))
    except OSError as e:
        raise UsageError(f"-o {args.output}: {e.strerror or e}") from e


COMMANDS = {
    "validate": cmd_validate,
    "build": cmd_build,
    "check": cmd_check,
    "expand": cmd_expand,
    "fit": cmd_fit,
    "schema": cmd_schema,
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
    fmt = getattr(args, "format", "text")
    as_json = fmt == "json"
    rep = Reporter(sys.stdout if as_json else sys.stderr, args.strict, not args.no_source, fmt)
    try:
        for spec in getattr(args, "specs", None) or ([args.spec] if "spec" in args else []):
            if not Path(spec).is_file():
                raise UsageError(f"no such spec file: {spec}")
        with contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext():
            COMMANDS[args.command](args, rep)
    except UsageError as e:
        print(f"graphspec {args.command}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    rep.finish()
    return EXIT_INVALID if rep.failed else EXIT_OK


def run() -> None:
    sys.exit(main())
