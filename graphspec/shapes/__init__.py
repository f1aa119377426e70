"""Stage 4, shapes: static shape inference and parameter counts over the ordered IR, in pure
Python (no Keras)."""

from graphspec.shapes.core import Shape, ShapeTree
from graphspec.shapes.params import Count
from graphspec.shapes.tally import Params
from graphspec.shapes.walker import Inferred, infer

__all__ = ["Count", "Inferred", "Params", "Shape", "ShapeTree", "infer"]
