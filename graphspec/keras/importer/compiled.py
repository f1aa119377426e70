"""A compiled model's settings as spec data: the optimizer and flags under `compile:`, each
output's loss, loss weight and metrics on the output (model-wide ones under `compile:`)."""

from __future__ import annotations

from typing import Any

from graphspec.catalog import registry
from graphspec.diagnostics import Problem, codes
from graphspec.keras import compat
from graphspec.keras.importer.arguments import Rebuilder, is_serialized, minimal, simpler
from graphspec.keras.importer.problems import Unwritable
from graphspec.keras.importer.values import plain

FLAG_DEFAULTS = {"run_eagerly": False, "jit_compile": False, "steps_per_execution": 1}
"""Compile flags the language has, with the value a spec that leaves them out gets."""
NOT_IN_LANGUAGE = ("weighted_metrics",)


def compile_settings(model: Any, output_ids: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(`compile:` section, options by output id); both empty for a model not compiled."""
    config = model.get_compile_config() if getattr(model, "compiled", False) else {}
    if not config:
        return {}, {}
    for key in NOT_IN_LANGUAGE:
        if config.get(key):
            raise Unwritable(f"compile's '{key}' is not in the language", codes.IMPORT_COMPILE)
    names = list(model.output_names)
    section: dict[str, Any] = {"optimizer": _object("optimizers", config["optimizer"])}
    options: dict[str, dict[str, Any]] = {o: {} for o in output_ids}
    loss = config.get("loss")
    if isinstance(loss, dict | list) and not is_serialized(loss):
        for o, value in _per_output(loss, names, output_ids).items():
            options[o]["loss"] = _object("losses", value)
    elif loss is not None:
        section["loss"] = _object("losses", loss)
    weights = config.get("loss_weights")
    if weights is not None:
        weights = weights if isinstance(weights, dict | list) else [weights]
        for o, w in _per_output(weights, names, output_ids).items():
            options[o]["loss_weight"] = float(w)
    _metrics(config.get("metrics"), names, output_ids, section, options)
    for flag, default in FLAG_DEFAULTS.items():
        if config.get(flag, default) != default:
            section[flag] = config[flag]
    return section, {o: v for o, v in options.items() if v}


def _metrics(
    metrics: Any,
    names: list[str],
    output_ids: list[str],
    section: dict[str, Any],
    options: dict[str, dict[str, Any]],
) -> None:
    if not metrics:
        return
    per_output = isinstance(metrics, dict) or (
        isinstance(metrics, list) and any(isinstance(m, list) for m in metrics)
    )
    if not per_output:
        section["metrics"] = [_object("metrics", m) for m in metrics]
        return
    for o, value in _per_output(metrics, names, output_ids).items():
        found = value if isinstance(value, list) else [value]
        if found:
            options[o]["metrics"] = [_object("metrics", m) for m in found if m is not None]


def _per_output(value: Any, names: list[str], output_ids: list[str]) -> dict[str, Any]:
    """A dict keyed by Keras output names, or a list by position, keyed by output id."""
    if isinstance(value, dict):
        by_name = dict(zip(names, output_ids, strict=True))
        unknown = [k for k in value if k not in by_name]
        if unknown:
            raise Unwritable(
                f"compile settings name {unknown}, which are not outputs", codes.IMPORT_COMPILE
            )
        return {by_name[k]: v for k, v in value.items() if v is not None}
    if len(value) != len(output_ids):
        raise Unwritable(
            f"compile settings give {len(value)} values for {len(output_ids)} outputs",
            codes.IMPORT_COMPILE,
        )
    return {o: v for o, v in zip(output_ids, value, strict=True) if v is not None}


def _object(kind: str, value: Any) -> Any:
    """A loss, metric or optimizer: a Keras name, or `{name: Class, <arguments>}`."""
    if isinstance(value, str):
        return _checked(kind, value, value)
    if not is_serialized(value):
        raise Unwritable(f"a {kind[:-1]} {value!r} is not a Keras object", codes.IMPORT_COMPILE)
    if value["class_name"] == "function" and isinstance(value["config"], str):
        return _checked(kind, value["config"], value["config"])  # a Keras loss function
    cls = getattr(getattr(compat.keras(), kind), str(value["class_name"]), None)
    config = value["config"]
    if not isinstance(cls, type) or not isinstance(config, dict):
        raise Unwritable(
            f"{kind[:-1]} {value['class_name']} is not one of Keras's own", codes.IMPORT_COMPILE
        )
    rebuild = Rebuilder().instance(cls)
    config = {k: v for k, v in config.items() if k != "name"}  # `name:` names the class
    reduced = simpler(minimal(config, config, rebuild, []), rebuild, config)
    name = str(value["class_name"])
    if not reduced and kind == "optimizers" and name.lower() in registry.data()["optimizers"]:
        return name.lower()
    return _checked(kind, name, {"name": name, **{k: plain(k, v) for k, v in reduced.items()}})


def _checked(kind: str, name: str, written: Any) -> Any:
    try:
        registry.check_name(kind, name)
    except Problem as e:
        raise Unwritable(f"{e} (not one of Keras's own)", codes.IMPORT_COMPILE) from e
    return written
