"""`graphspec schema`: a JSON Schema (draft-07) of the spec language for editors, no TensorFlow."""

from __future__ import annotations

import copy
import json
from typing import Any

from graphspec import registry
from graphspec.schema import DTYPES, ID_PATTERN, REF_PATTERN, LayerSpec, Spec

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


GRAPH = {
    "inputs": "Mapping id → input, e.g. `text: {shape: [null], dtype: int32}`. The model's "
    "inputs are a list in declaration order, each named by its id.",
    "nodes": "Mapping id → node, in any order. A node is one call of one callable "
    "(`layer:`, `use:` or `block:`) with its incoming edges under `inputs:`.",
    "outputs": "List of node ids, or mapping node id → `{loss, loss_weight, metrics}`; the "
    "model's outputs in the written order, each named by its id.",
    "shared": "Mapping id → callable built once (`layer:`, `application:`, `spec:` or "
    "`graph:`): every `use:` calls that one object, with the same weights.",
    "blocks": "Mapping id → parameterised template (`params`, `inputs`, `nodes`, `outputs`); "
    "fresh weights at every use.",
}
NOT_NAMED = "Not accepted: the id is the Keras name."
DESCRIPTIONS: dict[str, dict[str, str]] = {
    "Spec": {
        **GRAPH,
        "graphspec": "The format version: the integer 1.",
        "name": "The Keras model name (default: the file's stem).",
        "description": "Free text.",
        "compile": "Optimizer, model-wide loss and metrics; a spec with a loss or `compile:` "
        "is returned compiled (the optimizer defaults to rmsprop).",
        "fit": "Default training settings for `graphspec fit`.",
        "expect": "Facts about the built model that `graphspec check` verifies.",
    },
    "Graph": GRAPH,
    "Input": {
        "shape": "The shape without the batch axis; null is any length: `[null]`, `[250, 250, 3]`.",
        "dtype": "The input's dtype (default float32).",
        "batch_size": "A fixed batch size (default: any).",
        "sparse": "Whether the input is a sparse tensor (default false).",
    },
    "Node": {
        "layer": "A new Keras layer, by class name (`Dense`, `Conv2D`, `LSTM`, …); the node's "
        "other keys are its constructor keyword arguments.",
        "use": "Call the callable `shared.<id>` (the same weights at every use).",
        "block": "Expand the template `blocks.<id>` (new weights at every use); the node's "
        "other keys are block parameters.",
        "inputs": "The incoming edges: one reference → `layer(x)`; a list → `layer([a, b])`; a "
        "mapping → keyword call arguments `{query: a, value: b}`. A reference is an input or "
        "node id, `id.K` (output K) or `id.NAME` (a block's or sub-model's output).",
        "args": "Positional constructor arguments: `{layer: Conv2D, args: [128, 3]}`.",
        "call": "Extra literal keyword arguments for the call: `{use_causal_mask: true}`.",
        "repeat": "N copies in a chain, each with new weights (a `layer:` or `block:` node with "
        "one input and one output); the node's value is the last copy's output.",
        "name": "Not accepted: the node's id is its Keras name.",
    },
    "LayerSpec": {
        "layer": "A Keras layer class name; the other keys are its constructor keyword arguments.",
        "args": "Positional constructor arguments.",
        "name": "Not accepted: the layer is named after its node (`<node>_<argument>`).",
    },
    "Shared": {
        "layer": "One layer instance, by Keras class name; the other keys are its constructor "
        "keyword arguments.",
        "application": "A keras.applications model (`Xception`, `ResNet50`, …); needs "
        "`weights: null`.",
        "spec": "Another spec file as a sub-model, relative to this file (inside the top-level "
        "spec's directory); only its graph is used.",
        "graph": "An inline sub-model: `{inputs, nodes, outputs}`, with its own `shared` and "
        "`blocks` if it needs them.",
        "args": "Positional constructor arguments.",
        "name": NOT_NAMED,
    },
    "Block": {
        "params": "Each parameter's default; one left empty (or null) must be given at every "
        "use. Written `$name` or `${expression}` in the block's values.",
        "inputs": "The formal inputs, by name.",
        "nodes": "The block's nodes (their ids are local to it); values may use `$name` and "
        "`${expression}`.",
        "outputs": "The block's outputs: a list of its inner ids.",
    },
    "OutputOptions": {
        "loss": "A Keras loss name or `{name: …, <keyword arguments>}`.",
        "loss_weight": "This output's weight in the total loss.",
        "metrics": "Keras metric names or `{name: …, <keyword arguments>}`.",
    },
    "Compile": {
        "optimizer": "A Keras optimizer name (default rmsprop) or `{name: adam, learning_rate: "
        "0.001}`.",
        "loss": "The model-wide loss (it applies to every output), or a mapping output id → loss.",
        "loss_weights": "Mapping output id → weight in the total loss.",
        "metrics": "Model-wide metrics (every output), or a mapping output id → list of metrics.",
        "run_eagerly": "Passed to Model.compile.",
        "jit_compile": "Passed to Model.compile.",
        "steps_per_execution": "Passed to Model.compile.",
    },
    "Fit": {
        "epochs": "Number of epochs (default 1).",
        "batch_size": "Batch size (default: Keras's, 32).",
        "validation_split": "Fraction of the data held out for validation (default 0).",
        "shuffle": "Whether to shuffle the data every epoch (default true).",
    },
    "Expect": {
        "params": "The model's total parameter count.",
        "trainable_params": "The trainable parameter count.",
        "non_trainable_params": "The non-trainable parameter count.",
        "output_shapes": "Mapping output id → shape with the batch axis, e.g. `[null, 10]`.",
    },
}
"""Hover text for the keys of each model, from the contract (docs/language.md for additions)."""

