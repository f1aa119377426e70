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

from collections.abc import Sequence
from typing import Any

from tests.oracle.function import (
    ParamCounts,
    copy_weights,
    function_differences,
    mismatch,
    param_counts,
    param_differences,
    probes,
    randomise_weights,
    sample_inputs,
    weighted_layers,
)
from tests.oracle.graph import Call, Graph, Ref, canonical_graph, canonical_layers
from tests.oracle.structure import comparable_config, config_differences, structure_differences

__all__ = [
    "Call",
    "Graph",
    "ParamCounts",
    "Ref",
    "assert_no_differences",
    "assert_same_model",
    "canonical_graph",
    "canonical_layers",
    "comparable_config",
    "config_differences",
    "copy_weights",
    "function_differences",
    "mismatch",
    "model_differences",
    "param_counts",
    "param_differences",
    "probes",
    "randomise_weights",
    "sample_inputs",
    "weighted_layers",
]

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
