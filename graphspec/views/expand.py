"""`graphspec expand`: a resolved program as spec data, every block expanded."""

from __future__ import annotations

from typing import Any

from graphspec.ir import (
    ApplicationIR,
    GraphIR,
    LayerIR,
    Named,
    NodeIR,
    OpIR,
    OutputIR,
    Program,
    Ref,
    SequentialIR,
    SharedIR,
)
from graphspec.syntax.schema import Spec
from graphspec.syntax.sections import SETTINGS


def _ref(ref: Any) -> Any:
    if isinstance(ref, dict):
        return {k: _ref(v) for k, v in ref.items()}
    if isinstance(ref, list):
        return [_ref(v) for v in ref]
    assert isinstance(ref, Ref)
    return str(ref)


def _value(v: Any) -> Any:
    if isinstance(v, LayerIR):
        return _layer(v)
    if isinstance(v, Named):
        return v.name if not v.kwargs else {"name": v.name, **dict(v.kwargs)}
    if isinstance(v, list):
        return [_value(x) for x in v]
    if isinstance(v, dict):
        return {k: _value(x) for k, x in v.items()}
    return v


def _layer(ir: LayerIR) -> dict[str, Any]:
    out: dict[str, Any] = {"layer": ir.class_name}
    if ir.args:
        out["args"] = _value(ir.args)
    for k, v in ir.kwargs.items():
        out["wraps" if k == "layer" else k] = _value(v)
    return out


def _shared(entry: SharedIR) -> dict[str, Any]:
    if isinstance(entry, LayerIR):
        return _layer(entry)
    if isinstance(entry, ApplicationIR):
        out = {"application": entry.name, **entry.kwargs}
        out |= {"outputs": list(entry.outputs)} if entry.outputs else {}
    elif isinstance(entry, SequentialIR):
        out = {"sequential": [_layer(layer) for layer in entry.layers]}
    else:
        out = {"graph": _graph(entry.graph)}
    return out | ({} if entry.trainable is None else {"trainable": entry.trainable})


def _op(op: OpIR, inputs: Any) -> dict[str, Any]:
    """`{op: NAME, inputs: …, args: […], <keywords>}`; one tensor argument as a bare reference."""
    out: dict[str, Any] = {"op": op.name}
    single = isinstance(inputs, list) and len(inputs) == 1 and isinstance(inputs[0], Ref)
    out["inputs"] = _ref(inputs[0] if single else inputs)
    if op.args:
        out["args"] = list(op.args)
    return out | op.kwargs


def _node(node: NodeIR) -> dict[str, Any]:
    if isinstance(node.callable, OpIR):
        return _op(node.callable, node.inputs)
    out: dict[str, Any] = (
        _layer(node.callable)
        if isinstance(node.callable, LayerIR)
        else {"use": node.callable.shared_id}
    )
    out["inputs"] = _ref(node.inputs)
    if node.call:
        out["call"] = node.call
    return out


def _output_options(o: OutputIR) -> dict[str, Any] | None:
    options: dict[str, Any] = {}
    if o.loss is not None:
        options["loss"] = _value(o.loss)
    if o.loss_weight is not None:
        options["loss_weight"] = o.loss_weight
    if o.metrics:
        options["metrics"] = _value(o.metrics)
    return options or None


def _graph(graph: GraphIR) -> dict[str, Any]:
    """A flat graph as spec data; outputs whose value has another name get an Identity node."""
    nodes = {n.id: _node(n) for n in graph.nodes}
    inputs: dict[str, dict[str, Any]] = {
        i.id: {"shape": list(i.shape)} | ({"dtype": i.dtype} if i.dtype != "float32" else {})
        for i in graph.inputs
    }
    for i, spec in zip(graph.inputs, inputs.values(), strict=True):
        spec.update({k: v for k, v in (("batch_size", i.batch_size), ("sparse", i.sparse)) if v})
    for o in graph.outputs:
        if str(o.ref) != o.id:
            nodes[o.id] = {"layer": "Identity", "inputs": str(o.ref)}
    options = {o.id: _output_options(o) for o in graph.outputs}
    outputs: Any = options if any(options.values()) else list(options)
    out: dict[str, Any] = {"inputs": inputs, "nodes": nodes, "outputs": outputs}
    shared = _shared_of(graph)
    if shared:
        out = {"inputs": inputs, "shared": shared, "nodes": nodes, "outputs": outputs}
    return out


def _shared_of(graph: GraphIR) -> dict[str, Any]:
    return {sid: _shared(entry) for sid, entry in graph.shared.items()}


def expanded(spec: Spec, program: Program) -> dict[str, Any]:
    """The whole spec, blocks expanded, as plain data that validates and builds the same model."""
    graph = program.graph
    body = _graph(graph)
    top: dict[str, Any] = {"graphspec": 1, "name": graph.name}
    if spec.description:
        top["description"] = " ".join(spec.description.split())
    top.update(body)
    for key in SETTINGS:
        section = getattr(spec, key)
        if section is not None:
            top[key] = section.model_dump(exclude_unset=True)
    return top
