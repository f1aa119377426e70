"""Random valid specs for fuzzing, each value's shape tracked so that every layer fits its input."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from hypothesis import strategies as st

from tests.fuzz_specs.layers import UNARY, Draw, Out, Shape, Step, known, last_axis

# ---- valid specs ---------------------------------------------------------------------------


@dataclass
class Value:
    """A reference the generator may feed to a new node, and its shape."""

    ref: str
    shape: Shape
    dtype: str = "float32"


@dataclass
class Generated:
    """A valid spec as data and YAML text, with the shapes and counts Keras must agree on."""

    data: dict[str, Any]
    text: str
    shapes: dict[str, Shape]
    """Node id of the flat graph (`n3_2` for a repeat, `n4_drop` for a block) → its shape
    without the batch axis."""
    outputs: dict[str, Shape]
    params: int
    frozen: int


@dataclass
class _State:
    """The spec being generated: its values, sections, and the weights declared so far."""

    draw: Draw
    values: list[Value] = field(default_factory=list)
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    shared: dict[str, dict[str, Any]] = field(default_factory=dict)
    blocks: dict[str, dict[str, Any]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    read: set[str] = field(default_factory=set)
    ir_shapes: dict[str, Shape] = field(default_factory=dict)
    params: int = 0
    frozen: int = 0
    count: int = 0

    def new_id(self) -> str:
        self.count += 1
        return f"n{self.count}"

    def add(
        self, nid: str, node: dict[str, Any], inputs: list[Value], out: Out, ir: str = ""
    ) -> Value:
        """Add node `nid`, whose value's layer is named `ir` in the flat graph (default: nid)."""
        self.nodes[nid] = node
        self.ir_shapes[ir or nid] = out.shape
        self.used.update(v.ref.split(".")[0] for v in inputs)
        self.read.update(v.ref for v in inputs)
        self.params += out.params
        self.frozen += out.frozen
        value = Value(nid, out.shape)
        self.values.append(value)
        return value


def _chain(step: Step, shape: Shape, times: int) -> Out | None:
    params = frozen = 0
    for _ in range(times):
        out = step(shape)
        if out is None:
            return None
        params, frozen, shape = params + out.params, frozen + out.frozen, out.shape
    return Out(shape, params, frozen)


def _unary(st_: _State, value: Value | None = None) -> bool:
    draw = st_.draw
    floats = [v for v in st_.values if v.dtype == "float32"]
    v = value or draw(st.sampled_from(floats))
    made = draw(st.sampled_from(sorted(UNARY)))
    drawn = UNARY[made](draw, v.shape)
    if drawn is None:
        return False
    node, step = drawn
    repeat = draw(st.sampled_from([None, None, None, 2, 3]))
    out = _chain(step, v.shape, repeat or 1)
    if out is None and repeat:
        repeat, out = None, _chain(step, v.shape, 1)
    if out is None:
        return False
    node = {**node, "inputs": v.ref} | ({"repeat": repeat} if repeat else {})
    nid = st_.new_id()
    st_.add(nid, node, [v], out, f"{nid}_{repeat}" if repeat else "")
    return True


def _embedding(st_: _State, v: Value) -> None:
    dim = st_.draw(st.integers(1, 8))
    node = {"layer": "Embedding", "input_dim": 10, "output_dim": dim, "inputs": v.ref}
    st_.add(st_.new_id(), node, [v], Out((*v.shape, dim), 10 * dim))


def _merge(st_: _State) -> bool:
    draw = st_.draw
    floats = [v for v in st_.values if v.dtype == "float32"]
    a = draw(st.sampled_from(floats))
    same = [v for v in floats if v.shape == a.shape and v.ref != a.ref]
    joinable = [
        v
        for v in floats
        if v.ref != a.ref
        and len(v.shape) == len(a.shape)
        and v.shape[:-1] == a.shape[:-1]
        and known(v.shape)
        and known(a.shape)
    ]
    if draw(st.booleans()):
        if same:
            b = draw(st.sampled_from(same))
        else:  # a branch of the same shape to merge with
            twin = {"layer": "Activation", "activation": "tanh", "inputs": a.ref}
            b = st_.add(st_.new_id(), twin, [a], Out(a.shape))
        kind = draw(
            st.sampled_from(["Add", "Multiply", "Subtract", "Average", "Maximum", "Minimum"])
        )
        st_.add(st_.new_id(), {"layer": kind, "inputs": [a.ref, b.ref]}, [a, b], Out(a.shape))
        return True
    if not joinable:
        return False
    b = draw(st.sampled_from(joinable))
    node = {"layer": "Concatenate", "axis": -1, "inputs": [a.ref, b.ref]}
    out = Out((*a.shape[:-1], last_axis(a.shape) + last_axis(b.shape)))
    st_.add(st_.new_id(), node, [a, b], out)
    return True


