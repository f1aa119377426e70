"""`outputs:` of an `application:` entry: its inner layers, checked against the catalog."""

from __future__ import annotations

from typing import Any

from graphspec.catalog import applications
from graphspec.diagnostics import SpecPath, codes
from graphspec.ir import Origin
from graphspec.resolve.context import Context


def inner_outputs(
    ctx: Context,
    app: str,
    kwargs: dict[str, Any],
    outputs: list[str] | None,
    origin: Origin,
    path: SpecPath,
) -> bool:
    """Each name an inner layer of the application, where the catalog knows its layers (the
    application built with its defaults); the build checks the others."""
    known = applications.known(app, kwargs) if outputs else None
    if known is None or outputs is None:
        return True
    ok = True
    for i, layer in enumerate(outputs):
        problem = known.problem(app, layer)
        if problem is not None:
            ctx.error(
                origin,
                problem,
                (*path, "outputs", i),
                code=codes.UNKNOWN_APPLICATION_LAYER,
                hint="`outputs:` names layers of the application (its summary lists them)",
            )
            ok = False
    return ok
