"""Hypothesis strategies for fuzzing: random valid specs (shapes tracked), and spec mutations."""

from __future__ import annotations

import bisect
import copy
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import yaml
from hypothesis import strategies as st

from graphspec.diagnostics import GraphSpecError, SpecPath
from graphspec.syntax.loader import load_text
from tests.conftest import SPECS

Shape = tuple[int | None, ...]
"""A value's shape without the batch axis."""
Draw = Callable[..., Any]


# ---- valid specs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Out:
    """What one layer call makes: its output shape and the weights it declares."""

    shape: Shape
    params: int = 0
    frozen: int = 0


Step = Callable[[Shape], Out | None]
"""A layer's effect on one input shape; None when the layer cannot take that shape."""


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


def _known(s: Shape, rank: int | None = None, last: bool = True) -> bool:
    return (rank is None or len(s) == rank) and (not last or (bool(s) and s[-1] is not None))


def _last(s: Shape) -> int:
    """The last axis, known (callers checked it with `_known`)."""
    assert s and s[-1] is not None
    return s[-1]


def _prod(s: Shape) -> int | None:
    dims = [d for d in s if d is not None]
    return math.prod(dims) if len(dims) == len(s) else None


def _conv_len(n: int | None, k: int, stride: int, padding: str) -> int | None:
    if n is None:
        return None
    out = -(-n // stride) if padding == "same" else (n - k) // stride + 1
    return out if out >= 1 and (padding == "same" or n >= k) else -1


def _spatial(s: Shape, rank: int, k: int, stride: int, padding: str) -> Shape | None:
    if len(s) != rank + 1:
        return None
    dims = tuple(_conv_len(d, k, stride, padding) for d in s[:-1])
    return None if -1 in dims else dims


def _dense(draw: Draw, s: Shape) -> tuple[dict[str, Any], Step] | None:
    units = draw(st.integers(1, 8))
    bias = draw(st.booleans())
    node: dict[str, Any] = {"layer": "Dense"} | (
        {"args": [units]} if draw(st.booleans()) else {"units": units}
    )
    if not bias:
        node["use_bias"] = False
    act = draw(st.sampled_from([None, "relu", "tanh", "softmax"]))
    if act is not None:
        node["activation"] = act

    def step(s: Shape) -> Out | None:
        if not _known(s):
            return None
        return Out((*s[:-1], units), (_last(s) + bias) * units)

    return node, step


def _same(node: dict[str, Any], params: Callable[[int], tuple[int, int]] | None = None) -> Any:
    def step(s: Shape) -> Out | None:
        if params is None:
            return Out(s)
        if not _known(s):
            return None
        total, frozen = params(_last(s))
        return Out(s, total, frozen)

    return node, step


def _dropout(draw: Draw, s: Shape) -> Any:
    node: dict[str, Any] = {"layer": "Dropout", "rate": draw(st.sampled_from([0.0, 0.1, 0.5]))}
    if draw(st.integers(0, 4)) == 0:
        node["call"] = {"training": False}
    return _same(node)


def _activation(draw: Draw, s: Shape) -> Any:
    act = draw(st.sampled_from(["relu", "tanh", "sigmoid", "softmax", "linear"]))
    return _same(
        {"layer": "Activation"} | ({"args": [act]} if draw(st.booleans()) else {"activation": act})
    )


def _batch_norm(draw: Draw, s: Shape) -> Any:
    return _same({"layer": "BatchNormalization"}, lambda c: (4 * c, 2 * c))


def _layer_norm(draw: Draw, s: Shape) -> Any:
    node = {"layer": "LayerNormalization"} | draw(st.sampled_from([{}, {"epsilon": 1.0e-5}]))
    return _same(node, lambda c: (2 * c, 0))


def _flatten(draw: Draw, s: Shape) -> Any:
    def step(s: Shape) -> Out | None:
        n = _prod(s)
        return Out((n,)) if len(s) >= 2 and n is not None else None

    return {"layer": "Flatten"}, step


def _reshape(draw: Draw, s: Shape) -> Any:
    total = _prod(s)
    if total is None:
        return None
    dims: list[int] = []
    rest = total
    for _ in range(draw(st.integers(0, 2))):
        d = draw(st.sampled_from([d for d in range(1, rest + 1) if rest % d == 0]))
        dims.append(d)
        rest //= d
    dims.append(rest)
    target = list(dims)
    if draw(st.booleans()):
        target[draw(st.integers(0, len(dims) - 1))] = -1

    def step(s: Shape) -> Out | None:
        return Out(tuple(dims)) if _prod(s) == total else None

    return {"layer": "Reshape", "target_shape": target}, step


def _conv(rank: int) -> Callable[[Draw, Shape], Any]:
    def rule(draw: Draw, s: Shape) -> Any:
        filters, k = draw(st.integers(1, 6)), draw(st.integers(1, 3))
        stride, padding = draw(st.integers(1, 2)), draw(st.sampled_from(["same", "valid"]))
        node: dict[str, Any] = {"layer": f"Conv{rank}D"}
        if draw(st.booleans()):
            node |= {"args": [filters, k]}
        else:
            node |= {"filters": filters, "kernel_size": k}
        node |= {"strides": stride, "padding": padding}
        if draw(st.booleans()):
            node["activation"] = "relu"

        def step(s: Shape) -> Out | None:
            dims = _spatial(s, rank, k, stride, padding)
            if dims is None or not _known(s):
                return None
            return Out((*dims, filters), k**rank * _last(s) * filters + filters)

        return node, step

    return rule


def _pool(rank: int) -> Callable[[Draw, Shape], Any]:
    def rule(draw: Draw, s: Shape) -> Any:
        kind = draw(st.sampled_from(["Max", "Average"]))
        padding = draw(st.sampled_from(["same", "valid"]))
        node = {"layer": f"{kind}Pooling{rank}D", "pool_size": 2, "padding": padding}

        def step(s: Shape) -> Out | None:
            dims = _spatial(s, rank, 2, 2, padding)
            return None if dims is None else Out((*dims, s[-1]))

        return node, step

    return rule


def _global_pool(rank: int) -> Callable[[Draw, Shape], Any]:
    def rule(draw: Draw, s: Shape) -> Any:
        kind = draw(st.sampled_from(["Max", "Average"]))

        def step(s: Shape) -> Out | None:
            return Out((s[-1],)) if len(s) == rank + 1 else None

        return {"layer": f"Global{kind}Pooling{rank}D"}, step

    return rule


_GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}


