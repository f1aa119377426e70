"""`graphspec import`: a built Keras model (functional or Sequential) as spec data, which
graphspec.views writes as YAML. Reads the model through the public API and compat only."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from graphspec.diagnostics import codes
from graphspec.keras import compat
from graphspec.keras.importer.compiled import compile_settings
from graphspec.keras.importer.defaults import constructor_defaults
from graphspec.keras.importer.graph import write_graph
from graphspec.keras.importer.problems import NotExpressible, Unwritable, diagnostic
from graphspec.keras.importer.state import Session


def import_model(
    model: Any,
    *,
    custom_objects: Mapping[str, type] | None = None,
    source: str = "<model>",
    expect: bool = False,
) -> dict[str, Any]:
    """The spec (as plain data) that builds `model` again; NotExpressible lists every part
    the language cannot express. `custom_objects` maps spec names to user layer classes;
    `expect` adds the model's parameter counts and output shapes as `expect:` facts."""
    keras = compat.keras()
    custom = {cls: name for name, cls in (custom_objects or {}).items()}
    session = Session(source, custom, lambda m, where: write_graph(session, m, where))
    no_graph = _no_graph(model, keras)
    if no_graph is not None:
        name = str(getattr(model, "name", type(model).__name__))
        raise NotExpressible(diagnostic(source, "", name, no_graph, "model"))
    graph = write_graph(session, model, "")
    spec: dict[str, Any] = {"graphspec": 1, "name": model.name, **graph}
    try:
        section, options = compile_settings(model, graph["outputs"])
    except Unwritable as problem:
        session.problems.append(diagnostic(source, "", model.name, problem, "model"))
        section, options = {}, {}
    if options:
        spec["outputs"] = {o: options.get(o) for o in graph["outputs"]}
    if section:
        spec["compile"] = section
    if session.problems:
        raise NotExpressible(session.problems)
    if expect:
        spec["expect"] = facts(model, graph["outputs"])
    return spec


def _no_graph(model: Any, keras: Any) -> Unwritable | None:
    """Why the model has no graph to write, if it has none."""
    if not (compat.is_functional(model) or isinstance(model, keras.Sequential)):
        return Unwritable(
            f"a {type(model).__name__} is not a functional or Sequential model: it has no "
            "graph to write",
            codes.IMPORT_SUB_MODEL,
        )
    try:
        model.outputs  # noqa: B018  (a Sequential never called has none)
    except (AttributeError, ValueError):
        return Unwritable(
            "a Sequential model with no input yet has no graph: give it an Input first",
            codes.IMPORT_GRAPH,
        )
    return None


def facts(model: Any, output_ids: list[str]) -> dict[str, Any]:
    """The model's parameter counts (shared weights once) and output shapes, by output id."""

    def count(weights: Any) -> int:
        return sum(math.prod(int(d) for d in w.shape) for w in weights)

    trainable, frozen = count(model.trainable_weights), count(model.non_trainable_weights)
    shapes = {o: list(t.shape) for o, t in zip(output_ids, model.outputs, strict=True)}
    return {
        "params": trainable + frozen,
        "trainable_params": trainable,
        "non_trainable_params": frozen,
        "output_shapes": shapes,
    }


__all__ = ["NotExpressible", "constructor_defaults", "import_model"]