def _shared_entry(draw: Draw, v: Value) -> tuple[dict[str, Any], Out] | None:
    """A shared LSTM, Dense or inline `graph:` sub-model that can take `v`, and its output."""
    kind = draw(st.sampled_from(["Dense", "LSTM", "graph"]))
    units, f = draw(st.integers(1, 8)), last_axis(v.shape)
    if kind == "LSTM":
        if len(v.shape) != 2:
            return None
        return {"layer": "LSTM", "units": units}, Out((units,), 4 * (units * (f + units) + units))
    out = Out((*v.shape[:-1], units), (f + 1) * units)
    if kind == "Dense":
        return {"layer": "Dense", "units": units}, out
    inner = {
        "dense": {"layer": "Dense", "units": units, "inputs": "i"},
        "act": {"layer": "Activation", "activation": "relu", "inputs": "dense"},
    }
    graph = {"inputs": {"i": {"shape": list(v.shape)}}, "nodes": inner, "outputs": ["act"]}
    return {"graph": graph}, out


def _shared(st_: _State) -> bool:
    draw = st_.draw
    v = draw(st.sampled_from([v for v in st_.values if v.dtype == "float32"]))
    made = _shared_entry(draw, v) if known(v.shape) else None
    if made is None:
        return False
    entry, out = made
    twins = [w for w in st_.values if w.shape == v.shape and w.ref != v.ref]
    if twins:
        w = draw(st.sampled_from(twins))
    else:
        twin = {"layer": "Dropout", "rate": 0.1, "inputs": v.ref}
        w = st_.add(st_.new_id(), twin, [v], Out(v.shape))
    sid = f"shared{len(st_.shared) + 1}"
    st_.shared[sid] = entry
    st_.add(st_.new_id(), {"use": sid, "inputs": v.ref}, [v], out)
    st_.add(st_.new_id(), {"use": sid, "inputs": w.ref}, [w], Out(out.shape))
    return True


BLOCKS: dict[str, dict[str, Any]] = {
    "unit": {
        "params": {"width": None, "mult": 2, "act": "relu", "rate": 0.0},
        "inputs": ["x"],
        "nodes": {
            "hidden": {"layer": "Dense", "units": "$width", "activation": "$act", "inputs": "x"},
            "wide": {"layer": "Dense", "units": "${width * mult}", "inputs": "hidden"},
            "drop": {"layer": "Dropout", "rate": "$rate", "inputs": "wide"},
        },
        "outputs": ["drop"],
    },
    "residual": {
        "params": {"dim": None, "act": "tanh"},
        "inputs": ["x"],
        "nodes": {
            "grow": {"layer": "Dense", "units": "${dim * 2}", "activation": "$act", "inputs": "x"},
            "back": {"layer": "Dense", "units": "${(dim * 2) // 2}", "inputs": "grow"},
            "sum": {"layer": "Add", "inputs": ["x", "back"]},
            "norm": {"layer": "LayerNormalization", "epsilon": "${1 / 1000}", "inputs": "sum"},
        },
        "outputs": ["norm"],
    },
    "stack": {
        "params": {"width": None},
        "inputs": ["x"],
        "nodes": {
            "first": {"block": "unit", "width": "$width", "mult": 1, "inputs": "x"},
            "second": {"block": "unit", "width": "${width + 1}", "rate": 0.5, "inputs": "first"},
        },
        "outputs": ["second"],
    },
    "fork": {
        "params": {"units": 3},
        "inputs": ["a", "b"],
        "nodes": {
            "joined": {"layer": "Concatenate", "axis": -1, "inputs": ["a", "b"]},
            "left": {"layer": "Dense", "units": "$units", "inputs": "joined"},
            "right": {"layer": "Dense", "units": "${units + 1}", "inputs": "joined"},
        },
        "outputs": ["left", "right"],
    },
}
"""Block templates with parameters (`$name`, `${expression}`), defaults and required ones."""