def _rnn(draw: Draw, s: Shape) -> Any:
    kind = draw(st.sampled_from(sorted(_GATES)))
    units, seqs = draw(st.integers(1, 8)), draw(st.booleans())
    node = {"layer": kind, "units": units, "return_sequences": seqs}

    def step(s: Shape) -> Out | None:
        if not _known(s, 2):
            return None
        f = _last(s)
        bias = 2 * units if kind == "GRU" else units  # GRU: reset_after, two biases
        params = _GATES[kind] * (units * (f + units) + bias)
        return Out((s[0], units) if seqs else (units,), params)

    return node, step


UNARY: dict[str, Callable[[Draw, Shape], Any]] = {
    "Dense": _dense,
    "Dropout": _dropout,
    "Activation": _activation,
    "BatchNormalization": _batch_norm,
    "LayerNormalization": _layer_norm,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Conv1D": _conv(1),
    "Conv2D": _conv(2),
    "Pooling1D": _pool(1),
    "Pooling2D": _pool(2),
    "GlobalPooling1D": _global_pool(1),
    "GlobalPooling2D": _global_pool(2),
    "RNN": _rnn,
}
"""Layers of one float input, by family: each draws its arguments and says what it makes."""


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
        and _known(v.shape)
        and _known(a.shape)
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
    out = Out((*a.shape[:-1], _last(a.shape) + _last(b.shape)))
    st_.add(st_.new_id(), node, [a, b], out)
    return True


def _shared_entry(draw: Draw, v: Value) -> tuple[dict[str, Any], Out] | None:
    """A shared LSTM, Dense or inline `graph:` sub-model that can take `v`, and its output."""
    kind = draw(st.sampled_from(["Dense", "LSTM", "graph"]))
    units, f = draw(st.integers(1, 8)), _last(v.shape)
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
    made = _shared_entry(draw, v) if _known(v.shape) else None
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
        if not _known(s):
            return None
        c = _last(s)
        return Out((*s[:-1], width * mult), (c + 1) * width + (width + 1) * width * mult)

    return step


