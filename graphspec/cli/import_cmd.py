"""`graphspec import MODEL.keras | --application NAME [--input-shape H,W,C] [-o SPEC.yaml]`:
write the spec of a Keras model; nothing is written when the model cannot be expressed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from graphspec.cli.options import user_layers
from graphspec.cli.report import Reporter, UsageError
from graphspec.diagnostics import GraphSpecError

HELP = "write the spec of a Keras model (a .keras file or a keras.applications model)"
MANY = None
SPEC_SUFFIXES = (".yaml", ".yml")


def add_arguments(c: argparse.ArgumentParser) -> None:
    c.add_argument("model", nargs="?", metavar="MODEL.keras", help="a saved Keras model")
    c.add_argument("--application", metavar="NAME", help="a keras.applications model instead")
    c.add_argument(
        "--input-shape", metavar="H,W,C", help="the application's input shape (Keras's default)"
    )
    c.add_argument("-o", "--output", metavar="SPEC.yaml", help="where to write (default: stdout)")
    c.add_argument("--blocks", action="store_true", help="fold repeated structures into blocks")
    c.add_argument(
        "--expect",
        action="store_true",
        help="add the model's parameter counts and output shapes as `expect:` facts",
    )
    c.add_argument(
        "--custom-objects",
        action="append",
        default=[],
        metavar="MODULE:NAME",
        help="a user-defined layer class the model uses (imports MODULE)",
    )
    c.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="MODULE",
        help="the layer classes MODULE offers (imports MODULE)",
    )
    c.add_argument("--no-source", action="store_true", help=argparse.SUPPRESS)
    c.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="diagnostics as text on stderr, or as one JSON object on stdout",
    )
    c.set_defaults(strict=False)


def _shape(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        shape = tuple(int(part) for part in text.split(","))
    except ValueError:
        shape = ()
    if not shape or any(d <= 0 for d in shape):
        raise UsageError(f"--input-shape takes positive integers H,W,C, got '{text}'")
    return shape


def _checked(args: argparse.Namespace) -> tuple[Path | None, tuple[int, ...] | None]:
    """The output path and input shape, every option checked before Keras is imported."""
    if (args.model is None) == (args.application is None):
        raise UsageError("give a MODEL.keras file or --application NAME (one of the two)")
    if args.model is not None and args.input_shape is not None:
        raise UsageError("--input-shape goes with --application (a saved model has its shape)")
    if args.model is not None:
        model = Path(args.model)
        if not model.is_file():
            raise UsageError(f"no such model file: {args.model}")
        if model.suffix != ".keras":
            raise UsageError(f"{args.model}: a saved model is a .keras file")
    out = Path(args.output) if args.output else None
    if out is None and args.format == "json":
        raise UsageError("--format json prints diagnostics on stdout: write the spec with -o")
    if out is not None and out.suffix not in SPEC_SUFFIXES:
        raise UsageError(f"-o {out}: a spec is a .yaml or .yml file")
    if out is not None and not out.parent.is_dir():
        raise UsageError(f"-o {out}: no such directory: {out.parent}")
    return out, _shape(args.input_shape)


def _model(args: argparse.Namespace, shape: Any, custom: dict[str, Any]) -> tuple[Any, str]:
    from graphspec.keras.importer.sources import SourceError, application, load_keras_file

    if args.application is not None:
        try:
            return application(args.application, shape), f"<application {args.application}>"
        except SourceError as e:
            raise UsageError(str(e)) from e
    return load_keras_file(args.model, custom), str(args.model)


def run(args: argparse.Namespace, rep: Reporter) -> None:
    from graphspec.api import from_keras
    from graphspec.files import write_atomically

    out, shape = _checked(args)
    custom = user_layers(args)
    try:
        model, source = _model(args, shape, custom)
        text = from_keras(
            model, custom_objects=custom, blocks=args.blocks, expect=args.expect, source=source
        )
    except GraphSpecError as e:
        rep.report(e.diagnostics)
        return
    if out is None:
        sys.stdout.write(text)
        return
    try:
        write_atomically(out, lambda tmp: tmp.write_text(text, "utf-8"))
    except OSError as e:
        raise UsageError(f"-o {out}: cannot write: {e.strerror or e}") from e
    print(f"wrote {out}", file=sys.stderr)
