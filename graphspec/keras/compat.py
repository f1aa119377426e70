"""The one module that touches Keras internals; public API (keras.StatelessScope) wherever it
exists. `requirements()` lists what it relies on, so that a Keras upgrade that moves any of it
fails one test loudly instead of many quietly."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from graphspec.keras import backends


@contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 (C++ logging) for the block; Python exceptions still propagate."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
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
    """Import Keras on the backend `backends.select()` chose (KERAS_BACKEND, else tensorflow),
    and TensorFlow only on the TensorFlow backend, keeping its C++ start-up chatter (oneDNN,
    CUDA probing) off the terminal; Python errors still propagate."""
    module = sys.modules.get("keras")
    if module is not None and hasattr(module, "config"):
        if module.config.backend() != "tensorflow" or "tensorflow" in sys.modules:
            return module
    else:
        backends.select()
    with quiet_stderr():
        import keras as k

        if k.config.backend() == "tensorflow":
            import tensorflow as tf

            tf.config.list_physical_devices()  # probe devices now, while stderr is quiet
    return k


def backend() -> str:
    """The backend of the imported Keras (importing it if need be)."""
    return str(keras().config.backend())


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


def allocate_declared(model: Any = None) -> None:
    """Allocate every variable declared under `declared_only()`; those of `model`'s layers
    that are trainable weights of a frozen layer are allocated as trainable backend
    variables, as an eager build makes them, so that unfreezing the layer trains them."""
    from keras.src.backend.common.variables import initialize_all_variables

    frozen = [v for v in _frozen_trainable(model) if v._value is None] if model is not None else []
    for v in frozen:
        v._trainable = True  # the backend variable takes the flag it is created with
    try:
        initialize_all_variables()
    finally:
        for v in frozen:
            v.trainable = False  # Keras's flag again (torch: requires_grad, as eagerly)


def every_layer(model: Any) -> list[Any]:
    """The model and every layer in it, nested models' layers too, each once."""
    return list(model._flatten_layers(include_self=True, recursive=True))


def _frozen_trainable(model: Any) -> list[Any]:
    """The weights that layers of `model` (nested ones too) hold as trainable, but that are
    not trainable now because their layer is frozen (`trainable=False`)."""
    found: dict[int, Any] = {}
    for layer in every_layer(model):
        for v in layer._trainable_variables:
            if not v.trainable:
                found.setdefault(id(v), v)
    return list(found.values())


@contextmanager
def no_tensorflow_probe() -> Iterator[None]:
    """On jax and torch, keep Keras from importing TensorFlow (2.5 s, 1 GB) only to ask
    whether an object is a TensorFlow type (serialization) or to seed it (set_random_seed):
    while TensorFlow is not imported, no object is of its types and nothing uses its seed."""
    name = backend()  # imports Keras first, quietly, on the chosen backend
    from keras.src.utils import module_utils

    lazy = module_utils.tensorflow
    if name == "tensorflow" or "tensorflow" in sys.modules or lazy._available is not None:
        yield
        return
    lazy._available = False
    try:
        yield
    finally:
        if "tensorflow" not in sys.modules:
            lazy._available = None


def set_random_seed(seed: int) -> None:
    """keras.utils.set_random_seed (Python, NumPy, the backend), TensorFlow's only on it."""
    with no_tensorflow_probe():
        keras().utils.set_random_seed(seed)


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
    return missing + _layer_requirements(k.Model(x, y))


def _layer_requirements(model: Any) -> list[str]:
    """The private attributes of layers and of Keras's lazy TensorFlow module used here."""
    from keras.src.utils import module_utils

    missing = []
    if not hasattr(model, "_flatten_layers") or not all(
        hasattr(layer, "_trainable_variables") for layer in model._flatten_layers()
    ):
        missing.append("Layer._flatten_layers and Layer._trainable_variables")
    if not hasattr(getattr(module_utils, "tensorflow", None), "_available"):
        missing.append("keras.src.utils.module_utils.tensorflow._available")
    return missing