def _residual_step(dim: int) -> Step:
    def step(s: Shape) -> Out | None:
        if not _known(s) or s[-1] != dim:
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
    if not _known(v.shape):
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
        step = _residual_step(_last(v.shape))
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
    floats = [v for v in st_.values if v.dtype == "float32" and _known(v.shape)]
    a = draw(st.sampled_from(floats)) if floats else None
    pair = [
        v for v in floats if a and len(v.shape) == len(a.shape) and v.shape[:-1] == a.shape[:-1]
    ]
    if a is None or not pair:
        return False
    b = draw(st.sampled_from(pair))
    units = draw(st.sampled_from([None, 1, 2, 5]))
    c = _last(a.shape) + _last(b.shape)
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


# ---- mutations ------------------------------------------------------------------------------


SMALL_SPECS = sorted([*(SPECS / "seed").glob("*.yaml"), *(SPECS / "examples").glob("*.yaml")])
"""The bundled specs small enough to mutate (the architectures are left to other tests)."""

ODD_VALUES: list[Any] = [
    "x", "", "Dens", "$x", "${1 / 0}", "${width *}", "$$", [1], [], {"a": 1}, {}, None, True,
    False, 1.5, -1.0, math.inf, math.nan, 0, -5, 10**30, 2**63, -(2**63), "1e400", [[[[]]]],
    {"class_name": "Dense", "config": {}}, {"name": "HeNormal", "seed": 1}, "keras.layers.Dense",
    "${" + "(" * 300 + "1" + ")" * 300 + "}", "${" + "9" * 5000 + "}", "u${" + "*".join(["9" * 9] * 600) + "}",
]  # fmt: skip
"""Values of every type that spec keys might receive."""

LAYER_NAMES = [
    "Dense", "Conv2D", "LSTM", "Add", "Concatenate", "Flatten", "Embedding", "Reshape",
    "MultiHeadAttention", "Bidirectional", "TimeDistributed", "Lambda", "TFSMLayer", "Dens",
    "dense", "os.system", "keras.layers.Dense", "Input", "InputLayer", "Model", "",
]  # fmt: skip


@dataclass(frozen=True)
class Site:
    """What one mutation changed, so that the test can tell where its errors may point.

    A data-level mutation names the spec path of what it changed; a text-level one the lines
    it touched (1-based, counted as YAML counts them, in the mutant's final text). A mutation
    that changed nothing records no site."""

    kind: str
    path: SpecPath | None = None
    """The value replaced or set, the key dropped (no longer there), a renamed key's new path."""
    old: SpecPath | None = None
    """rename_key: the key's path before; duplicate_node: the node copied."""
    lines: tuple[int, ...] = ()
    lf_lines: tuple[int, ...] = ()
    """The same lines counting only `\\n` as a line break, as graphspec's loader does where
    it computes a position itself (GS111, and GS101 for a character YAML refuses): a known
    graphspec bug, see test_fuzz.py's KNOWN_BUGS."""
    cycle: tuple[str, str] | None = None
    """make_cycle: (a, b): node a now reads node b, which already depended on a."""
    between: frozenset[str] = frozenset()
    """make_cycle: the nodes on some path from a to b (a and b too): all a cycle can name."""
    number: int | None = None
    """huge_number: the integer written."""
    gone: frozenset[str] = frozenset()
    """The ids of inputs, nodes, shared entries and blocks the mutation took away (dropped or
    renamed): references to them dangle."""


def _paths(data: Any, path: SpecPath = ()) -> list[SpecPath]:
    found = [path] if path else []
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for k, v in items:
        found.extend(_paths(v, (*path, k)))
    return found


def _parent(data: Any, path: SpecPath) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


_MISSING = object()


def value_at(data: Any, path: SpecPath) -> Any:
    """The value at `path`, or _MISSING."""
    for part in path:
        in_map = isinstance(data, dict) and isinstance(part, str) and part in data
        in_list = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if not (in_map or in_list):
            return _MISSING
        data = data[part]
    return data


def _nodes(data: Any) -> dict[str, Any]:
    nodes = data.get("nodes") if isinstance(data, dict) else None
    return (
        {k: v for k, v in nodes.items() if isinstance(v, dict)} if isinstance(nodes, dict) else {}
    )


