"""A model oracle: two built Keras functional models compared on structure, parameters and function."""

# How to use it
# -------------
# ``assert_same_model(actual, expected)`` is the whole check; it raises one AssertionError
# that lists every difference found. ``actual`` is the model under test (the one graphspec
# built); ``expected`` is an independent twin (hand-written Keras, or keras.applications).
# The three parts are also available alone, each returning a list of messages (empty when
# the models agree), which is what a test of the oracle itself wants:
#
# * ``structure_differences`` -- the graphs, walked in one canonical, name-independent
#   order (``canonical_graph``): every call's operation class and its layer's
#   ``get_config()`` without naming-only keys; the call's arguments with every tensor
#   replaced by a reference to the call that produced it *and which of that call's outputs
#   it is* (so a permuted Concatenate, or ``enc.1`` for ``enc.2``, is a difference); which
#   layer each call calls (a layer called twice must be one layer on both sides); the
#   weights' names, shapes and trainability; nested models compared recursively; the
#   models' inputs and outputs (names, shapes, dtypes) and which calls they are.
# * ``param_differences`` -- total, trainable and non-trainable parameter counts.
# * ``function_differences`` -- every weight of ``expected`` is randomised (kernels,
#   biases, BatchNormalization's moving statistics ...: ``randomise_weights``), copied
#   onto ``actual`` layer by layer in canonical order (``copy_weights``), and both models
#   predict on one deterministic random batch (``sample_inputs``).
#   The outputs, and the tensors that feed each output's layer, must agree within
#   ``|actual - expected| <= rtol * |expected| + atol_scale * max|expected|`` (elementwise,
#   per compared tensor; defaults rtol=1e-4, atol_scale=1e-5). This mutates both models'
#   weights, so tests that need the initial weights must not share models with it.
#
# Canonical order. The graph is walked depth first from the model's outputs (in output
# order) through every call's arguments (in the order of the layer's ``call`` signature,
# whether they were passed by position or by keyword); a call's position is its post-order
# index. Inputs that no output depends on come last, in input order. The walk depends on
# nothing but the graph's shape, so two graphs that are isomorphic -- with the same
# argument order into every call -- give identical canonical descriptions, and two that
# are not give different ones. (Two merged branches that are identical in every respect
# can be swapped without any difference: the models are then isomorphic and equivalent.)
#
# graphspec may name an output by adding ``keras.layers.Identity(name=<output id>)`` after
# the producing layer. On the ``actual`` side only, an output produced by exactly such a
# layer (class Identity, named by that output) is walked through -- unless ``expected``'s
# output at that position is one too; nothing else is ever skipped.
#
# Limits. Layers are compared through ``get_config()``: a custom layer whose config omits
# an argument hides it (the function check still sees what changes the output). A model
# nested inside a wrapper's config (TimeDistributed(Model)) is compared by config, so the
# names of its layers count. Integer inputs are drawn below the smallest ``input_dim`` of
# the Embedding (or ``num_tokens`` of the CategoryEncoding) layers that read them
# directly, else below ``int_high``.

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import keras
import numpy as np

MAX_MESSAGES = 25  # per comparison; a graph that diverges early says so once


# --------------------------------------------------------------------------------------
# The canonical graph
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """One tensor in a canonical graph: output ``output`` of the call at position ``call``."""

    call: int
    output: int = 0

    def __repr__(self) -> str:
        return f"#{self.call}" if self.output == 0 else f"#{self.call}[{self.output}]"


@dataclass
class Call:
    """One call of an operation (a layer, a nested model, a Keras op) in a canonical graph.

    ``arguments`` is the call's bound arguments, in signature order, with every symbolic
    tensor replaced by the ``Ref`` of its producer; ``layer`` is the position of the
    called operation in ``Graph.layers`` (equal for every call of a shared layer).
    """

    position: int
    operation: Any
    node: Any
    layer: int = -1
    arguments: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return type(self.operation).__name__

    @property
    def outputs(self) -> list[tuple[tuple[int | None, ...], str]]:
        return [(tuple(t.shape), str(t.dtype)) for t in self.node.outputs]

    def describe(self) -> str:
        return f"call #{self.position} {self.kind} (layer #{self.layer})"


