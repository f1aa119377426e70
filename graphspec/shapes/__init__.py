"""Stage 4, shapes: static shape inference over the ordered IR, in pure Python (no Keras)."""

from graphspec.shapes.core import Shape, ShapeTree
from graphspec.shapes.walker import Inferred, infer

__all__ = ["Inferred", "Shape", "ShapeTree", "infer"]