def keys_and_ids(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """A spec text's top-level keys and the ids it defines (none when it does not load)."""
    try:
        data = load_text(text).data
    except GraphSpecError:
        return frozenset(), frozenset()
    return frozenset(data if isinstance(data, dict) else ()), frozenset(ids_of(data))


def ids_of(data: Any) -> list[str]:
    ids = []
    for section in ("inputs", "nodes", "shared", "blocks"):
        if isinstance(data, dict) and isinstance(data.get(section), dict):
            ids.extend(data[section])
    return ids


def reference_slots(inputs: Any) -> list[tuple[Any, Any]]:
    """(container, key) of every reference string in a node's `inputs`."""
    slots: list[tuple[Any, Any]] = []
    items = (
        (inputs.items() if isinstance(inputs, dict) else enumerate(inputs))
        if isinstance(inputs, dict | list)
        else ()
    )
    for k, v in items:
        if isinstance(v, str):
            slots.append((inputs, k))
        elif isinstance(v, dict | list):
            slots.extend(reference_slots(v))
    return slots


def refs(node: Any) -> list[str]:
    """The ids a node's `inputs` read (selectors dropped)."""
    inputs = node.get("inputs") if isinstance(node, dict) else None
    if isinstance(inputs, str):
        return [inputs.split(".")[0]]
    return [c[k].split(".")[0] for c, k in reference_slots(inputs)]


def _typo(draw: Draw, word: str) -> str:
    i = draw(st.integers(0, len(word)))
    typo: str = draw(
        st.sampled_from(
            [
                word[:i] + word[i + 1 :],
                word[:i] + "x" + word[i:],
                word.upper(),
                word + "s",
                word[::-1],
            ]
        )
    )
    return typo


def _unchanged(a: Any, b: Any) -> bool:
    return type(a) is type(b) and repr(a) == repr(b)


def drop_key(draw: Draw, data: Any) -> Site | None:
    paths = [p for p in _paths(data) if isinstance(_parent(data, p), dict)]
    if not paths:
        return None
    p = draw(st.sampled_from(paths))
    del _parent(data, p)[p[-1]]
    return Site("drop_key", p)


def rename_key(draw: Draw, data: Any) -> Site | None:
    paths = [p for p in _paths(data) if isinstance(_parent(data, p), dict)]
    if not paths:
        return None
    p = draw(st.sampled_from(paths))
    new = _typo(draw, p[-1])
    if new == p[-1]:
        return None
    parent = _parent(data, p)
    parent[new] = parent.pop(p[-1])
    return Site("rename_key", (*p[:-1], new), old=p)


def retype(draw: Draw, data: Any) -> Site | None:
    paths = _paths(data)
    if not paths:
        return None
    p = draw(st.sampled_from(paths))
    value = copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))
    if _unchanged(_parent(data, p)[p[-1]], value):
        return None
    _parent(data, p)[p[-1]] = value
    return Site("retype", p)


def bad_reference(draw: Draw, data: Any) -> Site | None:
    nodes = _nodes(data)
    if not nodes:
        return None
    nid = draw(st.sampled_from(sorted(nodes)))
    ids = ids_of(data) or ["x"]
    target = draw(
        st.sampled_from(ids).flatmap(
            lambda i: st.sampled_from(
                [i, f"{i}.0", f"{i}.7", f"{i}.nope", f"{i}.{i}", "nowhere", "1bad", "a.b.c"]
            )
        )
    )
    key = draw(st.sampled_from(["inputs", "inputs", "use", "block"]))
    shape = draw(st.sampled_from(["one", "list", "map"]))
    value = (
        target
        if shape == "one" or key != "inputs"
        else [target]
        if shape == "list"
        else {"query": target}
    )
    if _unchanged(nodes[nid].get(key), value):
        return None
    nodes[nid][key] = value
    return Site("bad_reference", ("nodes", nid, key))


def make_cycle(draw: Draw, data: Any) -> Site | None:
    """Node a reads node b instead of one of its inputs, where b already depends on a."""
    nodes = _nodes(data)
    if not nodes:
        return None
    a = draw(st.sampled_from(sorted(nodes)))
    after = {a}
    for _ in nodes:  # everything downstream of a, by fixpoint
        after |= {n for n, node in nodes.items() if set(refs(node)) & after}
    b = draw(st.sampled_from(sorted(after)))
    before = {b}
    for _ in nodes:  # everything b depends on
        before |= {r for n in before if n in nodes for r in refs(nodes[n]) if r in nodes}
    inputs = nodes[a].get("inputs")
    slots = reference_slots(inputs)
    if slots:
        container, key = draw(st.sampled_from(slots))
        container[key] = b
    else:
        nodes[a]["inputs"] = b
    return Site(
        "make_cycle", ("nodes", a, "inputs"), cycle=(a, b), between=frozenset(after & before)
    )