def _unit_step(width: int, mult: int) -> Step:
    def step(s: Shape) -> Out | None:
        if not known(s):
            return None
        c = last_axis(s)
        return Out((*s[:-1], width * mult), (c + 1) * width + (width + 1) * width * mult)

    return step


def _residual_step(dim: int) -> Step:
    def step(s: Shape) -> Out | None:
        if not known(s) or s[-1] != dim:
            return None
        return Out(s, (dim + 1) * 2 * dim + (2 * dim + 1) * dim + 2 * dim)

    return step


def _stack_step(width: int) -> Step:
    first, second = _unit_step(width, 1), _unit_step(width + 1, 2)

    def step(s: Shape) -> Out | None:
        a = first(s)
        b = second(a.shape) if a else None
        return Out(b.shape, a.params + b.params) if a and b else None

    return step


def _one_input_block(st_: _State) -> bool:
    draw = st_.draw
    v = draw(st.sampled_from([v for v in st_.values if v.dtype == "float32"]))
    if not known(v.shape):
        return False
    kind = draw(st.sampled_from(["unit", "residual", "stack"]))
    node: dict[str, Any] = {"block": kind}
    if kind == "stack":
        node["width"] = draw(st.integers(1, 4))
        step = _stack_step(node["width"])
    elif kind == "unit":
        width = draw(st.integers(1, 4))
        mult = draw(st.sampled_from([None, 1, 3]))
        node["width"] = width
        if mult is not None:
            node["mult"] = mult
        node |= draw(st.sampled_from([{}, {"act": "sigmoid"}, {"rate": 0.25}]))
        step = _unit_step(width, mult or 2)
    else:
        node["dim"] = v.shape[-1]
        node |= draw(st.sampled_from([{}, {"act": "relu"}]))
        step = _residual_step(last_axis(v.shape))
    repeat = draw(st.sampled_from([None, None, 2]))
    out = _chain(step, v.shape, repeat or 1)
    if out is None:
        return False
    node["inputs"] = draw(st.sampled_from([v.ref, [v.ref], {"x": v.ref}]))
    if repeat:
        node["repeat"] = repeat
    for used in ("unit", kind) if kind == "stack" else (kind,):
        st_.blocks[used] = BLOCKS[used]
    nid = st_.new_id()
    last = {"stack": "second_drop"}.get(kind, BLOCKS[kind]["outputs"][0])
    st_.add(nid, node, [v], out, f"{nid}_{repeat}_{last}" if repeat else f"{nid}_{last}")
    return True


def _fork_block(st_: _State) -> bool:
    draw = st_.draw
    floats = [v for v in st_.values if v.dtype == "float32" and known(v.shape)]
    a = draw(st.sampled_from(floats)) if floats else None
    pair = [
        v for v in floats if a and len(v.shape) == len(a.shape) and v.shape[:-1] == a.shape[:-1]
    ]
    if a is None or not pair:
        return False
    b = draw(st.sampled_from(pair))
    units = draw(st.sampled_from([None, 1, 2, 5]))
    c = last_axis(a.shape) + last_axis(b.shape)
    u = units or 3
    node: dict[str, Any] = {"block": "fork"} | ({"units": units} if units else {})
    node["inputs"] = draw(st.sampled_from([[a.ref, b.ref], {"a": a.ref, "b": b.ref}]))
    nid = st_.new_id()
    st_.blocks["fork"] = BLOCKS["fork"]
    joined = (*a.shape[:-1], c)
    st_.add(nid, node, [a, b], Out(joined, (c + 1) * u + (c + 1) * (u + 1)), f"{nid}_joined")
    st_.values.pop()  # the bare id is a list of two values: offer the selectors instead
    by_name = draw(st.booleans())
    for i, (name, width) in enumerate((("left", u), ("right", u + 1))):
        shape = (*a.shape[:-1], width)
        st_.values.append(Value(f"{nid}.{name if by_name else i}", shape))
        st_.ir_shapes[f"{nid}_{name}"] = shape
    return True


ACTIONS: dict[str, Callable[[_State], bool]] = {
    "layer": _unary,
    "merge": _merge,
    "shared": _shared,
    "block": _one_input_block,
    "fork": _fork_block,
}
_ACTION_WEIGHTS = ["layer"] * 4 + ["merge"] * 2 + ["shared", "block", "fork"]

