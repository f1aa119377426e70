"""graphspec's safety caps, in one place: what a spec may cost before it is refused."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

MAX_BYTES = 4 * 1024 * 1024
"""A spec file's size, in bytes."""

MAX_DEPTH = 64
"""How deep mappings and lists may nest."""

MAX_VALUES = 1_000_000
"""Values a document may hold, aliases expanded."""

MAX_EVENTS = 2_000_000
"""YAML events a document may have."""

MAX_INT = 2**63 - 1
"""The largest integer a spec may write, either sign: Keras and TensorFlow sizes are 64-bit."""

MAX_NESTING = 100
"""Parentheses and unary signs nest at most this deep in a `${…}` expression."""

MAX_NODES = 50_000
"""Nodes a spec may flatten to: every repeat and block copy, sub-models included."""

MAX_INCLUDES = 1_000
"""`spec:` files a spec may include in all, counting a file each time it is included."""

MAX_INCLUDED_BYTES = 16 * 1024 * 1024
"""The size of all the files a spec includes, each counted once (each is read once)."""

MAX_SUBMODEL_DEPTH = 32
"""How deep sub-models (`graph:` entries and `spec:` includes) may nest in one another."""

MAX_BLOCK_DEPTH = 32
"""How deep blocks may use blocks that use blocks…"""

MAX_GRAPH_DEPTH = 1_500
"""The longest chain of calls in one graph: Keras recurses once per layer of it to build or
load a model, under the recursion limit of 3,000 it sets when imported (measured: a chain of
2,500 builds, saves and reloads; 3,000 do not). Every keras.applications model is under it
(the deepest, EfficientNetV2L, has a chain of 1,030)."""

MAX_TENSOR_VALUES = 2**28
"""The most values one example of an input or node output may hold (2^28: 1 GiB of float32):
Keras makes such tensors whole when it compiles a model (its losses and metrics are built on
a batch of one) and when it runs it, so a larger one would exhaust the memory, not fail."""

DEFAULT_MAX_PARAMS = 10**9
"""The parameter budget of a model unless the caller gives another (--max-params)."""


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run a stage without Python's cyclic garbage collector: its passes over the many small
    objects a large spec is made of grow with the heap, and made checking one superlinear
    (40,000 nodes: 26 s instead of 6 s). What the stage leaves in cycles is collected after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
