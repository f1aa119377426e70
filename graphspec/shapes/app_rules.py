"""Static shape rules of the layers keras.applications defines and Keras does not export."""

from __future__ import annotations

from graphspec.shapes.core import Call, Rule, ShapeProblem, ShapeTree, ints, shape
from graphspec.shapes.ops import broadcast


def layer_scale(call: Call) -> ShapeTree:
    """LayerScale: `x * gamma`, gamma of shape (projection_dim,)."""
    return broadcast("LayerScale", shape(call.x), (ints(call.arg("projection_dim"), 1)[0],))


def custom_scale(call: Call) -> ShapeTree:
    """CustomScaleLayer: `inputs[0] + inputs[1] * scale`."""
    given = call.x
    if not isinstance(given, list) or len(given) != 2:
        raise ShapeProblem("CustomScaleLayer needs inputs [x, residual]")
    return broadcast("CustomScaleLayer", shape(given[0]), shape(given[1]))


def same(call: Call) -> ShapeTree:
    return shape(call.x)


APPLICATION_LAYER_RULES: dict[str, Rule] = {
    "LayerScale": layer_scale,
    "StochasticDepth": same,
    "CustomScaleLayer": custom_scale,
}
