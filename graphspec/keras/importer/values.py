"""Config values as spec values: Keras objects as names or `{name: …}` forms, nested layers
as `{layer: …}`, dtype policies by name, tuples as lists; what has no spelling is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from graphspec.catalog import registry
from graphspec.diagnostics import Problem, codes
from graphspec.keras import compat
from graphspec.keras.importer.arguments import (
    Config,
    Rebuilder,
    in_signature_order,
    is_serialized,
    key_of,
    minimal,
    required,
    simpler,
)
from graphspec.keras.importer.problems import Unwritable

OBJECT_MODULES = {
    "keras.initializers": "initializers",
    "keras.regularizers": "regularizers",
    "keras.constraints": "constraints",
}
"""Keras objects a spec names (`he_normal`, `{name: L2, l2: 0.001}`), by serialized module."""
LAYER_KEYS = {"layer": "wraps", "cell": "cell", "backward_layer": "backward_layer"}
"""Arguments that hold a layer, and the key a spec writes them under."""

LayerReducer = Callable[[type, Config], Config]


def snake(name: str) -> str:
    out = [
        f"_{c.lower()}" if c.isupper() and i and not name[i - 1].isupper() else c.lower()
        for i, c in enumerate(name)
    ]
    return "".join(out)


def object_class(module: str, class_name: str) -> type | None:
    """The public Keras class of a serialized initializer, regularizer or constraint."""
    keras = compat.keras()
    found = getattr(getattr(keras, module.removeprefix("keras.")), class_name, None)
    return found if isinstance(found, type) else None


def short_object(value: dict[str, Any], rebuilder: Rebuilder) -> Any:
    """A serialized initializer (regularizer, constraint) reduced to the arguments that differ
    from its defaults; with none, Keras's snake_case name for it, when there is one."""
    cls = object_class(value["module"], value["class_name"])
    config = value["config"]
    if cls is None or not isinstance(config, dict):
        return value
    rebuild = rebuilder.instance(cls)
    reduced = simpler(minimal(config, config, rebuild, required(cls)), rebuild, config)
    if reduced:
        return {**value, "config": reduced}
    kind = OBJECT_MODULES[value["module"]]
    module = getattr(compat.keras(), kind)
    for bare in (snake(value["class_name"]), value["class_name"]):
        if bare in registry.data()[kind] and _gets(module, bare, cls):
            return bare
    return value  # Keras cannot make it from its name alone (Constant): all its arguments


def _gets(module: Any, name: str, cls: type) -> bool:
    """Whether `keras.<module>.get(name)` makes an object of class `cls`."""
    try:
        return type(module.get(name)) is cls
    except Exception:  # Constant's get("constant") raises KeyError
        return False


def shorter_objects(config: Config, rebuilder: Rebuilder, layers: LayerReducer) -> Config:
    """Each argument holding a Keras object or a layer, in its shortest equivalent form."""
    out = dict(config)
    for key, value in config.items():
        if is_serialized(value) and value["module"] in OBJECT_MODULES:
            out[key] = short_object(value, rebuilder)
        elif key in LAYER_KEYS and is_serialized(value):
            cls = getattr(compat.keras().layers, str(value["class_name"]), None)
            if isinstance(cls, type) and isinstance(value["config"], dict):
                out[key] = {**value, "config": layers(cls, value["config"])}
    return out


# ---- spec values --------------------------------------------------------------------------


def spec_value(key: str, value: Any) -> Any:
    """One constructor argument as a spec writes it; Unwritable when it has no spelling."""
    kind = registry.kind_of_keyword(key)
    if key == "dtype":
        return _dtype(value)
    if is_serialized(value):
        return _serialized(key, value, kind)
    if isinstance(value, str) and kind is not None:
        _check_name(kind, value, key)
        return value
    if kind is not None and value is not None:
        raise Unwritable(
            f"argument '{key}' is not one of Keras's {kind} (a Python function?)",
            codes.IMPORT_ARGUMENT,
        )
    return plain(key, value)