@dataclass
class Graph:
    """A model's functional graph in canonical order (see ``canonical_graph``)."""

    model: Any
    calls: list[Call]
    layers: list[Any]
    inputs: list[Ref]
    outputs: list[Ref]
    skipped: list[Any]  # the naming Identity layers walked through

    def tensor(self, ref: Ref) -> Any:
        return self.calls[ref.call].node.outputs[ref.output]


def _producer(tensor: Any) -> tuple[Any, Any, int]:
    """The operation that produced a symbolic tensor, the node of that call, the output index."""
    operation, node_index, tensor_index = tensor._keras_history
    return operation, operation._inbound_nodes[node_index], tensor_index


def is_keras_tensor(value: Any) -> bool:
    return getattr(value, "_keras_history", None) is not None


def bound_arguments(node: Any) -> list[tuple[str, Any]]:
    """A call's arguments by parameter name, in the order of the operation's ``call``.

    ``f(x, initial_state=s)`` and ``f(sequences=x, initial_state=s)`` bind alike. When the
    signature cannot bind them, the positional arguments come first, then the keywords
    sorted.
    """
    args, kwargs = tuple(node.arguments.args), dict(node.arguments.kwargs)
    try:
        bound = inspect.signature(node.operation.call).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return [("*args", list(args)), *sorted(kwargs.items())]
    return list(bound.arguments.items())


def flat_tensors(value: Any) -> list[Any]:
    """The symbolic tensors in a nested argument, in order (a dict's keys sorted)."""
    if is_keras_tensor(value):
        return [value]
    if isinstance(value, Mapping):
        return [t for k in sorted(value, key=str) for t in flat_tensors(value[k])]
    if isinstance(value, list | tuple):
        return [t for v in value for t in flat_tensors(v)]
    return []


def is_graph_model(layer: Any) -> bool:
    """A Functional or Sequential model: a layer with a graph of its own to walk."""
    if not isinstance(layer, keras.Model):
        return False
    try:
        outputs = layer.outputs
    except (AttributeError, ValueError):
        return False
    return bool(outputs) and all(is_keras_tensor(t) for t in outputs)


def naming_identity(model: Any, index: int) -> bool:
    """Whether output ``index`` is produced by an ``Identity`` layer named by the output."""
    operation, _, _ = _producer(model.outputs[index])
    return (
        type(operation) is keras.layers.Identity
        and operation.name == list(model.output_names)[index]
    )


