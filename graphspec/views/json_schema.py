"""`graphspec schema`: a JSON Schema (draft-07) of the spec language for editors, no TensorFlow."""

from __future__ import annotations

import copy
import json
from typing import Any

from graphspec.catalog import registry
from graphspec.syntax.schema import DTYPES, ID_PATTERN, REF_PATTERN, LayerSpec, Spec
from graphspec.views import json_schema_ops as additions
from graphspec.views.schema_text import ARGUMENTS, DESCRIPTIONS, KINDS, NOT_NAMED

Schema = dict[str, Any]

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
TEMPLATE = rf"^\$({ID_PATTERN}|\{{.*\}})$"
"""A whole value `$param` or `${expression}`: substituted inside a block, keeping its type."""
ID: Schema = {"type": "string", "pattern": f"^{ID_PATTERN}$"}
NULL: Schema = {"type": "null"}
STRUCTURAL = ("layer", "inputs", "args", "call", "repeat")
"""The keys of a node that are not a layer's keyword arguments."""


def ref(name: str) -> Schema:
    return {"$ref": f"#/definitions/{name}"}


def refused(why: str) -> Schema:
    return {"not": {}, "description": why}


def templated(*schemas: Schema) -> Schema:
    """Any of `schemas`, or (inside a block) a `$param` / `${expression}` to substitute."""
    return {"anyOf": [*schemas, ref("template")]}


def exactly_one(*keys: str) -> Schema:
    return {"oneOf": [{"required": [k]} for k in keys]}


def _named(name: str, *more: Schema) -> Schema:
    """A Keras name or `{name: …, <keyword arguments>}`, never a Keras config."""
    mapping = {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": ref(name),
            "class_name": refused("Refused: write {name: ClassName, <keyword arguments>}."),
            "module": refused("Refused: write {name: ClassName, <keyword arguments>}."),
        },
    }
    return {"anyOf": [ref(name), mapping, *more]}


def _described(schema: Schema, text: str) -> Schema:
    return {**schema, "description": text}


def _caseless(names: list[str]) -> str:
    """A pattern matching any of `names` in any letter case (ECMA regexes have no flag)."""
    words = ("".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in n) for n in names)
    return f"^({'|'.join(words)})$"


def _names() -> dict[str, Schema]:
    """The catalog's names as enums (optimizers: any letter case, as Keras looks them up)."""
    d = registry.data()
    optimizers = d["optimizers"]
    return {
        "layer_name": {"enum": registry.layer_names(), "description": "A Keras layer class."},
        "application_name": {"enum": sorted(d["applications"])},
        "loss_name": {"enum": d["losses"]},
        "metric_name": {"enum": d["metrics"]},
        "optimizer_name": {
            "anyOf": [
                {"enum": sorted({*optimizers, *d["optimizer_classes"]})},
                {"type": "string", "pattern": _caseless(optimizers)},
            ]
        },
        **{f"{kind}_name": {"enum": d[f"{kind}s"]} for kind in KINDS.values()},
        "dtype": {"enum": list(DTYPES)},
    }


def _values() -> dict[str, Schema]:
    """What references, names and named Keras objects may be."""
    references = {"type": "array", "items": ref("reference")}
    return {
        "template": {"type": "string", "pattern": TEMPLATE},
        "reference": {"type": "string", "pattern": f"^{REF_PATTERN}$"},
        "inputs": {"anyOf": [ref("reference"), references, _keyed_any(references)]},
        "loss": _described(_named("loss_name"), "A Keras loss name or `{name: …, <arguments>}`."),
        "metric": _described(_named("metric_name"), "A Keras metric name or `{name: …}`."),
        "optimizer": _named("optimizer_name"),
        "activation": _described(
            templated(*_named("activation_name", NULL, ref("LayerSpec"))["anyOf"]),
            "A Keras activation name (`relu`, `softmax`, …), `{name: …}`, or a layer "
            "`{layer: ReLU}`.",
        ),
        **{
            kind: _described(
                templated(*_named(f"{kind}_name", NULL)["anyOf"]),
                f"A Keras {kind} name or `{{name: ClassName, <arguments>}}`.",
            )
            for kind in ("initializer", "regularizer", "constraint")
        },
    }


def _typed() -> dict[str, Schema]:
    """The simple types of the keyword arguments in ARGUMENTS."""
    integer = {"type": "integer"}
    return {
        "positive_integer": _described(
            templated({"type": "integer", "minimum": 1}), "A positive integer."
        ),
        "number": _described(templated({"type": "number"}), "A number."),
        "boolean": _described(templated({"type": "boolean"}), "true or false."),
        "integers": _described(
            templated(integer, {"type": "array", "items": templated(integer)}, NULL),
            "An integer or a list of integers (one per axis).",
        ),
        "shape": templated({"type": "array", "items": templated(integer, NULL)}, NULL),
        "sublayer": _described(
            templated(ref("LayerSpec"), NULL),
            "A layer built from the same syntax as a node, without `inputs`: `{layer: LSTM, "
            "units: 32}`.",
        ),
        "data_format": {
            "anyOf": [{"enum": ["channels_last", "channels_first"]}, {"type": "string"}, NULL]
        },
        "padding": {
            "anyOf": [
                {"enum": ["valid", "same", "causal"]},
                {"type": ["string", "integer", "array"]},
            ]
        },
        "merge_mode": templated({"enum": ["sum", "mul", "concat", "ave"]}, NULL),
        "pooling": templated({"enum": ["avg", "max"]}, NULL),
    }