INPUT_SHAPES: dict[str, tuple[list[int | None], str]] = {
    "vector": ([8], "float32"),
    "short": ([6], "float32"),
    "sequence": ([6, 4], "float32"),
    "stream": ([None, 4], "float32"),
    "image": ([8, 8, 3], "float32"),
    "patch": ([4, 4, 2], "float32"),
    "tokens": ([6], "int32"),
}


def _inputs(st_: _State) -> dict[str, Any]:
    names = st_.draw(
        st.lists(st.sampled_from(sorted(INPUT_SHAPES)), min_size=1, max_size=3, unique=True)
    )
    inputs: dict[str, Any] = {}
    for name in names:
        shape, dtype = INPUT_SHAPES[name]
        inputs[name] = {"shape": shape} | ({"dtype": dtype} if dtype != "float32" else {})
        value = Value(name, tuple(shape), dtype)
        if dtype == "int32":
            _embedding(st_, value)
        else:
            st_.values.append(value)
            if not any(_unary(st_, value) for _ in range(10)):
                st_.add(
                    st_.new_id(),
                    {"layer": "Dropout", "rate": 0.5, "inputs": name},
                    [value],
                    Out(value.shape),
                )
    return inputs


def _outputs(st_: _State) -> dict[str, Shape]:
    """Every value nothing reads is an output; a block's selector (`n4.left`) gets a node first."""
    outs: dict[str, Shape] = {}
    for v in list(st_.values):
        base, _, selector = v.ref.partition(".")
        if base not in st_.nodes or v.ref in st_.read or (base in st_.used and not selector):
            continue
        if selector:
            nid = f"{base}_{selector}_out"
            node = {"layer": "Activation", "activation": "linear", "inputs": v.ref}
            st_.add(nid, node, [v], Out(v.shape))
            outs[nid] = v.shape
        else:
            outs[v.ref] = v.shape
    return outs


def _output_section(draw: Draw, outs: list[str]) -> tuple[Any, dict[str, Any] | None]:
    style = draw(st.sampled_from(["plain", "compiled", "per_output"]))
    if style == "plain":
        return outs, None
    optimizer = draw(st.sampled_from(["rmsprop", "adam", {"name": "adam", "learning_rate": 0.001}]))
    if style == "compiled":
        return outs, {"optimizer": optimizer, "loss": "mse", "metrics": ["mae"]}
    options: dict[str, Any] = {}
    for o in outs:
        opt: dict[str, Any] = {
            "loss": draw(st.sampled_from(["mse", "mae", {"name": "huber", "delta": 2.0}]))
        }
        if draw(st.booleans()):
            opt["loss_weight"] = draw(st.sampled_from([0.5, 1, 2.0]))
        if draw(st.booleans()):
            opt["metrics"] = ["mae"]
        options[o] = opt
    return options, {"optimizer": optimizer}


@st.composite
def valid_specs(draw: Draw, max_steps: int = 8) -> Generated:
    """A random valid spec: a DAG of shape-compatible layers, shared layers and blocks."""
    st_ = _State(draw)
    inputs = _inputs(st_)
    for _ in range(draw(st.integers(0, max_steps))):
        ACTIONS[draw(st.sampled_from(_ACTION_WEIGHTS))](st_)
    outs = _outputs(st_)
    order = draw(st.permutations(list(st_.nodes)))
    outputs, compile_ = _output_section(draw, list(outs))
    data: dict[str, Any] = {"graphspec": 1}
    if draw(st.booleans()):
        data["name"] = "fuzzed"
    data["inputs"] = inputs
    for key, section in (("shared", st_.shared), ("blocks", st_.blocks)):
        if section:
            data[key] = copy.deepcopy(section)
    data["nodes"] = {nid: st_.nodes[nid] for nid in order}
    data["outputs"] = outputs
    if compile_:
        data["compile"] = compile_
    text = dump(data, draw(st.sampled_from([None, False])))
    return Generated(data, text, st_.ir_shapes, outs, st_.params, st_.frozen)


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(data: Any, flow: bool | None = None) -> str:
    """YAML text for spec data (PyYAML quotes whatever would read back differently)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=flow, width=100)