ARGUMENTS = {
    **dict.fromkeys(
        ("units", "filters", "input_dim", "output_dim", "num_heads", "key_dim", "head_dim"),
        "positive_integer",
    ),
    **dict.fromkeys(("n", "classes"), "positive_integer"),
    **dict.fromkeys(("rate", "dropout", "recurrent_dropout", "epsilon", "momentum"), "number"),
    **dict.fromkeys(
        ("axis", "kernel_size", "strides", "pool_size", "dilation_rate", "size"), "integers"
    ),
    **dict.fromkeys(("layer", "cell", "backward_layer"), "sublayer"),
    "include_top": "boolean",
    "input_shape": "shape",
    "data_format": "data_format",
    "padding": "padding",
    "merge_mode": "merge_mode",
    "pooling": "pooling",
}
"""Keyword arguments with the same simple type in every Keras layer (and application) that
takes them; tests/test_json_schema.py checks each against Keras's defaults."""

KINDS = {
    "activations": "activation",
    "initializers": "initializer",
    "regularizers": "regularizer",
    "constraints": "constraint",
}
"""registry.kind_of_keyword → the definition of such an argument."""


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
        exactly_one("layer", "use", "block"),
        {"if": {"required": ["layer"]}, "then": ref("layer_arguments")},
        {"if": {"required": ["use"]}, "then": _closed("use", "inputs", "call")},
        {
            "if": {"required": ["block"]},
            "then": {"properties": {"args": {"maxItems": 0}, "call": {"maxProperties": 0}}},
        },
    ]


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
        exactly_one("layer", "application", "spec", "graph"),
        {"if": {"required": ["layer"]}, "then": ref("layer_arguments")},
        {"if": {"required": ["application"]}, "then": ref("application_arguments")},
        *(
            {"if": {"required": [k]}, "then": {**_closed(k, "args"), "maxProperties": 2}}
            for k in ("spec", "graph")
        ),
    ]


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
    version = registry.data()["keras_version"]
    schema: Schema = _tidy({"$schema": DRAFT_07, **root, "definitions": defs})
    schema["$comment"] = f"Generated by `graphspec schema` (Keras {version} catalog); do not edit."
    return schema


def dumps(schema: Schema) -> str:
    """Deterministic text: sorted keys, one value a line, ASCII (any terminal prints it)."""
    return json.dumps(schema, indent=1, sort_keys=True) + "\n"