def plain(key: str, value: Any) -> Any:
    """Plain data: numbers, strings, booleans, null, lists and mappings of them."""
    if isinstance(value, dict):
        if "class_name" in value or "module" in value:
            raise Unwritable(
                f"argument '{key}' holds a Keras object the language has no spelling for",
                codes.IMPORT_ARGUMENT,
            )
        return {str(k): plain(key, v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(key, v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(key, value.tolist())
    if isinstance(value, np.generic):
        return plain(key, value.item())
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    raise Unwritable(
        f"argument '{key}' is a {type(value).__name__}, not plain data", codes.IMPORT_ARGUMENT
    )


def _dtype(value: Any) -> Any:
    if is_serialized(value) and isinstance(value["config"], dict) and "name" in value["config"]:
        return value["config"]["name"]
    if isinstance(value, str) or value is None:
        return value
    raise Unwritable("argument 'dtype' is not a dtype policy name", codes.IMPORT_ARGUMENT)


def _serialized(key: str, value: dict[str, Any], kind: str | None) -> Any:
    module, name = value["module"], str(value["class_name"])
    if module in OBJECT_MODULES and kind == OBJECT_MODULES[module]:
        _check_name(kind, name, key)
        config = value["config"] if isinstance(value["config"], dict) else {}
        return {"name": name, **{k: plain(key, v) for k, v in config.items()}}
    if key in LAYER_KEYS:
        return nested_layer(key, value)
    if name == "function":
        raise Unwritable(
            f"argument '{key}' is the Python function '{value['config']}', not one of "
            f"Keras's {kind or 'objects'}",
            codes.IMPORT_ARGUMENT,
        )
    raise Unwritable(
        f"argument '{key}' holds a {name} ({module}), which the language cannot write",
        codes.IMPORT_ARGUMENT,
    )


def nested_layer(key: str, value: dict[str, Any]) -> dict[str, Any]:
    """A layer held by an argument (a wrapper's layer, an RNN's cell) as `{layer: …}`."""
    name = str(value["class_name"])
    cls = getattr(compat.keras().layers, name, None)
    if not isinstance(cls, type) or name not in registry.layer_names():
        raise Unwritable(
            f"argument '{key}' holds layer class {name}, which is not one of Keras's public layers",
            codes.IMPORT_UNKNOWN_LAYER,
        )
    config = value["config"] if isinstance(value["config"], dict) else {}
    return {"layer": name, **written(config)}


def written(config: Config) -> dict[str, Any]:
    """A reduced layer config as spec keyword arguments (`layer` written `wraps`)."""
    return {LAYER_KEYS.get(k, k): spec_value(k, v) for k, v in config.items() if k != "name"}


def _check_name(kind: str, name: str, key: str) -> None:
    try:
        registry.check_name(kind, name)
    except Problem as e:
        raise Unwritable(
            f"argument '{key}': {e} (not one of Keras's own)", codes.IMPORT_ARGUMENT
        ) from e


class LayerArguments:
    """The constructor arguments of layers, as spec keyword arguments, one reduction per
    distinct class and config."""

    def __init__(self) -> None:
        self.rebuilder = Rebuilder()
        self.done: dict[str, Config] = {}

    def reduced(self, cls: type, config: Config) -> Config:
        """The config's keys that rebuilding needs, each value in its shortest form."""
        key = key_of(cls, config)
        if key not in self.done:
            original = {k: v for k, v in config.items() if k != "name"}
            values = shorter_objects(original, self.rebuilder, self.reduced)
            rebuild = self.rebuilder.layer(cls)
            kept = minimal(values, original, rebuild, required(cls))
            self.done[key] = in_signature_order(cls, simpler(kept, rebuild, original))
        return self.done[key]

    def of(self, layer: Any) -> dict[str, Any]:
        """A layer's constructor arguments as a spec writes them (Unwritable if it cannot)."""
        try:
            config = dict(layer.get_config())
        except Exception as e:  # a layer whose config cannot be serialized
            raise Unwritable(
                f"Keras cannot read its config: {type(e).__name__}: {e}", codes.IMPORT_ARGUMENT
            ) from e
        return written(self.reduced(type(layer), config))