def duplicate_node(draw: Draw, data: Any) -> Site | None:
    nodes = _nodes(data)
    if not nodes:
        return None
    nid = draw(st.sampled_from(sorted(nodes)))
    new = draw(st.sampled_from([nid + "_dup", nid.upper(), nid + "_1", "x"]))
    if new == nid:
        return None
    data["nodes"][new] = copy.deepcopy(nodes[nid])
    return Site("duplicate_node", ("nodes", new), old=("nodes", nid))


def swap_layer(draw: Draw, data: Any) -> Site | None:
    paths = [p for p in _paths(data) if p[-1] == "layer"]
    if not paths:
        return None
    p = draw(st.sampled_from(paths))
    name = draw(st.sampled_from(LAYER_NAMES))
    if _unchanged(_parent(data, p)["layer"], name):
        return None
    _parent(data, p)["layer"] = name
    return Site("swap_layer", p)


def repeat_or_args(draw: Draw, data: Any) -> Site | None:
    nodes = _nodes(data)
    if not nodes:
        return None
    nid = draw(st.sampled_from(sorted(nodes)))
    node = nodes[nid]
    if draw(st.booleans()):
        key = "repeat"
        value = draw(st.sampled_from([0, -1, 1, 2, 3, "2", 2.5, True, None, [2], 10**9]))
    else:
        key = "args"
        value = draw(
            st.sampled_from([[], [1], [2, 3], list(range(12)), "x", [None], [{"layer": "Dense"}]])
        )
    if _unchanged(node.get(key, _MISSING), value):
        return None
    node[key] = value
    return Site("repeat_or_args", ("nodes", nid, key))


def huge_number(draw: Draw, data: Any) -> Site | None:
    ints = [p for p in _paths(data) if type(_parent(data, p)[p[-1]]) is int]
    if not ints:
        return None
    p = draw(st.sampled_from(ints))
    number = draw(st.sampled_from([10**9, 2**31, 2**63 + 1, 10**30, 10**4000]))
    if _parent(data, p)[p[-1]] == number:
        return None
    _parent(data, p)[p[-1]] = number
    return Site("huge_number", p, number=number)


DATA_MUTATIONS: dict[str, Callable[[Draw, Any], Site | None]] = {
    "huge_number": huge_number,
    "drop_key": drop_key,
    "rename_key": rename_key,
    "retype": retype,
    "bad_reference": bad_reference,
    "make_cycle": make_cycle,
    "duplicate_node": duplicate_node,
    "swap_layer": swap_layer,
    "repeat_or_args": repeat_or_args,
}
"""Mutations of the loaded values, in place (the document is dumped again afterwards); each
says what it changed, or None when it changed nothing."""


def _moved(site: Site, old: SpecPath, new: SpecPath) -> Site:
    """`site` after a later rename of the key at `old` to `new`."""

    def move(p: SpecPath | None) -> SpecPath | None:
        return (*new, *p[len(old) :]) if p is not None and p[: len(old)] == old else p

    return replace(site, path=move(site.path), old=move(site.old))


def _still_there(site: Site, data: Any) -> bool:
    """Whether a later mutation left what `site` changed in place."""
    assert site.path is not None
    if site.kind == "drop_key":
        return value_at(data, site.path[:-1]) is not _MISSING
    return value_at(data, site.path) is not _MISSING


# ---- text mutations: each is a splice (or a few), so that touched offsets can follow later ones


@dataclass
class Edit:
    """A text mutation's result: the new text, the spans it touched in it, and where an offset
    of the old text is in the new one."""

    text: str
    spans: list[tuple[int, int]]
    remap: Callable[[int], int]


def _splice(
    text: str, start: int, end: int, new: str, spans: list[tuple[int, int]] | None = None
) -> Edit:
    def remap(o: int) -> int:
        return o if o <= start else start + len(new) + max(o - end, 0)

    touched = [(start, start + len(new))] if spans is None else spans
    return Edit(text[:start] + new + text[end:], touched, remap)


def _line_at(draw: Draw, text: str) -> tuple[int, str]:
    """A random `\\n`-separated line: its start offset and its text."""
    lines = text.split("\n")
    i = draw(st.integers(0, len(lines) - 1))
    return sum(len(line) + 1 for line in lines[:i]), lines[i]


