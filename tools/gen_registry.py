"""Regenerate graphspec/catalog/keras_registry.json from the installed Keras (after upgrading).

    python tools/gen_registry.py

The registry lets `graphspec validate` check layer names, constructor keywords, call
keywords and the names of losses, metrics, optimizers, activations and initializers
without importing TensorFlow. tests/catalog/test_registry.py checks it still matches Keras.
"""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "graphspec" / "catalog" / "keras_registry.json"


def _bools(fn: Any) -> list[str]:
    """Keyword arguments whose default is True or False."""
    return [n for n, p in inspect.signature(fn).parameters.items() if isinstance(p.default, bool)]


def _params(fn: Any) -> tuple[list[str], list[str], list[str], bool, bool]:
    """(positional names, keyword names, required names, has *args, has **kwargs)."""
    sig = inspect.signature(fn)
    positional: list[str] = []
    keyword: list[str] = []
    required: list[str] = []
    varargs = varkw = False
    for i, (name, p) in enumerate(sig.parameters.items()):
        if i == 0 and name == "self":
            continue
        if p.kind is p.VAR_POSITIONAL:
            varargs = True
        elif p.kind is p.VAR_KEYWORD:
            varkw = True
        else:
            if p.kind is not p.KEYWORD_ONLY:
                positional.append(name)
            keyword.append(name)
            if p.default is p.empty:
                required.append(name)
    return positional, keyword, required, varargs, varkw


def layer_entry(cls: type, base: type) -> dict[str, Any]:
    positional, keyword, required, varargs, varkw = _params(cls.__init__)
    names = list(keyword)
    bools = _bools(cls.__init__)
    for parent in cls.__mro__[1:]:
        if not varkw or not issubclass(parent, base) or "__init__" not in vars(parent):
            continue
        _, kw, _, _, varkw = _params(parent.__init__)
        names += [k for k in kw if k not in names]
        bools += [k for k in _bools(parent.__init__) if k not in bools and k in kw]
    names += [k for k in ("input_dim", "input_shape") if k not in names]
    call_pos, call_kw, call_req, _, call_varkw = _params(cls.call)
    return {
        "positional": positional,
        "keywords": names,
        "bools": bools,
        "required": required,
        "varargs": varargs,
        "call": call_kw,
        "call_required": [r for r in call_req if r in call_pos],
        "call_varkw": call_varkw,
    }


def main() -> int:
    import keras
    from keras.src import (
        activations,
        constraints,
        initializers,
        losses,
        metrics,
        optimizers,
        regularizers,
    )

    layers = {
        name: layer_entry(obj, keras.layers.Layer)
        for name in sorted(dir(keras.layers))
        if not name.startswith("_")
        and isinstance(obj := getattr(keras.layers, name), type)
        and issubclass(obj, keras.layers.Layer)
    }
    apps = {}
    for name in sorted(dir(keras.applications)):
        obj = getattr(keras.applications, name)
        if name[0].isupper() and inspect.isfunction(obj):
            _, keyword, required, _, _ = _params(obj)
            apps[name] = {"keywords": keyword, "required": required}
    data = {
        "keras_version": keras.__version__,
        "layers": layers,
        "applications": apps,
        "losses": sorted(losses.ALL_OBJECTS_DICT),
        "metrics": sorted({*metrics.ALL_OBJECTS_DICT, "acc", "accuracy", "ce", "crossentropy"}),
        "optimizers": sorted(optimizers.ALL_OBJECTS_DICT),
        "optimizer_classes": sorted(c.__name__ for c in optimizers.ALL_OBJECTS),
        "activations": sorted(activations.ALL_OBJECTS_DICT),
        "initializers": sorted(initializers.ALL_OBJECTS_DICT),
        "regularizers": sorted(regularizers.ALL_OBJECTS_DICT),
        "constraints": sorted(constraints.ALL_OBJECTS_DICT),
    }
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    if "--check" in sys.argv:
        return 0 if OUT.read_text() == text else 1
    OUT.write_text(text)
    print(f"wrote {OUT} ({len(layers)} layers, {len(apps)} applications)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
