"""The one module that touches Keras internals; public API (keras.StatelessScope) wherever it
exists. `requirements()` lists what it relies on, so that a Keras upgrade that moves any of it
fails one test loudly instead of many quietly."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 (C++ logging) for the block; Python exceptions still propagate."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def keras() -> Any:
    """Import Keras on the TensorFlow backend, keeping TensorFlow's C++ start-up chatter
    (oneDNN, CUDA probing) off the terminal; Python errors still propagate."""
    if "keras" in sys.modules and "tensorflow" in sys.modules:
        return sys.modules["keras"]
    with quiet_stderr():
        import keras as k
        import tensorflow as tf

        tf.config.list_physical_devices()  # probe devices now, while stderr is quiet
    return k


@contextmanager
def declared_only() -> Iterator[None]:
    """Build inside: variables are declared (shapes known, parameters countable) but not
    allocated. On an error, the declared variables are forgotten, so that the next build
    does not allocate them."""
    k = keras()
    try:
        with k.StatelessScope(initialize_variables=False):
            yield
    except BaseException:
        _global_state().set_global_attribute("uninitialized_variables", [])
        raise


@contextmanager
def without_weights() -> Iterator[None]:
    """Build inside for the graph and configs alone: variables are declared, never allocated
    (a 350M-parameter application costs no memory); they are forgotten on the way out."""
    k = keras()
    try:
        with k.StatelessScope(initialize_variables=False):
            yield
    finally:
        _global_state().set_global_attribute("uninitialized_variables", [])


def allocate_declared() -> None:
    """Allocate every variable declared under `declared_only()`."""
    from keras.src.backend.common.variables import initialize_all_variables

    initialize_all_variables()


def train_backing_variables(model: Any) -> None:
    """Make the backend variable behind each of the model's trainable weights trainable too.

    Keras creates a weight's tf.Variable trainable at the TensorFlow level even in a layer
    frozen at construction (only Keras's own flag is off); a weight first allocated under
    `declared_only()` after its layer was frozen gets a non-trainable tf.Variable, which no
    GradientTape watches, so unfreezing the layer later would train nothing. Replaces each
    such backing variable by a trainable copy (values kept) before anything is trained."""
    import tensorflow as tf

    for weight in model.trainable_weights:
        backing = getattr(weight, "_value", None)
        if isinstance(backing, tf.Variable) and not backing.trainable:
            weight._value = tf.Variable(backing, trainable=True, name=weight.name)


def _global_state() -> Any:
    from keras.src.backend.common import global_state

    return global_state


def producer_name(tensor: Any) -> str | None:
    """The name of the layer (or operation) whose call produced a symbolic tensor."""
    history = getattr(tensor, "_keras_history", None)
    return str(history[0].name) if history else None


# ---- reading a built model's graph (graphspec import) ---------------------------------------


@dataclass(frozen=True)
class Call:
    """One call of an operation in a model's graph: call number `index` of `operation`, the
    arguments it was given (symbolic tensors among constants) and the tensors it returned."""

    operation: Any
    index: int
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    outputs: tuple[Any, ...]


def producer(value: Any) -> tuple[Any, int, int] | None:
    """(operation, call index, output index) of the call that made a symbolic tensor."""
    history = getattr(value, "_keras_history", None)
    if history is None or history[0] is None:
        return None
    return history[0], int(history[1]), int(history[2])


def call_of(operation: Any, index: int) -> Call:
    node = operation._inbound_nodes[index]
    arguments = node.arguments
    return Call(
        operation, index, tuple(arguments.args), dict(arguments.kwargs), tuple(node.outputs)
    )


def is_input_call(operation: Any, index: int) -> bool:
    """Whether the call is a graph's entry point (an InputLayer's), with no tensor arguments."""
    return bool(operation._inbound_nodes[index].is_input)


def symbolic_in(value: Any) -> list[Any]:
    """The symbolic tensors in a (nested) call argument, in order."""
    if producer(value) is not None:
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in symbolic_in(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in symbolic_in(v)]
    return []


def model_calls(model: Any, reads: Callable[[Call], list[Any]] | None = None) -> list[Call]:
    """The calls of a model's own graph (entry points left out), each once, in the order a
    program builds them: depth first from the outputs, through the tensors each call reads
    (`reads`; by default every tensor among its arguments) in order, a call after them."""
    read = reads or (lambda c: symbolic_in([list(c.args), c.kwargs]))
    order: list[Call] = []
    done: set[tuple[int, int]] = set()
    stack: list[tuple[Any, int, bool]] = []
    for tensor in reversed(list(model.outputs)):
        made = producer(tensor)
        if made is not None:
            stack.append((made[0], made[1], False))
    while stack:
        operation, index, expanded = stack.pop()
        if (id(operation), index) in done:
            continue
        if expanded:
            done.add((id(operation), index))
            if not is_input_call(operation, index):
                order.append(call_of(operation, index))
            continue
        stack.append((operation, index, True))
        if is_input_call(operation, index):
            continue
        for tensor in reversed(read(call_of(operation, index))):
            made = producer(tensor)
            if made is not None and (id(made[0]), made[1]) not in done:
                stack.append((made[0], made[1], False))
    return order


def keras_mask(tensor: Any) -> Any:
    """The mask Keras attached to a symbolic tensor (an Embedding's with mask_zero), or None."""
    from keras.src.backend import get_keras_mask

    return get_keras_mask(tensor)


def is_functional(model: Any) -> bool:
    """A Functional model (keras.Model(inputs, outputs)); not a Sequential or subclass."""
    from keras.src.models.functional import Functional

    return type(model) is Functional


LAYER_MODULES = ("keras.layers", "keras.src.layers", "keras.src.models", "keras.src.applications")
"""Where Keras's serializations of layers and models say they come from."""


def serializes_a_layer(module: str) -> bool:
    """Whether a serialization's `module` is one of layers (or models) of Keras."""
    return module.startswith(LAYER_MODULES)


def defined_in_applications(cls: type) -> bool:
    """Whether a class comes from keras.applications' own modules (a private layer)."""
    return cls.__module__.startswith("keras.src.applications.")


@contextmanager
def fresh_names() -> Iterator[None]:
    """Inside, Keras names new layers as in a fresh session (`dense`, `dense_1`, …), so that
    building a model twice gives the same names; the counters outside are kept."""
    state = _global_state()
    saved = state.get_global_attribute("object_name_uids")
    from keras.src.utils.naming import reset_uids

    reset_uids()
    try:
        yield
    finally:
        state.set_global_attribute("object_name_uids", saved)


APPLICATION_MODULES = "keras.src.applications."
"""Where the layers of keras.applications that Keras does not export are defined."""


_SCALE = "inception_resnet_v2.CustomScaleLayer"


def application_layer(module: str, name: str) -> type:
    """A layer class keras.applications defines for itself (ConvNeXt's LayerScale, …), from
    the module the catalog names; only under keras.src.applications, only a Layer."""
    import importlib

    k = keras()
    if not module.startswith(APPLICATION_MODULES):
        raise ValueError(f"{module} is not a module of keras.applications")
    cls = getattr(importlib.import_module(module), name, None)
    if not (isinstance(cls, type) and issubclass(cls, k.layers.Layer)):
        raise ValueError(f"{module} defines no layer {name}")
    return cls


def name_operation(result: Any, inputs: list[Any], name: str) -> None:
    """Name the operation a keras.ops call made (`result` its output or outputs), so that
    the model's names are deterministic; nothing when the call made none (it returned one
    of its inputs)."""
    tensors = list(result) if isinstance(result, list | tuple) else [result]
    given = {id(producer) for producer in map(_producer, inputs) if producer is not None}
    for operation in {id(op): op for op in map(_producer, tensors) if op is not None}.values():
        if id(operation) not in given:
            operation.name = name


def _producer(tensor: Any) -> Any:
    history = getattr(tensor, "_keras_history", None)
    return history[0] if history else None


def requirements() -> list[str]:
    """What of Keras this module relies on and cannot find (empty when all is in place)."""
    k = keras()
    missing = []
    if not hasattr(k, "StatelessScope"):
        missing.append("keras.StatelessScope")
    try:
        from keras.src.backend.common.variables import initialize_all_variables  # noqa: F401
    except ImportError:
        missing.append("keras.src.backend.common.variables.initialize_all_variables")
    state = _global_state()
    if not all(hasattr(state, f) for f in ("get_global_attribute", "set_global_attribute")):
        missing.append("keras.src.backend.common.global_state.{get,set}_global_attribute")
    with k.StatelessScope(initialize_variables=False):
        x = k.Input((2,))
        y = k.layers.Dense(1, name="probe")(x)
        pending = state.get_global_attribute("uninitialized_variables")
    if producer_name(y) != "probe":
        missing.append("KerasTensor._keras_history (the layer that produced a tensor)")
    z = k.ops.add(y, 1.0)
    name_operation(z, [y], "probe_op")
    if producer_name(z) != "probe_op":
        missing.append("naming the operation of a keras.ops call (Operation.name)")
    for where in ("convnext.LayerScale", "convnext.StochasticDepth", _SCALE):
        module, name = where.rsplit(".", 1)
        try:
            application_layer(f"{APPLICATION_MODULES}{module}", name)
        except (ImportError, ValueError):
            missing.append(f"{APPLICATION_MODULES}{where}")
    if not pending:
        missing.append("the 'uninitialized_variables' list of keras.src global_state")
    state.set_global_attribute("uninitialized_variables", [])
    return missing + _graph_requirements(k)


def _graph_requirements(k: Any) -> list[str]:
    """What reading a model's graph (model_calls, keras_mask, fresh_names) relies on."""
    missing = []
    x = k.Input((2,), name="probe_in")
    dense = k.layers.Dense(2, name="probe_dense")
    y = dense(dense(x))
    calls = model_calls(k.Model(x, y))
    if [(c.operation.name, c.index, len(c.args)) for c in calls] != [
        ("probe_dense", 0, 1),
        ("probe_dense", 1, 1),
    ]:
        missing.append("Operation._inbound_nodes[i].arguments/.outputs/.is_input (call nodes)")
    try:
        from keras.src.models.functional import Functional  # noqa: F401
        from keras.src.utils.naming import reset_uids  # noqa: F401
    except ImportError:
        missing.append("keras.src.models.functional.Functional, keras.src.utils.naming")
    masked = k.layers.Embedding(3, 2, mask_zero=True)(k.Input((None,), dtype="int32"))
    try:
        if keras_mask(masked) is None:
            missing.append("the mask Keras attaches to a symbolic tensor")
    except ImportError:
        missing.append("keras.src.backend.get_keras_mask")
    with fresh_names():
        if k.layers.ReLU().name != "re_lu":
            missing.append("the 'object_name_uids' counters of keras.src global_state")
    return missing
