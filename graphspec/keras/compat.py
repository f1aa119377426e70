"""The one module that touches Keras internals; public API (keras.StatelessScope) wherever it
exists. `requirements()` lists what it relies on, so that a Keras upgrade that moves any of it
fails one test loudly instead of many quietly."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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
    return missing
