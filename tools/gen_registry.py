"""Regenerate graphspec/catalog/keras_registry.json (and application_layers.json) from the
installed Keras (after upgrading).

    python tools/gen_registry.py                      # both files (a few minutes)
    python tools/gen_registry.py --no-applications    # keras_registry.json only
    python tools/gen_registry.py --check              # is keras_registry.json current?
    python tools/gen_registry.py --check-applications [NAME ...]   # application_layers.json

The registry lets `graphspec validate` check layer names (keras.layers' and the layers
keras.applications defines for itself), constructor keywords (and the types of those whose
default or docstring says it), call keywords, the names (and argument types) of losses,
metrics, optimizers, activations and initializers, and the allowed keras.ops functions
(graphspec/catalog/ops.py) with their signatures, without importing TensorFlow.
application_layers.json holds every application's inner layers (tools/gen_application_layers.py).
tests/catalog/ checks both still match Keras.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "graphspec" / "catalog" / "keras_registry.json"
APPLICATIONS = ROOT / "graphspec" / "catalog" / "application_layers.json"
sys.path.insert(0, str(ROOT))

from graphspec.catalog.ops import ALLOWED  # noqa: E402


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


def application_layers(base: type, exported: set[str]) -> dict[str, Any]:
    """Layer classes keras.applications defines for itself and does not export
    (ConvNeXt's LayerScale, InceptionResNetV2's CustomScaleLayer, …), found where they are
    defined: every module of keras.src.applications. Each entry says its module."""
    import importlib
    import pkgutil

    import keras.src.applications as package

    found: dict[str, Any] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.endswith("_test"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, obj in sorted(vars(module).items()):
            if (
                isinstance(obj, type)
                and issubclass(obj, base)
                and obj.__module__ == module.__name__
                and name not in exported
            ):
                found[name] = {**layer_entry(obj, base), "module": module.__name__}
    return dict(sorted(found.items()))


def _operation_classes(fn: Any, depth: int = 0) -> list[type]:
    """The Operation classes a keras.ops function makes (through the keras.ops functions it
    calls, as `abs` calls `absolute`)."""
    import keras
    from keras.src.ops.operation import Operation

    module = sys.modules[fn.__module__]
    found: list[type] = []
    for name in fn.__code__.co_names:
        obj = vars(module).get(name)
        if isinstance(obj, type) and issubclass(obj, Operation):
            found.append(obj)
        elif depth < 2 and inspect.isfunction(obj) and getattr(keras.ops, name, None) is obj:
            found += _operation_classes(obj, depth + 1)
    return list(dict.fromkeys(found))


def _default(value: Any) -> Any:
    """A parameter's default as JSON: None when it has none (`required` says which)."""
    if value is inspect.Parameter.empty:
        return None
    return value if isinstance(value, bool | int | float | str | type(None)) else repr(value)


def op_entry(name: str) -> dict[str, Any]:
    """One allowed keras.ops function: its parameters in order (with defaults), which of them
    its Operation takes as tensors (its `call`'s), and that Operation's class."""
    import keras

    fn = getattr(keras.ops, name)
    classes = _operation_classes(fn)
    if len(classes) != 1:
        raise SystemExit(f"keras.ops.{name} makes {len(classes)} operation classes: {classes}")
    [cls] = classes
    call = set(inspect.signature(cls.call).parameters)
    params = []
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise SystemExit(f"keras.ops.{name} takes *{p.name}: not on the allow-list")
        params.append(
            {"name": p.name, "required": p.default is p.empty, "default": _default(p.default)}
        )
    return {
        "params": params,
        "tensors": [p["name"] for p in params if p["name"] in call],
        "operation": f"{cls.__module__}.{cls.__qualname__}",
    }


def _layers(keras: Any) -> dict[str, Any]:
    """Every public layer class of keras.layers, and those the applications use besides."""
    layers = {
        name: layer_entry(obj, keras.layers.Layer)
        for name in sorted(dir(keras.layers))
        if not name.startswith("_")
        and isinstance(obj := getattr(keras.layers, name), type)
        and issubclass(obj, keras.layers.Layer)
    }
    layers.update(application_layers(keras.layers.Layer, set(layers)))
    return layers


def _applications(keras: Any) -> dict[str, Any]:
    """Each keras.applications constructor's keyword arguments, and which are required."""
    apps = {}
    for name in sorted(dir(keras.applications)):
        obj = getattr(keras.applications, name)
        if name[0].isupper() and inspect.isfunction(obj):
            _, keyword, required, _, _ = _params(obj)
            apps[name] = {"keywords": keyword, "required": required}
    return apps


def registry() -> dict[str, Any]:
    """keras_registry.json's data, from the installed Keras."""
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

    functions = [n for n in dir(keras.ops) if inspect.isfunction(getattr(keras.ops, n))]
    kinds = (losses, metrics, optimizers, initializers, regularizers, constraints)
    objects = {
        module.__name__.rsplit(".", 1)[-1]: {
            name: argument_types(obj, obj.__init__, objects=True)
            for name, obj in sorted(module.ALL_OBJECTS_DICT.items())
            if isinstance(obj, type)
        }
        for module in kinds
    }
    return {
        "keras_version": keras.__version__,
        "object_arguments": objects,
        "layers": _layers(keras),
        "applications": _applications(keras),
        "losses": sorted(losses.ALL_OBJECTS_DICT),
        "metrics": sorted({*metrics.ALL_OBJECTS_DICT, "acc", "accuracy", "ce", "crossentropy"}),
        "optimizers": sorted(optimizers.ALL_OBJECTS_DICT),
        "optimizer_classes": sorted(c.__name__ for c in optimizers.ALL_OBJECTS),
        "activations": sorted(activations.ALL_OBJECTS_DICT),
        "initializers": sorted(initializers.ALL_OBJECTS_DICT),
        "regularizers": sorted(regularizers.ALL_OBJECTS_DICT),
        "constraints": sorted(constraints.ALL_OBJECTS_DICT),
        "ops": {name: op_entry(name) for name in ALLOWED},
        "op_functions": sorted(n for n in functions if not n.startswith("_")),
    }


def application_layers_data(names: list[str]) -> dict[str, Any]:
    """application_layers.json's data for these applications (all: the whole file)."""
    import keras
    from gen_application_layers import entry

    return {"keras_version": keras.__version__, "applications": {n: entry(n) for n in names}}


def dumps(data: Any) -> str:
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def check_applications(names: list[str]) -> int:
    """Compare the named applications' entries (every one's without names) with the file."""
    from gen_application_layers import application_names

    shipped = json.loads(APPLICATIONS.read_text("utf-8"))
    wanted = names or application_names()
    fresh = application_layers_data(wanted)
    stale = [n for n in wanted if shipped["applications"].get(n) != fresh["applications"][n]]
    if not names and sorted(shipped["applications"]) != wanted:
        stale.append("(the list of applications)")
    if shipped["keras_version"] != fresh["keras_version"]:
        stale.append("(keras_version)")
    for n in stale:
        print(f"stale: {n}", file=sys.stderr)
    return 1 if stale else 0


def main() -> int:
    args = sys.argv[1:]
    if "--check-applications" in args:
        return check_applications([a for a in args if not a.startswith("--")])
    text = dumps(registry())
    if "--check" in args:
        return 0 if OUT.read_text() == text else 1
    OUT.write_text(text)
    print(f"wrote {OUT}")
    if "--no-applications" not in args:
        from gen_application_layers import application_names

        APPLICATIONS.write_text(dumps(application_layers_data(application_names())))
        print(f"wrote {APPLICATIONS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
