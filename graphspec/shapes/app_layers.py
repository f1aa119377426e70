"""Static shapes of an application's inner layers (`outputs:` on an `application:` entry)."""

from __future__ import annotations

from typing import Any

from graphspec.catalog import applications as catalog
from graphspec.shapes.apps import APPS, Step, step
from graphspec.shapes.core import Shape, ShapeTree, Undecided, default_format


def steps_of(name: str) -> tuple[Step, ...]:
    """The downsampling steps of application `name` (none when shapes/apps.py lacks it)."""
    app = APPS.get(name)
    return app.steps if app else ()


def after_steps(steps: tuple[Step, ...], n: int | None, built: int | None, k: int) -> int | None:
    """A spatial size after the first `k` steps (`built`: the size the model was made for)."""
    for s in steps[:k]:
        n, built = step(n, built, s), step(built, built, s)
    return n


def _built(name: str, kwargs: dict[str, Any]) -> list[int | None]:
    given = kwargs.get("input_shape")
    if isinstance(given, list | tuple) and len(given) == 3:
        return [given[0], given[1]]
    app = APPS.get(name)
    if kwargs.get("include_top", True) and app is not None:
        return [app.size, app.size]  # Keras builds the top for the default size
    return [None, None]


def inner_shape(name: str, kwargs: dict[str, Any], layer: str, x: Shape) -> Shape:
    """The output shape of inner layer `layer` of application `name` called on `x`."""
    code = catalog.shape_code(name, kwargs, layer)
    if code is None or default_format() != "channels_last":
        raise Undecided
    if code.startswith("="):
        return (x[0], *(int(d) for d in code[1:].split(",")))
    k, channels = (int(v) for v in code.split("/"))
    if len(x) != 4:
        raise Undecided
    steps = steps_of(name)
    built = _built(name, kwargs)
    spatial = [after_steps(steps, n, b, k) for n, b in zip(x[1:3], built, strict=True)]
    return (x[0], *spatial, channels)


def outputs(name: str, kwargs: dict[str, Any], layers: list[str], x: ShapeTree) -> ShapeTree:
    """The shapes an application with `outputs:` returns: one per inner layer, in order."""
    if not isinstance(x, tuple):
        raise Undecided
    found = [inner_shape(name, kwargs, layer, x) for layer in layers]
    return found[0] if len(found) == 1 else list(found)
