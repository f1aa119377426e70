"""The oracle's structure check: operation classes, configs, arguments, weights, inputs and outputs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from tests.oracle.graph import Call, Graph, Ref, canonical_graph, is_graph_model, naming_identity

MAX_MESSAGES = 25  # per comparison; a graph that diverges early says so once


# --------------------------------------------------------------------------------------
# Structure
# --------------------------------------------------------------------------------------


def _is_layer_config(value: Any) -> bool:
    """A serialized layer inside a config, e.g. TimeDistributed's ``layer``."""
    if not (isinstance(value, dict) and isinstance(value.get("config"), dict)):
        return False
    cls = getattr(keras.layers, str(value.get("class_name")), None)
    module = str(value.get("module") or "")
    is_layer = isinstance(cls, type) and issubclass(cls, keras.layers.Layer)
    return is_layer or module.startswith(("keras.layers", "keras.src.layers"))


def _strip_names(value: Any) -> Any:
    """A config without naming-only keys: nested layers' ``name`` (not a dtype policy's)."""
    if isinstance(value, dict):
        out = {k: _strip_names(v) for k, v in value.items()}
        if _is_layer_config(value):
            out["config"] = {k: v for k, v in out["config"].items() if k != "name"}
        return out
    if isinstance(value, list | tuple):
        return [_strip_names(v) for v in value]
    return value


def comparable_config(layer: Any) -> dict[str, Any]:
    """``layer.get_config()`` without its name and the names of layers nested in it."""
    try:
        config = dict(layer.get_config())
    except NotImplementedError:
        return {}
    config.pop("name", None)
    return _strip_names(config)


def config_differences(actual: Any, expected: Any, key: str = "") -> list[tuple[str, Any, Any]]:
    """``(dotted key, expected value, actual value)`` for each leaf where two configs differ."""
    if isinstance(actual, dict) and isinstance(expected, dict):
        found = []
        for k in sorted(actual.keys() | expected.keys(), key=str):
            sub = f"{key}.{k}" if key else str(k)
            if k not in actual or k not in expected:
                found.append((sub, expected.get(k, "<missing>"), actual.get(k, "<missing>")))
            else:
                found.extend(config_differences(actual[k], expected[k], sub))
        return found
    if isinstance(actual, list | tuple) and isinstance(expected, list | tuple):
        if len(actual) == len(expected):
            return [
                d
                for i, (a, e) in enumerate(zip(actual, expected, strict=True))
                for d in config_differences(a, e, f"{key}[{i}]")
            ]
        return [(key, list(expected), list(actual))]
    same = actual == expected
    if isinstance(same, np.ndarray):
        same = bool(same.all()) and np.shape(actual) == np.shape(expected)
    return [] if same else [(key, expected, actual)]


def operation_weights(operation: Any) -> list[Any]:
    """A layer's weights; none for a plain Keras op (``x + y`` on symbolic tensors)."""
    return list(getattr(operation, "weights", []))


AUTO_WEIGHT_NAME = re.compile(r"variable(_\d+)?")
"""A weight made without a name (ConvNeXt's LayerScale `gamma`): Keras numbers it with a
counter of the whole process, so the number says nothing about the model."""


def _weight_name(name: str) -> str:
    return "variable" if AUTO_WEIGHT_NAME.fullmatch(name) else name


def weight_specs(layer: Any) -> list[tuple[str, tuple[int, ...], str, bool]]:
    return [
        (_weight_name(w.name), tuple(w.shape), str(w.dtype), bool(w.trainable))
        for w in operation_weights(layer)
    ]


def _tensor_specs(tensors: Sequence[Any]) -> list[tuple[tuple[int | None, ...], str, bool]]:
    return [(tuple(t.shape), str(t.dtype), bool(getattr(t, "sparse", False))) for t in tensors]


def _io_differences(actual: Any, expected: Any, names: bool, where: str) -> list[str]:
    found = []
    if names:
        a_in, e_in = [t.name for t in actual.inputs], [t.name for t in expected.inputs]
        if a_in != e_in:
            found.append(f"{where}input names: expected {e_in}, actual {a_in}")
        a_out, e_out = list(actual.output_names), list(expected.output_names)
        if a_out != e_out:
            found.append(f"{where}output names: expected {e_out}, actual {a_out}")
    for side in ("inputs", "outputs"):
        a, e = _tensor_specs(getattr(actual, side)), _tensor_specs(getattr(expected, side))
        if a != e:
            found.append(f"{where}{side} (shape, dtype, sparse): expected {e}, actual {a}")
    return found


def _layer_label(a: Any, e: Any, call: Call, where: str) -> str:
    return f"{where}{call.describe()}: actual '{a.name}', expected '{e.name}'"


