"""One model's graph as spec data: inputs, shared entries, a node per call, outputs."""

from __future__ import annotations

from typing import Any

from graphspec.diagnostics import codes
from graphspec.keras import compat
from graphspec.keras.importer import calls
from graphspec.keras.importer.kinds import kind_of
from graphspec.keras.importer.problems import Unwritable, diagnostic
from graphspec.keras.importer.state import GraphState, Session, claim_ids
from graphspec.keras.importer.writers import SHARES, WRITERS


def write_graph(session: Session, model: Any, where: str) -> dict[str, Any]:
    """`{inputs, shared, nodes, outputs}` of one functional (or Sequential) model; each call
    that cannot be written adds a problem to the session instead of a node."""
    state = GraphState(session, model, where, compat.model_calls(model, calls.reads))
    kinds = {id(c.operation): kind_of(c.operation, session.custom) for c in state.calls}

    def shares(operation: Any) -> bool:
        return kinds[id(operation)] in SHARES or state.called_more_than_once(operation)

    claim_ids(state, shares)
    inputs = _inputs(state)
    for call in state.calls:
        operation = call.operation
        node_id = state.node_ids[(id(operation), call.index)]
        try:
            _one_graph(session, operation, model)
            state.nodes[node_id] = WRITERS[kinds[id(operation)]](state, call)
        except Unwritable as problem:
            session.problems.append(diagnostic(session.source, where, operation.name, problem))
    outputs = _outputs(state)
    data: dict[str, Any] = {"inputs": inputs}
    if state.shared:
        data["shared"] = state.shared
    data["nodes"] = state.nodes
    data["outputs"] = outputs
    return data


def _one_graph(session: Session, operation: Any, model: Any) -> None:
    home = session.home.setdefault(id(operation), id(model))
    if home != id(model):
        raise Unwritable(
            "it is called both in a sub-model and in the graph around it (or in two "
            "sub-models): a shared entry belongs to one graph",
            codes.IMPORT_GRAPH,
        )


def _inputs(state: GraphState) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for tensor in state.model.inputs:
        made = compat.producer(tensor)
        if made is None:
            continue
        layer = made[0]
        try:
            found[state.inputs[id(layer)]] = input_entry(layer)
        except Unwritable as problem:
            state.session.problems.append(
                diagnostic(state.session.source, state.where, layer.name, problem, "input")
            )
    return found


def input_entry(layer: Any) -> dict[str, Any]:
    """`{shape: […], dtype: …}` of an InputLayer (dtype left out when float32)."""
    config = layer.get_config()
    if config.get("ragged") or config.get("optional"):
        which = "ragged" if config.get("ragged") else "optional"
        raise Unwritable(f"a {which} input is not in the language", codes.IMPORT_GRAPH)
    shape = list(config["batch_shape"])
    entry: dict[str, Any] = {"shape": shape[1:]}
    if config.get("dtype", "float32") != "float32":
        entry["dtype"] = str(config["dtype"])
    if shape[0] is not None:
        entry["batch_size"] = shape[0]
    if config.get("sparse"):
        entry["sparse"] = True
    return entry


def _outputs(state: GraphState) -> list[str]:
    """Output ids in order: a `layer:` or `use:` node's own id, else (an output `id.K`, an
    input, a value output twice) an Identity node named by the Keras output name."""
    found: list[str] = []
    names = list(getattr(state.model, "output_names", None) or [])
    for i, tensor in enumerate(state.model.outputs):
        try:
            ref = state.ref(tensor)
        except Unwritable:
            continue  # its producer was reported already
        if ref in state.nodes and ref not in found:
            found.append(ref)
            continue
        name = names[i] if i < len(names) else f"output_{i}"
        output = state.ids.claim(name)
        state.nodes[output] = {"layer": "Identity", "inputs": ref}
        found.append(output)
    return found