def _delete_line(draw: Draw, text: str) -> Edit:
    start, line = _line_at(draw, text)
    end = start + len(line)
    if end < len(text):
        end += 1  # with its line break
    elif start > 0:
        start -= 1  # the last line: with the break before it
    # touched: the line before the join and the line after it
    return _splice(text, start, end, "", [(max(start - 1, 0), start + 1)])


def _duplicate_line(draw: Draw, text: str) -> Edit:
    start, line = _line_at(draw, text)
    copy_ = line + "\n"
    return _splice(text, start, start, copy_, [(start, start + len(copy_) + 1)])  # both lines


def _tab(draw: Draw, text: str) -> Edit:
    start, line = _line_at(draw, text)
    return _splice(text, start, start + len(line) - len(line.lstrip(" ")), "\t")


def _insert(draw: Draw, text: str, piece: str) -> Edit:
    i = draw(st.integers(0, len(text)))
    return _splice(text, i, i, piece)


def _value_of_line(draw: Draw, text: str, value: str) -> Edit:
    """Replace the value after the first `: ` of a random line (or append a key) with `value`."""
    start, line = _line_at(draw, text)
    head, sep, _ = line.partition(": ")
    if sep:
        return _splice(text, start, start + len(line), f"{head}: {value}")
    piece = f"\nextra: {value}"
    end = start + len(line)
    return _splice(text, end, end, piece, [(start, end + len(piece))])


def _append(text: str, piece: str) -> Edit:
    return _splice(text, len(text), len(text), piece)


def _second_document(draw: Draw, text: str) -> Edit:
    prefix, suffix = draw(
        st.sampled_from(
            [("", "\n---\na: 1\n"), ("---\n", ""), ("", "\n...\n"), ("%YAML 1.1\n---\n", "")]
        )
    )
    return _splice(text, 0, 0, prefix) if prefix else _append(text, suffix)


def _crlf(draw: Draw, text: str) -> Edit:
    """Every line break becomes CRLF: no line changes, so nothing is touched."""
    return Edit(text.replace("\n", "\r\n"), [], lambda o: o + text.count("\n", 0, o))


def _bom(draw: Draw, text: str) -> Edit:
    """A byte order mark first: the reader drops one, so it touches nothing unless it's a second."""
    return _splice(text, 0, 0, "\ufeff", [(0, 1)] if text.startswith("\ufeff") else [])


def _truncate(draw: Draw, text: str) -> Edit:
    k = draw(st.integers(0, len(text)))
    return Edit(text[:k], [(k, k)], lambda o: min(o, k))


_ALIASES = "\nlol1: &l1 [x, x, x, x, x, x, x, x, x]\nlol2: &l2 [*l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1]\nlol3: [*l2, *l2, *l2, *l2]\n"  # fmt: skip

TEXT_MUTATIONS: dict[str, Callable[[Draw, str], Edit]] = {
    "delete_line": _delete_line,
    "duplicate_line": _duplicate_line,
    "tab": _tab,
    "bracket": lambda d, t: _insert(d, t, d(st.sampled_from(list("[]{}'\"&*!|>%@`#,?:-")))),
    "python_tag": lambda d, t: _value_of_line(
        d, t, d(st.sampled_from(["!!python/object/apply:os.system ['true']", "!!python/name:os.system", "!custom 1", "!!binary aGk=", "!!int x", "!!float 1", "!!set {a}"]))
    ),
    "anchor": lambda d, t: _value_of_line(
        d, t, d(st.sampled_from(["&a 4", "*a", "&a [1, 2]", "*undefined", "&a {layer: Dense}"]))
    ),
    "aliases": lambda d, t: _append(t, _ALIASES),
    "merge_key": lambda d, t: _value_of_line(d, t, "{<<: {a: 1}, b: 2}"),
    "second_document": _second_document,
    "unicode": lambda d, t: _insert(d, t, d(st.text(min_size=1, max_size=4))),
    "long_number": lambda d, t: _value_of_line(d, t, "9" * 5000),
    "long_scalar": lambda d, t: _value_of_line(d, t, "a" * d(st.sampled_from([1000, 100_000, 5_000_000]))),
    "deep": lambda d, t: _value_of_line(d, t, "[" * 70 + "]" * 70),
    "crlf": _crlf,
    "bom": _bom,
    "control": lambda d, t: _insert(d, t, d(st.sampled_from(["\x00", "\x07", "\x1b", "\ufffe", "\u2028"]))),
    "truncate": _truncate,
}  # fmt: skip
"""Mutations of the YAML text."""

YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
"""Line breaks as YAML 1.1 (libyaml, whose marks locate graphspec's diagnostics) counts them."""
LF = re.compile("\n")


def yaml_lines(
    text: str, spans: list[tuple[int, int]], breaks: re.Pattern[str] = YAML_BREAK
) -> tuple[int, ...]:
    """The 1-based lines the spans of `text` cover, as YAML numbers lines (or by `breaks`)."""
    ends = [m.end() for m in breaks.finditer(text)]
    lines: set[int] = set()
    for s, e in spans:
        first, last = (bisect.bisect_right(ends, o) + 1 for o in (s, max(s, e - 1)))
        lines.update(range(first, last + 1))
    return tuple(sorted(lines))


@dataclass
class Mutant:
    """A mutated spec: where it came from, what was done, where, and its bytes."""

    source: str
    steps: list[str]
    content: bytes
    sites: list[Site] = field(default_factory=list)
    text_ids: frozenset[str] = frozenset()
    """The ids of inputs, nodes, shared entries and blocks before the text-level mutations:
    those the mutations took away leave references to them dangling."""
    text_keys: frozenset[str] = frozenset()
    """The top-level keys before the text-level mutations: one they took away may be missing."""


def sources(generated_only: bool = False) -> st.SearchStrategy[tuple[str, str]]:
    """A bundled small spec or a freshly generated valid one, as (name, text)."""
    generated = valid_specs(max_steps=4).map(lambda g: ("generated", g.text))
    if generated_only:
        return generated
    bundled = st.sampled_from([(p.name, p.read_text("utf-8")) for p in SMALL_SPECS])
    return st.one_of(bundled, generated)


@st.composite
def mutants(draw: Draw, generated_only: bool = False) -> Mutant:
    """Up to three data-level and text-level mutations of a valid spec, with their sites."""
    name, text = draw(sources(generated_only))
    steps: list[str] = []
    sites: list[Site] = []
    data_steps = draw(st.lists(st.sampled_from(sorted(DATA_MUTATIONS)), max_size=3))
    if data_steps:
        data = load_text(text).data
        for m in data_steps:
            ids = set(ids_of(data))
            site = DATA_MUTATIONS[m](draw, data)
            if site is None:
                continue
            site = replace(site, gone=frozenset(ids - set(ids_of(data))))
            if site.kind == "rename_key":
                assert site.old is not None and site.path is not None
                sites = [_moved(s, site.old, site.path) for s in sites]
            sites = [s for s in sites if _still_there(s, data)] + [site]
        steps += data_steps
        text = dump(data, draw(st.sampled_from([None, False, True])))
    text_steps = draw(
        st.lists(st.sampled_from(sorted(TEXT_MUTATIONS)), max_size=2 if data_steps else 3)
    )
    touched: list[tuple[str, list[tuple[int, int]]]] = []
    text_keys, text_ids = keys_and_ids(text) if text_steps else (frozenset(), frozenset())
    for m in text_steps:
        edit = TEXT_MUTATIONS[m](draw, text)
        touched = [(k, [(edit.remap(s), edit.remap(e)) for s, e in sp]) for k, sp in touched]
        touched.append((m, edit.spans))
        text = edit.text
    steps += text_steps
    sites += [
        Site(k, lines=yaml_lines(text, spans), lf_lines=yaml_lines(text, spans, LF))
        for k, spans in touched
    ]
    content = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 30)) == 15:  # one in 31 (Hypothesis favours the bounds)
        i = draw(st.integers(0, len(content)))
        content = content[:i] + b"\xff" + content[i:]
        before = content[:i].decode("utf-8", "replace")
        at = [(len(before), len(before))]
        lines, lf_lines = yaml_lines(before, at), yaml_lines(before, at, LF)
        sites.append(Site("invalid_utf8", lines=lines, lf_lines=lf_lines))
        steps.append("invalid_utf8")
    return Mutant(name, steps, content, sites, text_ids, text_keys)


@st.composite
def planted_cycles(draw: Draw) -> Mutant:
    """A generated valid spec with one cycle planted (make_cycle), and nothing else wrong."""
    data = copy.deepcopy(draw(valid_specs()).data)
    site = make_cycle(draw, data)
    assert site is not None  # a generated spec has nodes
    text = dump(data, draw(st.sampled_from([None, False, True])))
    return Mutant("generated", ["make_cycle"], text.encode(), [site])
