"""What Keras offers only on some backends, found in the program before anything is built
(GS640): TensorFlow-backed preprocessing layers, TensorFlow-only arguments, string and sparse
inputs. Imports no Keras (`validate --backend` uses it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphspec.diagnostics import Diagnostic, codes, once_per_copy
from graphspec.ir import InputIR, LayerIR, OpIR, Program, SequentialIR

EVERY = ("tensorflow", "jax", "torch")

TF_INSIDE = ("TextVectorization", "StringLookup", "IntegerLookup", "Hashing", "HashedCrossing")
"""Layers that run TensorFlow ops whatever the backend: inside a model they work where the
model runs eagerly (torch), not inside a compiled jax computation."""

LAYERS: dict[str, tuple[str, ...]] = dict.fromkeys(TF_INSIDE, ("tensorflow", "torch"))
"""A layer → the backends on which it can be part of a model."""

ARGUMENTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("BatchNormalization", "synchronized"): ("tensorflow",),
    ("StringLookup", "sparse"): ("tensorflow",),
    ("IntegerLookup", "sparse"): ("tensorflow",),
    ("TextVectorization", "sparse"): ("tensorflow",),
    ("TextVectorization", "ragged"): ("tensorflow",),
    ("HashedCrossing", "sparse"): ("tensorflow",),
}
"""(layer, keyword) → the backends on which the keyword may be true."""

OPS: dict[tuple[str, str], tuple[str, ...]] = {("norm", "axis"): ("tensorflow", "torch")}
"""(op, keyword) → the backends on which an op node may give the keyword (not null): Keras
3.15's Norm operation keeps an axis as a list, which jax.jit cannot take as a static
argument, so the model fails when it runs (and so does a saved one, reloaded on jax)."""

WHY = {
    "layer": "it runs TensorFlow ops, which cannot be part of a compiled jax computation; "
    "apply it to the data outside the model (in a tf.data pipeline)",
    "string": "Keras builds the model, but a model on this backend cannot run on strings; "
    "turn strings into numbers outside the model (StringLookup or TextVectorization in a "
    "tf.data pipeline)",
    "sparse": "Keras's sparse tensors exist on tensorflow and jax only",
}


def _where(backends: tuple[str, ...], word: str = "or") -> str:
    return f" {word} ".join(backends)


def _layers(value: Any) -> Iterator[LayerIR]:
    """Every layer in a constructor argument (wrappers' `layer:`, lists of layers)."""
    if isinstance(value, LayerIR):
        yield value
        for inner in (*value.args, *value.kwargs.values()):
            if isinstance(inner, LayerIR | list):  # most arguments are neither
                yield from _layers(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _layers(inner)


def _every_layer(program: Program, ops: list[OpIR]) -> list[LayerIR]:
    """Every layer of the program that some rule here is about (RULED), nested ones after the
    layer holding them; the graphs' ops into `ops` (one pass over the nodes). A layer whose
    arguments are all plain values (its LayerIR.config is set: most) holds no other."""
    found: list[LayerIR] = []
    for graph in program.graphs():
        for node in graph.nodes:
            call = node.callable
            if type(call) is LayerIR and call.config is not None:
                if call.class_name in RULED:  # (few are)
                    found.append(call)
            elif type(call) is OpIR:
                ops.append(call)
            else:
                found.extend(layer for layer in _layers(call) if layer.class_name in RULED)
    for entry in program.shared.values():
        if isinstance(entry, LayerIR | SequentialIR):
            held = entry if isinstance(entry, LayerIR) else entry.layers
            found.extend(layer for layer in _layers(held) if layer.class_name in RULED)
    return found


def _every_input(program: Program) -> Iterator[InputIR]:
    for graph in program.graphs():
        yield from graph.inputs


RULED = set(LAYERS) | {name for name, _ in ARGUMENTS}
"""The layers some rule here is about (most layers run on every backend with any argument)."""


def layer_problems(layer: LayerIR, backend: str) -> list[Diagnostic]:
    """The layer itself, and each of its keywords, where the backend lacks them."""
    if layer.class_name not in RULED:
        return []
    found = []
    allowed = LAYERS.get(layer.class_name, EVERY)
    if backend not in allowed:
        found.append(
            layer.origin.diagnostic(
                f"{layer.class_name} cannot be part of a model on the {backend} backend: "
                f"{WHY['layer']}, or build on {_where(allowed)} (--backend)",
                code=codes.NOT_ON_THIS_BACKEND,
                path=(*layer.origin.path, "layer"),
            )
        )
    for key, value in layer.kwargs.items():
        only = ARGUMENTS.get((layer.class_name, key))
        if only is not None and value is True and backend not in only:
            found.append(
                layer.origin.diagnostic(
                    f"{layer.class_name}({key}=True) is supported on {_where(only, 'and')} only, "
                    f"not on the {backend} backend",
                    code=codes.NOT_ON_THIS_BACKEND,
                    path=(*layer.origin.path, key),
                )
            )
    return found


def op_problems(op: OpIR, backend: str) -> list[Diagnostic]:
    """An op's keywords where the backend fails to run the op with them."""
    found = []
    for key, value in op.kwargs.items():
        only = OPS.get((op.name, key))
        if only is not None and value is not None and backend not in only:
            found.append(
                op.origin.diagnostic(
                    f"keras.ops.{op.name} with `{key}` fails when the model runs on the "
                    f"{backend} backend (Keras keeps the {key} as a list, which jax.jit cannot "
                    f"take); build on {_where(only)} (--backend)",
                    code=codes.NOT_ON_THIS_BACKEND,
                    path=(*op.origin.path, key),
                )
            )
    return found


def input_problems(spec: InputIR, backend: str) -> list[Diagnostic]:
    """A string input off TensorFlow; a sparse input on torch."""
    if spec.dtype == "string" and backend != "tensorflow":
        message, key, on = (
            f"a string input on the {backend} backend: {WHY['string']}",
            "dtype",
            "tensorflow",
        )
    elif spec.sparse and backend == "torch":
        message, key, on = (
            f"a sparse input on the torch backend: {WHY['sparse']}",
            "sparse",
            "tensorflow or jax",
        )
    else:
        return []
    return [
        spec.origin.diagnostic(
            f"{message}; or build on {on} (--backend)",
            code=codes.NOT_ON_THIS_BACKEND,
            path=(*spec.origin.path, key),
        )
    ]


def problems(program: Program, backend: str) -> list[Diagnostic]:
    """Every use of what the backend lacks, once per block copy, in file order."""
    found: list[Diagnostic] = []
    ops: list[OpIR] = []
    for layer in _every_layer(program, ops):
        found.extend(layer_problems(layer, backend))
    for op in ops:
        found.extend(op_problems(op, backend))
    for spec in _every_input(program):
        found.extend(input_problems(spec, backend))
    return once_per_copy(found)
