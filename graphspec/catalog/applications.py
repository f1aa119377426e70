"""The inner layers of keras.applications models (application_layers.json), without TensorFlow.

tools/gen_registry.py writes the file (see tools/gen_application_layers.py for what it holds).
The names are those of an application built with its defaults: where a spec gives another
value to an argument that may change them (`alpha`, `minimalistic`, …), nothing is known here
and the build checks the names.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from graphspec.diagnostics import suggest

MODELLED = ("weights", "include_top", "input_shape", "pooling", "classes", "classifier_activation")
"""Arguments whose effect on the names the catalog knows (or that have none)."""


@cache
def data() -> dict[str, Any]:
    text = (
        resources.files("graphspec.catalog").joinpath("application_layers.json").read_text("utf-8")
    )
    result: dict[str, Any] = json.loads(text)
    return result


@dataclass(frozen=True)
class Known:
    """What the catalog knows of one application built with some arguments."""

    layers: dict[str, str | None]
    """Inner layer name → its shape code (see tools/gen_application_layers.py)."""
    auto: tuple[str, ...]
    """Prefixes of the layers Keras names itself (not listed, numbered by the process)."""
    complete: bool
    """Whether `layers` and `auto` cover every layer (not with a pooling layer added)."""
    top: tuple[str, ...] = ()
    """The layers of the top, where the application is built without it."""

    def unlisted(self, layer: str) -> bool:
        """Whether `layer` may be a layer the catalog does not list."""
        if not self.complete:
            return True
        return any(re.fullmatch(rf"{re.escape(a)}(_\d+)?", layer) for a in self.auto)

    def problem(self, app: str, layer: str) -> str | None:
        """The message for an inner layer the application does not have, else None."""
        if layer in self.layers or self.unlisted(layer):
            return None
        if layer in self.top:
            return f"application {app} has no layer '{layer}' without its top (include_top: false)"
        return (
            f"application {app} has no layer '{layer}'"
            f"{suggest(layer, self.layers) or f' ({len(self.layers)} layers; see its summary)'}"
        )


def known(app: str, kwargs: dict[str, Any]) -> Known | None:
    """The application's layers as built with `kwargs`; None when the catalog cannot tell."""
    entry = data()["applications"].get(app)
    if entry is None:
        return None
    for key, value in kwargs.items():
        if key not in MODELLED and entry["defaults"].get(key, object()) != value:
            return None
    layers = dict(entry["layers"])
    if kwargs.get("include_top", True):
        for name in entry["top_drops"]:
            layers.pop(name, None)
        layers.update(dict.fromkeys(entry["top"]))
        return Known(layers, tuple(entry["auto"]), True)
    return Known(layers, tuple(entry["auto"]), kwargs.get("pooling") is None, tuple(entry["top"]))


def shape_code(app: str, kwargs: dict[str, Any], layer: str) -> str | None:
    """The shape code of inner layer `layer`, None when it is not known statically."""
    found = known(app, kwargs)
    return None if found is None else found.layers.get(layer)
