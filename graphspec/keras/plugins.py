"""`--plugin MODULE`, `--custom-objects MODULE:NAME`: layer classes from Python modules the user
names (trusted, imported): the one place graphspec imports code."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from graphspec.catalog import registry

PROTOCOL = "GRAPHSPEC_LAYERS"
"""A plugin module's optional `{name: class}` mapping of the layers it offers."""


class PluginError(Exception):
    """A plugin module could not be imported or offers no usable layer classes."""


def _layer_base() -> type | None:
    """keras.layers.Layer when Keras is already imported (a plugin of layers imports it)."""
    keras = sys.modules.get("keras")
    base = getattr(getattr(keras, "layers", None), "Layer", None)
    return base if isinstance(base, type) else None


def _is_layer(value: Any) -> bool:
    base = _layer_base()
    return isinstance(value, type) and base is not None and issubclass(value, base)


def _quiet_import(module_name: str) -> Any:
    from graphspec.keras.compat import keras, quiet_stderr

    keras()  # on the chosen backend, before the module imports Keras itself
    with quiet_stderr():
        return importlib.import_module(module_name)


def _import(module_name: str) -> Any:
    try:
        return _quiet_import(module_name)
    except Exception as e:  # the plugin's own code may raise anything while importing
        raise PluginError(f"--plugin {module_name}: {type(e).__name__}: {e}") from e


def custom_objects(items: Sequence[str]) -> dict[str, Any]:
    """`MODULE:Name` items: each imports MODULE and takes its attribute Name."""
    found: dict[str, Any] = {}
    for item in items:
        module, _, name = item.partition(":")
        if not module or not name:
            raise PluginError(f"--custom-objects takes MODULE:NAME, got '{item}'")
        try:
            found[name] = getattr(_quiet_import(module), name)
        except (ImportError, AttributeError) as e:
            raise PluginError(f"--custom-objects {item}: {e}") from e
    return found


def _offered(module: Any) -> dict[str, Any]:
    """GRAPHSPEC_LAYERS, else every Layer subclass defined in the module, by class name."""
    declared = getattr(module, PROTOCOL, None)
    if declared is None:
        return {
            value.__name__: value
            for value in vars(module).values()
            if _is_layer(value) and value.__module__ == module.__name__
        }
    if not isinstance(declared, Mapping):
        raise PluginError(f"--plugin {module.__name__}: {PROTOCOL} must be a dict of name: class")
    wrong = [str(k) for k, v in declared.items() if not isinstance(k, str) or not _is_layer(v)]
    if wrong:
        raise PluginError(
            f"--plugin {module.__name__}: {PROTOCOL} maps {', '.join(wrong)} to something "
            "that is not a keras.layers.Layer subclass"
        )
    return dict(declared)


def plugin_layers(module_name: str) -> dict[str, Any]:
    """Import MODULE and return the layer classes it offers, by the name a spec uses.

    A name must be an identifier and must not be a Keras layer's (refused ones included):
    a plugin adds layers, it never silently replaces Dense or un-refuses Lambda."""
    module = _import(module_name)
    found = _offered(module)
    if not found:
        raise PluginError(
            f"--plugin {module_name}: the module offers no layer classes (define "
            f"keras.layers.Layer subclasses in it, or {PROTOCOL} = {{name: class}})"
        )
    for name in found:
        if not name.isidentifier():
            raise PluginError(f"--plugin {module_name}: '{name}' is not a valid layer name")
        if name in registry.data()["layers"]:
            raise PluginError(
                f"--plugin {module_name}: layer '{name}' would shadow Keras's {name}; "
                f"offer it under another name ({PROTOCOL} = {{'My{name}': {name}}})"
            )
    return found


def load_plugins(module_names: Sequence[str]) -> dict[str, Any]:
    """The layers of every plugin, merged; the same name from two plugins is an error."""
    merged: dict[str, Any] = {}
    owner: dict[str, str] = {}
    for module_name in module_names:
        for name, cls in plugin_layers(module_name).items():
            if name in merged and merged[name] is not cls:
                raise PluginError(
                    f"--plugin {module_name}: layer '{name}' is also offered by {owner[name]}"
                )
            merged[name], owner[name] = cls, module_name
    return merged