def _argument(keyword: str, bools: tuple[str, ...] = ()) -> Schema:
    """The schema of one constructor keyword argument, where its type is known."""
    if keyword in bools:
        return ref("boolean")
    kind = registry.kind_of_keyword(keyword)
    name = ARGUMENTS.get(keyword) or (KINDS[kind] if kind else None)
    return ref(name) if name else {}


def _required(info: registry.LayerInfo, keyword: str) -> Schema:
    """A required constructor argument: given by keyword, or positionally in `args`."""
    key = "wraps" if keyword == "layer" else keyword
    if keyword not in info.positional:
        return {"required": [key]}
    at_least = {"properties": {"args": {"minItems": info.positional.index(keyword) + 1}}}
    return {"anyOf": [{"required": [key]}, {"required": ["args"], **at_least}]}


def _layer(info: registry.LayerInfo) -> Schema:
    """The keys a `layer: NAME` mapping may have, and what the catalog knows of their values."""
    positional = ", ".join(info.positional) + (", …" if info.varargs else "")
    required = f"; required: {', '.join(info.required)}" if info.required else ""
    props: Schema = {k: {} for k in STRUCTURAL}
    props["layer"] = {
        "description": f"keras.layers.{info.name}; `args:` by position: {positional or 'none'}"
        + required
    }
    for keyword in info.keywords:
        if keyword != "name":
            props["wraps" if keyword == "layer" else keyword] = _argument(keyword, info.bools)
    if not info.varargs:
        props["args"] = {"maxItems": len(info.positional)}
    if not info.call_varkw:
        call = {"properties": {k: {} for k in info.call}, "additionalProperties": False}
        props["call"] = call
        props["inputs"] = {"if": {"type": "object"}, "then": call}
    out: Schema = {"properties": props, "additionalProperties": False}
    if info.required:
        out["allOf"] = [_required(info, k) for k in info.required]
    return out


def _application(name: str) -> Schema:
    """The keys of an `application: NAME` shared entry (never `name` or `input_tensor`)."""
    props: Schema = {"application": {}, "args": {}}
    for keyword in registry.application(name):
        if keyword not in ("name", "input_tensor"):
            props[keyword] = _argument(keyword)
    props["weights"] = {
        **NULL,
        "description": "Must be null: graphspec never downloads or reads weight files.",
    }
    additions.application(props)
    return {"properties": props, "required": ["weights"], "additionalProperties": False}


def _dispatch(key: str, names: list[str]) -> Schema:
    """`if {key} is NAME then the definition {key}.NAME`, for every NAME."""
    return {
        "allOf": [
            {
                "if": {"properties": {key: {"const": n}}, "required": [key]},
                "then": ref(f"{key}.{n}"),
            }
            for n in names
        ]
    }


def _catalog() -> dict[str, Schema]:
    """One definition per accepted layer and application, chosen by its name."""
    layers = registry.layer_names()
    applications = sorted(registry.data()["applications"])
    out: dict[str, Schema] = {}
    for name in layers:
        info = registry.layer(name)
        assert info is not None  # a registered layer
        out[f"layer.{name}"] = _layer(info)
    out.update({f"application.{n}": _application(n) for n in applications})
    out["layer_arguments"] = _dispatch("layer", layers)
    out["application_arguments"] = _dispatch("application", applications)
    return out


def _keyed_any(schema: Schema) -> Schema:
    """The mapping form of `inputs`: call keyword → a reference or a list of them."""
    return {"type": "object", "additionalProperties": {"anyOf": [ref("reference"), schema]}}


def _keyed(schema: Schema) -> Schema:
    """Keras's dict form: a mapping output id → `schema`."""
    return {"type": "object", "patternProperties": {f"^{ID_PATTERN}$": schema}}


def _closed(*keys: str) -> Schema:
    return {"properties": {k: {} for k in keys}, "additionalProperties": False}


def _node(node: Schema) -> None:
    """Exactly one of layer/use/block; a layer's own keyword arguments; a `use:` takes none."""
    node["properties"].update(
        layer=ref("layer_name"), use=ID, block=ID, inputs=ref("inputs"), name=refused(NOT_NAMED)
    )
    node["allOf"] = [
        exactly_one("layer", "use", "block", "op"),
        {"if": {"required": ["layer"]}, "then": ref("layer_arguments")},
        {"if": {"required": ["use"]}, "then": _closed("use", "inputs", "call")},
        {
            "if": {"required": ["block"]},
            "then": {"properties": {"args": {"maxItems": 0}, "call": {"maxProperties": 0}}},
        },
    ]
    additions.node(node)


