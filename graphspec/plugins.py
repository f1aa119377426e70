"""`graphspec.plugins`: the public path of graphspec.keras.plugins (kept where users import it)."""

from graphspec.keras.plugins import (
    PROTOCOL,
    PluginError,
    custom_objects,
    load_plugins,
    plugin_layers,
)

__all__ = ["PROTOCOL", "PluginError", "custom_objects", "load_plugins", "plugin_layers"]
