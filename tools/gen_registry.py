"""Regenerate graphspec/catalog/keras_registry.json from the installed Keras (after upgrading).

    python tools/gen_registry.py

The registry lets `graphspec validate` check layer names, constructor keywords (and the
types of those whose default or docstring says it), call keywords, and the names (and
argument types) of losses, metrics, optimizers, activations and initializers without
importing TensorFlow. tests/catalog/test_registry.py checks it still matches Keras.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "graphspec" / "catalog" / "keras_registry.json"


def _bools(fn: Any) -> list[str]:
    """Keyword arguments whose default is True or False."""
    return [n for n, p in inspect.signature(fn).parameters.items() if isinstance(p.default, bool)]


_DOC_TYPES = (
    (re.compile(r"(optional\W*)?(a |an |the )?(python )?(bool|boolean)s?\b"), "bool"),
    (
        re.compile(
            r"(optional\W*)?(a |an |the )?(positive |non-negative |strictly positive )?"
            r"(python )?(int|integer)s?\b"
        ),
        "int",
    ),
    (
        re.compile(
            r"(optional\W*)?(a |an |the )?(positive |non-negative )?(python )?"
            r"(float|floating[- ]point)s?\b"
        ),
        "float",
    ),
    (re.compile(r"(optional\W*)?(a |an |the )?(python )?(str|string)s?\b"), "str"),
)
"""How Keras's docstrings start an argument's description with its type (`units: Positive
integer, …`, `filters: int, …`, `rate: Float between 0 and 1`)."""

_OBJECT_WORDS = re.compile(r"\b(function|callable|instance)\b")
"""Words by which a docstring says an argument takes a Python object, not plain data."""


def _documented(cls: type) -> dict[str, str]:
    """Each argument's description in the class's docstring (its `Args:` section)."""
    doc = inspect.getdoc(cls) or ""
    found: dict[str, str] = {}
    section = re.search(r"^(Args|Arguments):\n((?:[ \t]+.*\n?|\n)*)", doc, re.M)
    if section is None:
        return found
    current = None
    for line in section.group(2).splitlines():
        m = re.match(r"^    (\w+)(?: \([^)]*\))?: ?(.*)$", line)
        if m:
            current = m.group(1)
            found[current] = m.group(2)
        elif current and line.startswith("        "):
            found[current] += " " + line.strip()
    return found


def _kind(default: Any) -> str | None:
    """The type an argument's default has, as the registry names it."""
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if isinstance(default, float):
        return "float"
    if isinstance(default, str):
        return "str"
    return None


def argument_types(cls: type, fn: Any, objects: bool = False) -> dict[str, str]:
    """Each argument's type, from its default, else from the docstring's first words (else
    unknown, and left out): `bool`, `int`, `float`, `str`; with `objects`, `object` for a
    required argument documented as a function, a callable or an instance."""
    docs = _documented(cls)
    types: dict[str, str] = {}
    for name, p in inspect.signature(fn).parameters.items():
        if name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        kind = _kind(p.default) if p.default is not p.empty else None
        text = docs.get(name, "").strip().lower()
        if kind is None:
            kind = next((k for pattern, k in _DOC_TYPES if pattern.match(text)), None)
        if kind is None and objects and p.default is p.empty and _OBJECT_WORDS.search(text):
            kind = "object"
        if kind is not None:
            types[name] = kind
    return types


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
    ignored = [k for k in ("input_dim", "input_shape") if k not in names]
    names += ignored  # Keras's Layer takes them, and a functional model ignores them
    call_pos, call_kw, call_req, _, call_varkw = _params(cls.call)
    types = argument_types(cls, cls.__init__)
    for parent in cls.__mro__[1:]:
        if issubclass(parent, base) and "__init__" in vars(parent):
            inherited = argument_types(parent, parent.__init__)
            types.update({k: v for k, v in inherited.items() if k in names and k not in types})
    return {
        "positional": positional,
        "keywords": names,
        "types": dict(sorted(types.items())),
        "ignored": ignored,
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
    objects = {
        kind: {
            name: argument_types(obj, obj.__init__, objects=True)
            for name, obj in sorted(module.ALL_OBJECTS_DICT.items())
            if isinstance(obj, type)
        }
        for kind, module in (
            ("losses", losses),
            ("metrics", metrics),
            ("optimizers", optimizers),
            ("initializers", initializers),
            ("regularizers", regularizers),
            ("constraints", constraints),
        )
    }
    data = {
        "keras_version": keras.__version__,
        "object_arguments": objects,
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