def _block_node(node: Schema) -> Schema:
    """A node inside a block: any value may still be a `$param` or `${expression}`."""
    out = copy.deepcopy(node)
    out["properties"].update(
        layer=templated(ref("layer_name")),
        use=templated(ID),
        block=templated(ID),
        inputs={},
        args={},
        call={},
        repeat=ref("positive_integer"),
    )
    additions.block_node(out, templated)
    return out


def _layer_spec(spec: Schema) -> None:
    """A layer-valued argument (`wraps:`, an RNN's `cell:`): a layer without inputs."""
    no = "Not taken by a layer given as an argument."
    spec["properties"].update(
        layer=templated(ref("layer_name")),
        inputs=refused(no),
        call=refused(no),
        repeat=refused(no),
        name=refused(NOT_NAMED),
    )
    spec["allOf"] = [ref("layer_arguments")]


def _shared(shared: Schema) -> None:
    """Exactly one kind; a layer's or application's own arguments; `spec`/`graph` alone."""
    use = "A shared entry is not called here: give this on the nodes that `use:` it."
    shared["properties"].update(
        layer=ref("layer_name"),
        application=ref("application_name"),
        spec={"type": "string"},
        graph=ref("Graph"),
        name=refused(NOT_NAMED),
        inputs=refused(use),
        call=refused(use),
        repeat=refused(use),
    )
    shared["allOf"] = [
        exactly_one("layer", "application", "spec", "graph", "sequential"),
        {"if": {"required": ["layer"]}, "then": ref("layer_arguments")},
        {"if": {"required": ["application"]}, "then": ref("application_arguments")},
        *(
            {"if": {"required": [k]}, "then": _closed(k, "trainable")}
            for k in ("spec", "graph", "sequential")
        ),
    ]
    additions.shared(shared)


def _sections(defs: dict[str, Schema]) -> None:
    """Names where the models take a string: dtypes, losses, metrics, optimizers; block nodes."""
    defs["Input"]["properties"]["dtype"] = {**ref("dtype"), "default": "float32"}
    defs["OutputOptions"]["properties"].update(
        loss={"anyOf": [ref("loss"), NULL]}, metrics={"type": "array", "items": ref("metric")}
    )
    metrics = {"type": "array", "items": ref("metric")}
    defs["Compile"]["properties"].update(
        optimizer={**ref("optimizer"), "default": "rmsprop"},
        loss={"anyOf": [ref("loss"), _keyed(ref("loss")), NULL]},
        metrics={"anyOf": [metrics, _keyed(metrics)]},
    )
    defs["Block"]["properties"]["nodes"] = _keyed(ref("BlockNode"))


def _describe(schema: Schema, descriptions: dict[str, str]) -> None:
    props = schema["properties"]
    for key, text in descriptions.items():
        props[key] = {**props[key], "description": text}


MAPS = ("properties", "patternProperties", "definitions")
VALUES = ("enum", "const", "default", "required")


def _tidy(node: Any) -> Any:
    """Draft-07 house-keeping: no pydantic titles (editors show them as headings) or null
    defaults; `$ref` alone in its object (draft-07 ignores its siblings); a mapping of ids
    takes no other keys."""
    if isinstance(node, list):
        return [_tidy(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: Schema = {}
    for key, value in node.items():
        if key == "title" or (key == "default" and value is None):
            continue
        if key in MAPS:
            out[key] = {name: _tidy(s) for name, s in value.items()}
        else:
            out[key] = value if key in VALUES else _tidy(value)
    if "patternProperties" in out:
        out.setdefault("additionalProperties", False)
    if "$ref" in out and len(out) > 1:
        out["allOf"] = [{"$ref": out.pop("$ref")}, *out.get("allOf", [])]
    return out


def build() -> Schema:
    """The JSON Schema of a spec: the pydantic models, refined with the catalog's names."""
    template = "#/definitions/{model}"
    root = Spec.model_json_schema(ref_template=template)
    defs: dict[str, Schema] = root.pop("$defs")
    defs["LayerSpec"] = LayerSpec.model_json_schema(ref_template=template)
    root["properties"]["graphspec"] = {"type": "integer", "const": 1}
    _node(defs["Node"])
    _layer_spec(defs["LayerSpec"])
    _shared(defs["Shared"])
    _sections(defs)
    defs["BlockNode"] = _block_node(defs["Node"])
    for name, descriptions in {**DESCRIPTIONS, "BlockNode": DESCRIPTIONS["Node"]}.items():
        _describe(root if name == "Spec" else defs[name], descriptions)
    defs.update({**_names(), **_values(), **_typed(), **_catalog()})
    defs.update(additions.definitions(_dispatch))
    version = registry.data()["keras_version"]
    schema: Schema = _tidy({"$schema": DRAFT_07, **root, "definitions": defs})
    schema["$comment"] = f"Generated by `graphspec schema` (Keras {version} catalog); do not edit."
    return schema


def dumps(schema: Schema) -> str:
    """Deterministic text: sorted keys, one value a line, ASCII (any terminal prints it)."""
    return json.dumps(schema, indent=1, sort_keys=True) + "\n"
