"""The JSON Schema's parts for the additions of 2026-12: `op:` nodes (every allowed function and
its arguments), `sequential:` entries, `trainable` and an application's `outputs`."""

from __future__ import annotations

from typing import Any

from graphspec.catalog import ops

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/definitions/{name}"}


def _op(info: ops.OpInfo) -> Schema:
    """The keys of `op: NAME`: its inputs, `args` and each parameter by keyword."""
    tensors = ", ".join(p.name for p in info.params if p.tensor)
    props: Schema = {
        "op": {"description": f"keras.ops.{info.signature()}; tensors: {tensors}"},
        "inputs": ref("op_inputs"),
        "args": {"type": "array", "items": ref("constant"), "maxItems": len(info.params) - 1},
    }
    for p in info.params:
        text = "required" if p.required else f"default {p.default!r}"
        kind = "a tensor or a constant" if p.tensor else "a constant"
        props[p.name] = {**ref("constant"), "description": f"{kind}; {text}"}
    return {"properties": props, "additionalProperties": False}


def definitions(dispatch: Any) -> dict[str, Schema]:
    """`op_name`, `constant`, `op_inputs`, one `op.NAME` per allowed function, and
    `op_arguments` (by `dispatch`, as the layers' are)."""
    reference = ref("reference")
    out: dict[str, Schema] = {
        "op_name": {
            "enum": list(ops.ALLOWED),
            "description": "An allowed keras.ops function (docs/language.md lists them).",
        },
        "constant": {
            "description": "A number, boolean, string, null, or a list of these.",
            "anyOf": [
                {"type": ["number", "boolean", "string", "null"]},
                {"type": "array", "items": ref("constant")},
            ],
        },
        "op_inputs": {
            "description": "The op's tensor arguments in order: a reference, or a list of "
            "references (a list inside it is one list argument: `[[a, b]]`).",
            "anyOf": [
                reference,
                {
                    "type": "array",
                    "items": {"anyOf": [reference, {"type": "array", "items": reference}]},
                },
            ],
        },
    }
    out.update({f"op.{n}": _op(ops.op(n)) for n in ops.ALLOWED})
    out["op_arguments"] = dispatch("op", list(ops.ALLOWED))
    return out


def node(schema: Schema) -> None:
    """A node's `op:` kind: its arguments; a layer's, use's or block's inputs stay theirs."""
    schema["properties"]["op"] = ref("op_name")
    schema["properties"]["inputs"] = {"anyOf": [ref("inputs"), ref("op_inputs")]}
    schema["allOf"] += [
        {"if": {"required": ["op"]}, "then": ref("op_arguments")},
        {"if": {"not": {"required": ["op"]}}, "then": {"properties": {"inputs": ref("inputs")}}},
    ]


def block_node(schema: Schema, templated: Any) -> None:
    """Inside a block, `op:` may be a `$param`; inputs are checked when the block expands."""
    schema["properties"]["op"] = templated(ref("op_name"))
    schema["allOf"] = [e for e in schema["allOf"] if "not" not in e.get("if", {})]


def shared(schema: Schema) -> None:
    """`sequential:` a list of layers; `trainable` on every kind."""
    schema["properties"].update(
        sequential={"type": "array", "minItems": 1, "items": ref("LayerSpec")},
        trainable={"type": "boolean"},
    )


def application(props: Schema) -> None:
    """An `application:` entry's `trainable` and `outputs` (its inner layers' names)."""
    props["trainable"] = {"type": "boolean", "description": "false freezes every weight."}
    props["outputs"] = {
        "type": "array",
        "minItems": 1,
        "uniqueItems": True,
        "items": {"type": "string"},
        "description": "Inner layers whose outputs the callable returns, in order.",
    }
