"""The constructor arguments a spec must give: the keys of a config that rebuilding without
them would change. Found by comparing configs, never by a table of defaults: a key is left out
only when the object rebuilt without it has the very same config (pooling's `strides`, whose
default is `pool_size`, stays whenever leaving it out would change it)."""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Callable
from typing import Any, TypeGuard

import numpy as np

from graphspec.keras import compat

Config = dict[str, Any]
Rebuild = Callable[[Config], Config]
SERIALIZED = ("module", "class_name", "config")
"""The keys of a Keras serialization of an object (an initializer, a nested layer, …)."""
NESTED_NOISE = ("name", "build_config", "compile_config")
"""What a nested layer's serialization holds that does not make it another layer."""


def is_serialized(value: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(value, dict) and all(k in value for k in SERIALIZED)


def canonical(value: Any) -> Any:
    """A config as plain comparable data: tuples as lists, numpy as Python, nested layers
    without their names and build settings (Keras derives those)."""
    if isinstance(value, dict):
        out = {str(k): canonical(v) for k, v in value.items()}
        layer = compat.serializes_a_layer(str(value.get("module", "")))  # others keep `name`
        if is_serialized(value) and layer and isinstance(out["config"], dict):
            out["config"] = {k: v for k, v in out["config"].items() if k not in NESTED_NOISE}
            out.pop("build_config", None)
            out.pop("compile_config", None)
        return out
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, np.ndarray):
        return canonical(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


def key_of(cls: type, config: Config) -> str:
    """A cache key: the class and its config, as text."""
    text = json.dumps(canonical(config), sort_keys=True, default=repr)
    return f"{cls.__module__}.{cls.__qualname__}:{text}"


def same(a: Any, b: Any) -> bool:
    return bool(_equal(canonical(a), canonical(b)))


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return (type(a) is type(b) and a == b) or (_number(a) and _number(b) and a == b)


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def parameters_of(cls: type) -> list[inspect.Parameter]:
    """The constructor's parameters (`self` left out); none when it has no signature."""
    init: Any = cls.__init__  # type: ignore[misc]
    try:
        return list(inspect.signature(init).parameters.values())[1:]
    except (TypeError, ValueError):
        return []


def required(cls: type) -> list[str]:
    """The constructor's parameters without a default (they are always written)."""
    return [
        p.name
        for p in parameters_of(cls)
        if p.default is inspect.Parameter.empty
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]


def minimal(values: Config, original: Config, rebuild: Rebuild, keep: list[str]) -> Config:
    """The fewest of `values` (keyed as `original`, each value an equivalent form of the
    original's) from which `rebuild` gives `original` back, in the original's key order.

    Start from the keys where the object built from `keep` alone differs; while the rebuilt
    config differs anywhere, add those keys back. Ends in at most len(original) rounds; when
    even every value does not rebuild the original, the original config itself is kept."""
    try:
        default = rebuild({k: values[k] for k in keep if k in values})
    except Exception:  # Keras may refuse a partial config: then nothing is left out
        return dict(original)
    chosen = {
        k for k in original if k in keep or k not in default or not same(default[k], original[k])
    }
    for _ in range(len(original) + 1):
        reduced = {k: values[k] for k in original if k in chosen}
        wrong = differences(rebuild, reduced, original)
        if wrong is None:
            return dict(original)
        if not wrong:
            return pruned(reduced, original, rebuild, keep)
        if wrong <= chosen:
            return dict(original)
        chosen |= wrong
    return dict(original)


def pruned(values: Config, original: Config, rebuild: Rebuild, keep: list[str]) -> Config:
    """`values` without each key, in turn, that rebuilding does not need after all (a key whose
    default depends on another: `MaxPooling2D(3)`'s `strides` is 3 whatever the default says)."""
    for key in [k for k in values if k not in keep]:
        trial = {k: v for k, v in values.items() if k != key}
        if differences(rebuild, trial, original) == set():
            values = trial
    return values


def in_signature_order(cls: type, values: Config) -> Config:
    """The constructor's parameters in its signature's order, others after (as they came)."""
    rank = {p.name: i for i, p in enumerate(parameters_of(cls))}
    return dict(sorted(values.items(), key=lambda kv: rank.get(kv[0], len(rank))))


def differences(rebuild: Rebuild, values: Config, original: Config) -> set[str] | None:
    """The keys of `original` that the object rebuilt from `values` has otherwise (None: Keras
    refused `values`)."""
    try:
        rebuilt = rebuild(values)
    except Exception:  # Keras's constructors raise anything on arguments they refuse
        return None
    return {k for k, v in original.items() if k not in rebuilt or not same(rebuilt[k], v)}


def simpler(values: Config, rebuild: Rebuild, original: Config) -> Config:
    """`values` with each in its shortest equivalent form, where the rebuilt object's config
    stays `original`: `(3, 3)` → `3`, `0.009999999776482582` → `0.01`."""
    candidates = {k: s for k, v in values.items() if (s := _shorter(v)) is not None}
    if not candidates:
        return values
    trial = {**values, **candidates}
    if differences(rebuild, trial, original) == set():
        return trial
    for key, short in candidates.items():
        trial = {**values, key: short}
        if differences(rebuild, trial, original) == set():
            values = trial
    return values


def _shorter(value: Any) -> Any:
    """A uniform sequence as its one value; a float32-rounded float as its short form."""
    if isinstance(value, list | tuple) and value:
        flat = _flatten(value)
        if flat and all(_number(v) for v in flat) and len(set(flat)) == 1:
            return flat[0]
        return None
    if isinstance(value, float) and math.isfinite(value):
        short = float(str(np.float32(value)))
        return short if short != value else None
    return None


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return [x for v in value for x in _flatten(v)]
    return [value]


LAYER_ARGUMENTS = ("layer", "cell", "backward_layer")
"""Constructor arguments that hold a layer object."""


def construct(cls: type, config: Config) -> Any:
    """`cls(**config)` with each serialized layer in a layer argument constructed first."""
    keras = compat.keras()
    kwargs = dict(config)
    for key in LAYER_ARGUMENTS:
        value = kwargs.get(key)
        if is_serialized(value) and isinstance(value["config"], dict):
            inner = getattr(keras.layers, str(value["class_name"]), None)
            if isinstance(inner, type):
                kwargs[key] = construct(inner, value["config"])
    return cls(**kwargs)


# ---- rebuilding -------------------------------------------------------------------------------


class Rebuilder:
    """Rebuilds layers and Keras objects from configs, without touching Keras's name counters;
    remembers the result for each distinct config (the applications repeat a few hundred
    layers of a few kinds)."""

    def __init__(self) -> None:
        self.cache: dict[str, Config] = {}

    def layer(self, cls: type) -> Rebuild:
        """Rebuild as a spec's build does: the constructor, nested layers constructed first."""

        def rebuild(config: Config) -> Config:
            key = key_of(cls, config)
            if key not in self.cache:
                with compat.fresh_names():
                    built = construct(cls, {**config, "name": "graphspec_probe"})
                    self.cache[key] = dict(built.get_config())
            found = dict(self.cache[key])
            found.pop("name", None)
            return found

        return rebuild

    def instance(self, cls: Any) -> Rebuild:
        def rebuild(config: Config) -> Config:
            key = key_of(cls, config)
            if key not in self.cache:
                with compat.fresh_names():  # as a build makes it: the class called
                    self.cache[key] = dict(cls(**config).get_config())
            return dict(self.cache[key])

        return rebuild
