"""The inner layers of every keras.applications model (graphspec/catalog/application_layers.json).

Called by tools/gen_registry.py (it writes the file; `--check-applications [NAME ...]`
compares it). For each application, built with `weights=None` and no weights allocated:

- `layers`: the top-level layer names of the model without its top (`include_top=False`,
  no pooling), each with its output shape as a code that graphspec/shapes/app_layers.py
  reads: `"K/C"` (the input's height and width after the first K downsampling steps of
  graphspec/shapes/apps.py, C channels), `"=D1,D2,…"` (a fixed shape after the batch
  axis), or null (not known statically);
- `top`: the names `include_top=True` adds; `top_drops`: names it removes (usually none);
- `auto`: the prefixes of layers Keras names itself (`re_lu`, `re_lu_3`, …): their numbers
  depend on what the process built before, so they are not listed;
- `defaults`: every other keyword argument's default: names and shapes are those of these
  defaults (a spec giving another value is checked at build).

Names do not depend on the input size or on the model's `name` (graphspec builds an
application under Keras's own name and renames the model), which is checked here: the
model without top is built for a non-square input, the one with top for the default size.
"""

from __future__ import annotations

import collections
import inspect
import re
from typing import Any

AUTO = re.compile(r"^(.*)_9\d{3}$")
"""A name Keras made (see `_fresh_names`)."""


class _Numbered(collections.defaultdict[str, int]):
    """Keras's name counters, as if every name had been used 9000 times: every name Keras
    makes itself ends in `_9NNN`, and the names the application gives stay as they are."""

    def __contains__(self, key: object) -> bool:
        return True


def _build(fn: Any, **kwargs: Any) -> Any:
    import keras
    from keras.src.backend.common import global_state

    global_state.set_global_attribute("object_name_uids", _Numbered(lambda: 9000))
    try:
        with keras.StatelessScope(initialize_variables=False):
            return fn(weights=None, **kwargs)
    finally:
        global_state.set_global_attribute("uninitialized_variables", [])
        global_state.set_global_attribute("object_name_uids", None)


def _size(name: str) -> tuple[int, int]:
    """A non-square input size the application accepts (its default size, and 33 more)."""
    from graphspec.shapes.apps import APPS

    size = APPS[name].size if name in APPS else {"NASNetLarge": 331}.get(name, 224)
    return size, size + 33


def _shape_code(name: str, shape: tuple[Any, ...], built: tuple[int, int]) -> str | None:
    from graphspec.shapes.app_layers import after_steps, steps_of

    dims = list(shape[1:])
    if len(dims) == 3 and all(isinstance(d, int) for d in dims):
        steps = steps_of(name)
        for k in range(len(steps) + 1) if steps else ():
            if [after_steps(steps, n, n, k) for n in built] == dims[:2]:
                return f"{k}/{dims[2]}"
        if dims[0] == dims[1]:  # the same on both axes of a non-square input: fixed
            return "=" + ",".join(map(str, dims))
        return None
    if all(isinstance(d, int) for d in dims):
        return "=" + ",".join(map(str, dims))
    return None


def _names(model: Any) -> tuple[dict[str, Any], set[str]]:
    """Top-level layers by name (Keras-made names left out), and the Keras-made prefixes."""
    layers: dict[str, Any] = {}
    auto: set[str] = set()
    for layer in model.layers:
        m = AUTO.match(layer.name)
        if m:
            auto.add(m.group(1))
        else:
            layers[layer.name] = layer
    return layers, auto


def _defaults(fn: Any) -> dict[str, Any]:
    from graphspec.catalog.applications import MODELLED

    out = {}
    for p in inspect.signature(fn).parameters.values():
        skip = (*MODELLED, "input_tensor", "name")
        if p.name not in skip and p.default is not p.empty:
            d = p.default
            out[p.name] = d if isinstance(d, bool | int | float | str | type(None)) else repr(d)
    return out


def entry(name: str) -> dict[str, Any]:
    """The catalog entry of application `name` (see the module's docstring)."""
    import keras

    fn = getattr(keras.applications, name)
    built = _size(name)
    base = _build(fn, include_top=False, input_shape=(*built, 3))
    layers, auto = _names(base)
    codes = {n: _shape_code(name, tuple(layer.output.shape), built) for n, layer in layers.items()}
    top_layers, top_auto = _names(_build(fn, include_top=True))
    return {
        "layers": codes,
        "top": [n for n in top_layers if n not in layers],
        "top_drops": [n for n in layers if n not in top_layers],
        "auto": sorted(auto | top_auto),
        "defaults": _defaults(fn),
    }


def application_names() -> list[str]:
    import keras

    return sorted(
        n
        for n in dir(keras.applications)
        if n[0].isupper() and inspect.isfunction(getattr(keras.applications, n))
    )