def canonical_graph(model: Any, *, skip_outputs: Iterable[int] = ()) -> Graph:
    """The model's calls and layers in a canonical order that does not depend on names.

    Iterative depth-first post-order from the outputs (in order) through each call's
    arguments (in ``bound_arguments`` order); inputs no output depends on come last.
    For the output indices in ``skip_outputs``, an output produced by a naming ``Identity``
    (see ``naming_identity``) is replaced by that Identity's input: the layer is left out.
    """
    outputs, skipped = list(model.outputs), []
    for index in skip_outputs:
        if naming_identity(model, index):
            operation, node, _ = _producer(outputs[index])
            skipped.append(operation)
            outputs[index] = node.input_tensors[0]
    nodes: list[Any] = []
    position: dict[int, int] = {}
    stack = [(_producer(t)[1], False) for t in reversed(outputs)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in position:
            continue
        if expanded:
            position[id(node)] = len(nodes)
            nodes.append(node)
            continue
        stack.append((node, True))
        for _, value in reversed(bound_arguments(node)):
            for tensor in reversed(flat_tensors(value)):
                stack.append((_producer(tensor)[1], False))
    for tensor in model.inputs:  # inputs that no output depends on
        node = _producer(tensor)[1]
        if id(node) not in position:
            position[id(node)] = len(nodes)
            nodes.append(node)

    def ref(tensor: Any) -> Ref:
        _, node, index = _producer(tensor)
        return Ref(position[id(node)], index)

    def describe(value: Any) -> Any:
        if is_keras_tensor(value):
            return ref(value)
        if isinstance(value, Mapping):
            return {str(k): describe(value[k]) for k in sorted(value, key=str)}
        if isinstance(value, list | tuple):
            return [describe(v) for v in value]
        return value

    calls, layers, layer_index = [], [], {}
    for i, node in enumerate(nodes):
        if id(node.operation) not in layer_index:
            layer_index[id(node.operation)] = len(layers)
            layers.append(node.operation)
        arguments = [(k, describe(v)) for k, v in bound_arguments(node)]
        calls.append(Call(i, node.operation, node, layer_index[id(node.operation)], arguments))
    return Graph(
        model, calls, layers, [ref(t) for t in model.inputs], [ref(t) for t in outputs], skipped
    )


def canonical_layers(model: Any) -> list[Any]:
    """The model's layers (InputLayers included) in canonical order."""
    return canonical_graph(model).layers


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


def _weights(operation: Any) -> list[Any]:
    """A layer's weights; none for a plain Keras op (``x + y`` on symbolic tensors)."""
    return list(getattr(operation, "weights", []))


AUTO_WEIGHT_NAME = re.compile(r"variable(_\d+)?")
"""A weight made without a name (ConvNeXt's LayerScale `gamma`): Keras numbers it with a
counter of the whole process, so the number says nothing about the model."""


def _weight_name(name: str) -> str:
    return "variable" if AUTO_WEIGHT_NAME.fullmatch(name) else name


def _weight_specs(layer: Any) -> list[tuple[str, tuple[int, ...], str, bool]]:
    return [
        (_weight_name(w.name), tuple(w.shape), str(w.dtype), bool(w.trainable))
        for w in _weights(layer)
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
    a_weights, e_weights = _weight_specs(a), _weight_specs(e)
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


# --------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------


class ParamCounts(NamedTuple):
    total: int
    trainable: int
    non_trainable: int


def _count(weights: Iterable[Any]) -> int:
    return int(sum(int(np.prod(w.shape)) for w in weights))


def param_counts(model: Any) -> ParamCounts:
    """Total, trainable and non-trainable parameters (shared weights counted once)."""
    trainable, frozen = _count(model.trainable_weights), _count(model.non_trainable_weights)
    return ParamCounts(trainable + frozen, trainable, frozen)


def param_differences(actual: Any, expected: Any) -> list[str]:
    a, e = param_counts(actual), param_counts(expected)
    found = [
        f"{kind} parameters: expected {want:,}, actual {got:,}"
        for kind, got, want in zip(ParamCounts._fields, a, e, strict=True)
        if got != want
    ]
    return found


# --------------------------------------------------------------------------------------
# Function
# --------------------------------------------------------------------------------------

POSITIVE = {"gamma", "moving_variance", "variance"}  # scales: U(0.5, 1.5)
CENTRED = {"beta", "moving_mean", "mean", "bias"}  # offsets: U(-0.2, 0.2)


def randomise_weights(model: Any, seed: int = 0) -> None:
    """Give every floating-point weight a fresh random value (shared weights once).

    Scales (BatchNormalization / LayerNormalization gamma, moving variances) are drawn from
    U(0.5, 1.5), offsets (biases, betas, moving means) from U(-0.2, 0.2), everything else
    (kernels, embeddings, ...) from U(-a, a) with the variance the weight had (a = sqrt(3)
    times its standard deviation; 0.05 if it was constant), so that deep models neither
    explode nor vanish. Uniform float32 draws keep VGG16's 138M parameters quick.
    """
    rng = np.random.default_rng(seed)
    for w in model.weights:
        try:
            dtype = np.dtype(str(w.dtype))
        except TypeError:
            continue
        if not np.issubdtype(dtype, np.floating):
            continue
        leaf = w.name.split("/")[-1]
        if leaf in POSITIVE:
            low, width = 0.5, 1.0
        elif leaf in CENTRED:
            low, width = -0.2, 0.4
        else:
            half = 3**0.5 * (float(keras.ops.std(keras.ops.cast(w, "float32"))) or 0.05)
            low, width = -half, 2 * half
        value = rng.random(tuple(w.shape), dtype=np.float32)
        value *= np.float32(width)
        value += np.float32(low)
        w.assign(value.astype(dtype, copy=False))


def weighted_layers(model: Any) -> list[tuple[str, Any]]:
    """``(canonical path, layer)`` of every layer with weights, nested models opened."""
    found = []
    for i, layer in enumerate(canonical_graph(model).layers):
        if is_graph_model(layer):
            found += [(f"layer #{i} > {path}", sub) for path, sub in weighted_layers(layer)]
        elif _weights(layer):
            found.append((f"layer #{i}", layer))
    return found


def copy_weights(source: Any, target: Any) -> list[str]:
    """Copy ``source``'s weights onto ``target``, layer by layer in canonical order.

    Layers are paired by position among the weighted layers (so an extra naming Identity
    does not shift them); a pair must have the same class and weight names and shapes.
    Returns the differences that stopped the copy (empty: every weight of ``target`` set).
    """
    ours, theirs = weighted_layers(target), weighted_layers(source)
    if len(ours) != len(theirs):
        return [f"weighted layers: expected {len(theirs)}, actual {len(ours)}"]
    for (path, a), (_, e) in zip(ours, theirs, strict=True):
        if type(a) is not type(e) or _weight_specs(a) != _weight_specs(e):
            return [
                f"weighted {path}: actual {type(a).__name__} '{a.name}' {_weight_specs(a)}, "
                f"expected {type(e).__name__} '{e.name}' {_weight_specs(e)}"
            ]
    assigned = set()
    for (_, a), (_, e) in zip(ours, theirs, strict=True):
        for wa, we in zip(_weights(a), _weights(e), strict=True):
            wa.assign(we.value)  # backend to backend: no copy through numpy
            assigned.add(id(wa))
    missing = [w.path for w in target.weights if id(w) not in assigned]
    return [f"weights not reached by the canonical walk: {missing}"] if missing else []


def _int_bound(graph: Graph, ref: Ref, default: int) -> int:
    """Integer inputs stay below what the layers reading them accept."""
    bounds = []
    for call in graph.calls:
        if ref in [r for _, v in call.arguments for r in _refs(v)]:
            layer = call.operation
            if isinstance(layer, keras.layers.Embedding):
                bounds.append(int(layer.input_dim))
            elif isinstance(layer, keras.layers.CategoryEncoding):
                bounds.append(int(layer.num_tokens))
    return min(bounds, default=default)


def _refs(value: Any) -> list[Ref]:
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, dict):
        return [r for v in value.values() for r in _refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    return []


def sample_inputs(
    model: Any,
    *,
    seed: int = 1,
    batch: int = 2,
    free_dim: int | Mapping[str, int] = 8,
    int_high: int = 10,
) -> list[np.ndarray]:
    """One deterministic random batch for ``model.inputs``, in input order.

    Unknown dimensions become ``free_dim`` (per input name when a mapping; 8 for a name it
    does not have). A fixed batch size is kept, else ``batch`` is used. Floats are
    drawn from U(-1, 1); integers from [0, bound) (see ``_int_bound``); booleans 0/1.
    """
    rng, graph = np.random.default_rng(seed), canonical_graph(model)
    batch_data = []
    for tensor, ref in zip(model.inputs, graph.inputs, strict=True):
        free = free_dim.get(tensor.name, 8) if isinstance(free_dim, Mapping) else free_dim
        dims = [batch if tensor.shape[0] is None else int(tensor.shape[0])]
        dims += [free if d is None else int(d) for d in tensor.shape[1:]]
        dtype = np.dtype(str(tensor.dtype))
        if np.issubdtype(dtype, np.floating):
            value = rng.uniform(-1.0, 1.0, dims)
        elif np.issubdtype(dtype, np.integer):
            value = rng.integers(0, _int_bound(graph, ref, int_high), dims)
        elif dtype == np.bool_:
            value = rng.integers(0, 2, dims)
        else:
            raise TypeError(f"no random data for input '{tensor.name}' of dtype {dtype}")
        batch_data.append(np.asarray(value).astype(dtype))
    return batch_data


def probes(model: Any, skip_outputs: Iterable[int] = ()) -> list[tuple[str, Any]]:
    """The tensors compared: each output, then the tensors its producing call reads
    (the features a classifier head sees; through naming Identities in ``skip_outputs``)."""
    graph = canonical_graph(model, skip_outputs=skip_outputs)
    found = [(f"output '{n}'", t) for n, t in zip(model.output_names, model.outputs, strict=True)]
    seen = {id(t) for _, t in found}
    for name, ref in zip(model.output_names, graph.outputs, strict=True):
        call = graph.calls[ref.call]
        for tensor in flat_tensors([v for _, v in bound_arguments(call.node)]):
            producer = _producer(tensor)[0]
            if id(tensor) not in seen and not isinstance(producer, keras.layers.InputLayer):
                seen.add(id(tensor))
                found.append((f"an input of the {call.kind} that makes output '{name}'", tensor))
    return found


def _evaluate(model: Any, tensors: list[Any], data: list[np.ndarray]) -> list[np.ndarray]:
    probe = keras.Model(model.inputs, tensors)
    return [np.asarray(y) for y in keras.tree.flatten(probe(data, training=False))]


def _mismatch(
    label: str, got: np.ndarray, want: np.ndarray, rtol: float, atol_scale: float
) -> str | None:
    if got.shape != want.shape:
        return f"{label}: shape: expected {want.shape}, actual {got.shape}"
    if not np.all(np.isfinite(want)):
        return f"{label}: the expected model gives non-finite values; nothing is proven"
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    if scale == 0.0:
        return f"{label}: the expected model gives only zeros; nothing is proven"
    error = np.abs(got.astype(np.float64) - want)
    allowed = rtol * np.abs(want) + atol_scale * scale
    if np.all(error <= allowed):
        return None
    worst = np.unravel_index(int(np.argmax(error - allowed)), error.shape)
    return (
        f"{label}: {int(np.sum(error > allowed))} of {error.size} values differ beyond "
        f"rtol={rtol:g}, atol={atol_scale:g}*max|expected|={atol_scale * scale:.3g}; worst at "
        f"{tuple(int(i) for i in worst)}: expected {want[worst]:.6g}, actual {got[worst]:.6g}"
    )


def function_differences(
    actual: Any,
    expected: Any,
    *,
    seed: int = 0,
    batch: int = 2,
    free_dim: int | Mapping[str, int] = 8,
    rtol: float = 1e-4,
    atol_scale: float = 1e-5,
) -> list[str]:
    """Randomise ``expected``, copy its weights onto ``actual``, compare predictions.

    Both models are called (``training=False``) on ``sample_inputs(expected, ...)``; the
    outputs and the tensors feeding each output's call (``probes``) must agree elementwise
    within ``rtol * |expected| + atol_scale * max|expected|``.
    """
    randomise_weights(expected, seed)
    found = copy_weights(expected, actual)
    if found:
        return found
    data = sample_inputs(expected, seed=seed + 1, batch=batch, free_dim=free_dim)
    ours = probes(actual, skippable_outputs(actual, expected))
    theirs = probes(expected)
    if len(ours) != len(theirs):
        found.append(f"compared tensors: expected {len(theirs)}, actual {len(ours)}")
        ours, theirs = ours[: len(actual.outputs)], theirs[: len(expected.outputs)]
    got = _evaluate(actual, [t for _, t in ours], data)
    want = _evaluate(expected, [t for _, t in theirs], data)
    for (label, _), g, w in zip(theirs, got, want, strict=False):
        message = _mismatch(label, g, w, rtol, atol_scale)
        found += [message] if message else []
    return found


# --------------------------------------------------------------------------------------
# Everything
# --------------------------------------------------------------------------------------


def model_differences(
    actual: Any, expected: Any, *, function: bool = True, names: bool = True, **options: Any
) -> list[str]:
    """Structure, then parameters, then (with ``function``) predictions; see module notes.

    ``options`` go to ``function_differences`` (seed, batch, free_dim, rtol, atol_scale).
    """
    found = structure_differences(actual, expected, names=names)
    found += param_differences(actual, expected)
    if function:
        found += function_differences(actual, expected, **options)
    return found


def assert_no_differences(found: Sequence[str], heading: str) -> None:
    """Raise one AssertionError that lists ``found`` under ``heading`` (when any)."""
    if found:
        lines = "\n".join(f"  - {d}" for d in found)
        raise AssertionError(f"{heading} ({len(found)} differences):\n{lines}")


def assert_same_model(actual: Any, expected: Any, **options: Any) -> None:
    """Raise one AssertionError listing every difference ``model_differences`` finds."""
    heading = f"model '{actual.name}' differs from its twin '{expected.name}'"
    assert_no_differences(model_differences(actual, expected, **options), heading)
