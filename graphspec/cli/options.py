"""What several commands share: the common options, user layers, building, saving."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from graphspec.caps import DEFAULT_MAX_PARAMS
from graphspec.cli.report import Reporter, UsageError
from graphspec.diagnostics import Diagnostic, GraphSpecError, codes


def add_common(c: argparse.ArgumentParser) -> None:
    """The options every command that reads specs takes."""
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


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def add_max_params(c: argparse.ArgumentParser) -> None:
    c.add_argument(
        "--max-params",
        type=int,
        default=DEFAULT_MAX_PARAMS,
        metavar="N",
        help="refuse models with more parameters (default 10^9)",
    )


BACKEND_HELP = (
    "the Keras backend to build on (default: KERAS_BACKEND, else tensorflow), chosen before "
    "Keras is imported; the same spec gives the same model on each"
)


def add_backend(c: argparse.ArgumentParser) -> None:
    """`--backend tensorflow|jax|torch` (a command that builds calls `use_backend` first)."""
    from graphspec.keras.backends import BACKENDS

    c.add_argument("--backend", choices=BACKENDS, help=BACKEND_HELP)


def use_backend(args: argparse.Namespace) -> str:
    """Choose the run's backend (`--backend`, else KERAS_BACKEND, else tensorflow) before
    anything imports Keras; a usage error when it cannot be had in this process."""
    from graphspec.keras.backends import BackendError, select

    try:
        return select(getattr(args, "backend", None))
    except BackendError as e:
        raise UsageError(f"--backend: {e}") from e


def checked_backend(args: argparse.Namespace) -> str:
    """The backend a command that does not build checks the spec for (nothing is imported)."""
    from graphspec.keras.backends import BackendError, chosen

    try:
        return chosen(getattr(args, "backend", None))
    except BackendError as e:
        raise UsageError(f"--backend: {e}") from e


def user_layers(args: argparse.Namespace) -> dict[str, Any]:
    """--custom-objects and --plugin classes together; one name may not mean two classes."""
    from graphspec.keras.plugins import PluginError, custom_objects, load_plugins

    if args.custom_objects or args.plugin:
        use_backend(args)  # the modules import Keras
    try:
        found = custom_objects(args.custom_objects)
        plugins = load_plugins(args.plugin)
    except PluginError as e:
        raise UsageError(str(e)) from e
    for name, cls in plugins.items():
        if found.setdefault(name, cls) is not cls:
            raise UsageError(f"--plugin: layer '{name}' is also given by --custom-objects")
    return found


def check_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of graphspec.check that the command line sets."""
    backend = checked_backend(args)
    return {
        "custom_objects": user_layers(args),
        "allow_paths": tuple(args.allow_path),
        "allow_file_arguments": args.allow_file_arguments,
        "backend": backend,
        "max_params": getattr(args, "max_params", DEFAULT_MAX_PARAMS),
    }


def built(spec: str, args: argparse.Namespace, rep: Reporter) -> tuple[Any, Any] | None:
    """Check and build one spec: (checked, model), or None with its problems reported."""
    from graphspec.api import check
    from graphspec.keras.emit import emit

    options = check_options(args)
    try:
        checked = check(spec, **options)
        if rep.report(checked.warnings):  # this spec's own warnings, under --strict
            return None
        return checked, emit(checked.program, options["custom_objects"], args.max_params)
    except GraphSpecError as e:
        rep.report(e.diagnostics)
        return None


def keras_output(option: str) -> Path:
    """`-o OUT.keras`, checked before anything is built."""
    from graphspec.keras.save import keras_target

    try:
        return keras_target(option)
    except ValueError as e:
        raise UsageError(f"-o {e}") from e


def save(model: Any, out: Path, spec: str, rep: Reporter) -> None:
    """Save atomically: on failure the old file, if any, is left byte-identical."""
    from graphspec.keras.save import SaveError, save_model

    try:
        save_model(model, out)
    except OSError as e:
        raise UsageError(f"-o {out}: cannot write: {e.strerror or e}") from e
    except SaveError as e:
        rep.report([Diagnostic(f"{e} ({out} is unchanged)", spec, code=codes.CANNOT_SAVE)])
        return
    rep.say(f"saved {out}")