def _layer_differences(a: Any, e: Any, call: Call, where: str) -> list[str]:
    """One layer (at its first call) against its twin: config, weights, or nested graph."""
    label = _layer_label(a, e, call, where)
    if is_graph_model(a) and is_graph_model(e):
        found = [f"{label}: trainable: expected {e.trainable}, actual {a.trainable}"]
        found = found if a.trainable != e.trainable else []
        inner = f"{where}{call.describe()} '{a.name}'/'{e.name}' > "
        return found + _graph_differences(a, e, names=False, skip=False, where=inner)
    found = [
        f"{label}: config '{key}': expected {want!r}, actual {got!r}"
        for key, want, got in config_differences(comparable_config(a), comparable_config(e))
    ]
    a_weights, e_weights = weight_specs(a), weight_specs(e)
    if a_weights != e_weights:
        found.append(
            f"{label}: weights (name, shape, dtype, trainable): expected {e_weights}, actual {a_weights}"
        )
    return found


def _render(value: Any, graph: Graph) -> str:
    """Bound arguments for a message: ``inputs=[#3 LSTM, #7[1] LSTM]``."""
    if isinstance(value, Ref):
        return f"{value!r} {graph.calls[value.call].kind}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_render(v, graph)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_render(v, graph) for v in value) + "]"
    return repr(value)


def _arguments(call: Call, graph: Graph) -> str:
    return ", ".join(f"{k}={_render(v, graph)}" for k, v in call.arguments)


def _call_differences(ca: Call, ce: Call, ga: Graph, ge: Graph, where: str) -> list[str]:
    """Differences that make two calls at one canonical position not correspond at all."""
    label = _layer_label(ca.operation, ce.operation, ce, where)
    a_cls, e_cls = type(ca.operation), type(ce.operation)
    if a_cls is not e_cls:
        return [
            f"{label}: class: expected {e_cls.__module__}.{e_cls.__qualname__}, "
            f"actual {a_cls.__module__}.{a_cls.__qualname__}"
        ]
    if ca.layer != ce.layer:
        return [
            f"{label}: calls layer #{ca.layer}, expected layer #{ce.layer} "
            "(a shared layer must be one layer called several times on both sides)"
        ]
    if ca.arguments != ce.arguments:
        return [f"{label}: inputs: expected ({_arguments(ce, ge)}), actual ({_arguments(ca, ga)})"]
    return []


def skippable_outputs(actual: Any, expected: Any) -> list[int]:
    """Outputs of ``actual`` whose naming Identity is walked through: where ``expected``'s
    output at the same index is not produced by a naming Identity itself."""
    n = min(len(actual.outputs), len(expected.outputs))
    return [i for i in range(n) if not naming_identity(expected, i)]


def _graph_differences(
    actual: Any, expected: Any, *, names: bool, skip: bool, where: str
) -> list[str]:
    found = _io_differences(actual, expected, names, where)
    ga = canonical_graph(actual, skip_outputs=skippable_outputs(actual, expected) if skip else ())
    ge = canonical_graph(expected)
    seen: set[int] = set()
    for ca, ce in zip(ga.calls, ge.calls, strict=False):
        diverged = _call_differences(ca, ce, ga, ge, where)
        if diverged:
            note = f"{where}(the graphs diverge at call #{ce.position}; later calls not compared)"
            return [*found, *diverged, note]
        label = _layer_label(ca.operation, ce.operation, ce, where)
        if ca.outputs != ce.outputs:
            found.append(
                f"{label}: outputs (shape, dtype): expected {ce.outputs}, actual {ca.outputs}"
            )
        if ca.layer not in seen:  # a layer's own facts, at its first call
            seen.add(ca.layer)
            found += _layer_differences(ca.operation, ce.operation, ce, where)
    if len(ga.calls) != len(ge.calls):
        found.append(f"{where}number of calls: expected {len(ge.calls)}, actual {len(ga.calls)}")
    if ga.inputs != ge.inputs:
        found.append(
            f"{where}the model's inputs, in order, are the calls expected {ge.inputs}, "
            f"actual {ga.inputs} (the graph reads its inputs in another order)"
        )
    if ga.outputs != ge.outputs:
        found.append(
            f"{where}the model's outputs, in order, are the tensors expected {ge.outputs}, "
            f"actual {ga.outputs}"
        )
    return found


def structure_differences(actual: Any, expected: Any, *, names: bool = True) -> list[str]:
    """How ``actual``'s graph differs from ``expected``'s (empty: isomorphic, same configs).

    ``names`` compares the top-level input and output names (nested models' never are).
    """
    found = _graph_differences(actual, expected, names=names, skip=True, where="")
    return _capped(found)


def _capped(found: list[str]) -> list[str]:
    if len(found) <= MAX_MESSAGES:
        return found
    return [*found[:MAX_MESSAGES], f"... and {len(found) - MAX_MESSAGES} more differences"]
