"""`graphspec summary SPEC`: a table of the model, from static shapes and parameter counts
(without TensorFlow when every one is known; else from the model Keras builds)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from graphspec.cli.options import (
    add_backend,
    add_common,
    add_max_params,
    check_options,
    use_backend,
)
from graphspec.cli.report import Reporter
from graphspec.diagnostics import GraphSpecError
from graphspec.ir import LayerIR, Program, SubGraphIR, Use
from graphspec.shapes import Count, ShapeTree

HELP = "print a table of every node, its shape, parameters and inputs, the outputs and totals"
MANY = False


def add_arguments(c: argparse.ArgumentParser) -> None:
    add_common(c)
    add_max_params(c)
    add_backend(c)


def keras_name(program: Program, node_id: str, fn: Any) -> str:
    """The name of the Keras layer (or model) a node calls."""
    if not isinstance(fn, Use):
        return node_id
    entry = program.shared[fn.key]
    return entry.graph.name if isinstance(entry, SubGraphIR) else fn.shared_id


def keras_facts(
    program: Program, model: Any
) -> tuple[dict[str, ShapeTree], dict[str, Count], Count]:
    """Each node's parameters and the totals as the built model has them, and the shape of
    each layer's first call (Keras's `layer.output`; a sub-model's is its own, not a call's)."""
    from graphspec.keras.budget import count

    shapes: dict[str, ShapeTree] = {}
    params: dict[str, Count] = {}
    called: set[str] = set()
    for node in program.graph.nodes:
        layer = model.get_layer(keras_name(program, node.id, node.callable))
        params[node.id] = Count(count(layer.trainable_weights), count(layer.non_trainable_weights))
        fn = node.callable
        if isinstance(fn, Use):
            if fn.key in called or not isinstance(program.shared[fn.key], LayerIR):
                continue
            called.add(fn.key)
        output = layer.output
        if isinstance(output, list | tuple):
            shapes[node.id] = [tuple(t.shape) for t in output]
        else:
            shapes[node.id] = tuple(output.shape)
    total = Count(count(model.trainable_weights), count(model.non_trainable_weights))
    return shapes, params, total


def run(args: argparse.Namespace, rep: Reporter) -> None:
    from graphspec.api import check
    from graphspec.shapes import infer
    from graphspec.views.summary import summary, to_json, to_rich, to_text, with_keras

    options = check_options(args)
    try:
        checked = check(args.spec, **options)
    except GraphSpecError as e:
        rep.report(e.diagnostics)
        return
    rep.report(checked.warnings)
    s = summary(checked.program, infer(checked.program))
    if not s.complete:
        from graphspec.keras.emit import emit

        use_backend(args)  # only now, where Keras must build what is not known statically
        try:
            model = emit(checked.program, options["custom_objects"], args.max_params)
        except GraphSpecError as e:
            rep.report(e.diagnostics)
        else:
            s = with_keras(s, *keras_facts(checked.program, model))
    if args.format == "json":
        rep.results = to_json(s)
    elif sys.stdout.isatty():
        from rich.console import Console

        console = Console()
        for part in to_rich(s):
            console.print(part)
    else:
        sys.stdout.write(to_text(s))
