"""Hypothesis strategies for fuzzing: random valid specs (shapes tracked), and spec mutations."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from hypothesis import strategies as st

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


def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
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


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def _nodes(data: Any) -> dict[str, Any]:
    nodes = data.get("nodes") if isinstance(data, dict) else None
    return (
        {k: v for k, v in nodes.items() if isinstance(v, dict)} if isinstance(nodes, dict) else {}
    )


def _ids(data: Any) -> list[str]:
    ids = []
    for section in ("inputs", "nodes", "shared", "blocks"):
        if isinstance(data, dict) and isinstance(data.get(section), dict):
            ids.extend(data[section])
    return ids


def _refs(node: Any) -> list[str]:
    inputs = node.get("inputs") if isinstance(node, dict) else None
    flat: list[Any] = []
    for item in inputs.values() if isinstance(inputs, dict) else [inputs]:
        flat.extend(item if isinstance(item, list) else [item])
    return [r.split(".")[0] for r in flat if isinstance(r, str)]


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


def drop_key(draw: Draw, data: Any) -> None:
    paths = [p for p in _paths(data) if isinstance(_parent(data, p), dict)]
    if paths:
        p = draw(st.sampled_from(paths))
        del _parent(data, p)[p[-1]]


def rename_key(draw: Draw, data: Any) -> None:
    paths = [p for p in _paths(data) if isinstance(_parent(data, p), dict)]
    if paths:
        p = draw(st.sampled_from(paths))
        parent = _parent(data, p)
        parent[_typo(draw, p[-1])] = parent.pop(p[-1])


def retype(draw: Draw, data: Any) -> None:
    paths = _paths(data)
    if paths:
        p = draw(st.sampled_from(paths))
        _parent(data, p)[p[-1]] = copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))


def bad_reference(draw: Draw, data: Any) -> None:
    nodes = _nodes(data)
    if not nodes:
        return
    nid = draw(st.sampled_from(sorted(nodes)))
    ids = _ids(data) or ["x"]
    target = draw(
        st.sampled_from(ids).flatmap(
            lambda i: st.sampled_from(
                [i, f"{i}.0", f"{i}.7", f"{i}.nope", f"{i}.{i}", "nowhere", "1bad", "a.b.c"]
            )
        )
    )
    key = draw(st.sampled_from(["inputs", "inputs", "use", "block"]))
    shape = draw(st.sampled_from(["one", "list", "map"]))
    nodes[nid][key] = (
        target
        if shape == "one" or key != "inputs"
        else [target]
        if shape == "list"
        else {"query": target}
    )


def make_cycle(draw: Draw, data: Any) -> None:
    nodes = _nodes(data)
    if not nodes:
        return
    a = draw(st.sampled_from(sorted(nodes)))
    after = {a}
    for _ in nodes:  # everything downstream of a, by fixpoint
        after |= {n for n, node in nodes.items() if set(_refs(node)) & after}
    b = draw(st.sampled_from(sorted(after)))
    inputs = nodes[a].get("inputs")
    if isinstance(inputs, list) and inputs:
        inputs[draw(st.integers(0, len(inputs) - 1))] = b
    else:
        nodes[a]["inputs"] = b


def duplicate_node(draw: Draw, data: Any) -> None:
    nodes = _nodes(data)
    if nodes:
        nid = draw(st.sampled_from(sorted(nodes)))
        new = draw(st.sampled_from([nid + "_dup", nid.upper(), nid + "_1", "x"]))
        data["nodes"][new] = copy.deepcopy(nodes[nid])


def swap_layer(draw: Draw, data: Any) -> None:
    paths = [p for p in _paths(data) if p[-1] == "layer"]
    if paths:
        p = draw(st.sampled_from(paths))
        _parent(data, p)["layer"] = draw(st.sampled_from(LAYER_NAMES))


def repeat_or_args(draw: Draw, data: Any) -> None:
    nodes = _nodes(data)
    if nodes:
        node = nodes[draw(st.sampled_from(sorted(nodes)))]
        if draw(st.booleans()):
            node["repeat"] = draw(
                st.sampled_from([0, -1, 1, 2, 3, "2", 2.5, True, None, [2], 10**9])
            )
        else:
            node["args"] = draw(
                st.sampled_from(
                    [[], [1], [2, 3], list(range(12)), "x", [None], [{"layer": "Dense"}]]
                )
            )


def huge_number(draw: Draw, data: Any) -> None:
    ints = [p for p in _paths(data) if type(_parent(data, p)[p[-1]]) is int]
    if ints:
        p = draw(st.sampled_from(ints))
        _parent(data, p)[p[-1]] = draw(st.sampled_from([10**9, 2**31, 2**63 + 1, 10**30, 10**4000]))


DATA_MUTATIONS: dict[str, Callable[[Draw, Any], None]] = {
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
"""Mutations of the loaded values, in place (the document is dumped again afterwards)."""


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _at_line(draw: Draw, text: str, change: Callable[[list[str], int], None]) -> str:
    lines = _lines(text)
    change(lines, draw(st.integers(0, len(lines) - 1)))
    return "\n".join(lines)


def _insert(draw: Draw, text: str, piece: str) -> str:
    i = draw(st.integers(0, len(text)))
    return text[:i] + piece + text[i:]


def _value_of_line(draw: Draw, text: str, value: str) -> str:
    """Replace the value after the first `: ` of a random line (or append a key) with `value`."""

    def change(lines: list[str], i: int) -> None:
        head, sep, _ = lines[i].partition(": ")
        lines[i] = f"{head}: {value}" if sep else f"{lines[i]}\nextra: {value}"

    return _at_line(draw, text, change)


TEXT_MUTATIONS: dict[str, Callable[[Draw, str], str]] = {
    "delete_line": lambda d, t: _at_line(d, t, lambda ls, i: ls.__delitem__(i)),
    "duplicate_line": lambda d, t: _at_line(d, t, lambda ls, i: ls.insert(i, ls[i])),
    "tab": lambda d, t: _at_line(d, t, lambda ls, i: ls.__setitem__(i, "\t" + ls[i].lstrip(" "))),
    "bracket": lambda d, t: _insert(d, t, d(st.sampled_from(list("[]{}'\"&*!|>%@`#,?:-")))),
    "python_tag": lambda d, t: _value_of_line(
        d, t, d(st.sampled_from(["!!python/object/apply:os.system ['true']", "!!python/name:os.system", "!custom 1", "!!binary aGk=", "!!int x", "!!float 1", "!!set {a}"]))
    ),
    "anchor": lambda d, t: _value_of_line(
        d, t, d(st.sampled_from(["&a 4", "*a", "&a [1, 2]", "*undefined", "&a {layer: Dense}"]))
    ),
    "aliases": lambda d, t: t + "\nlol1: &l1 [x, x, x, x, x, x, x, x, x]\nlol2: &l2 [*l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1]\nlol3: [*l2, *l2, *l2, *l2]\n",
    "merge_key": lambda d, t: _value_of_line(d, t, "{<<: {a: 1}, b: 2}"),
    "second_document": lambda d, t: d(st.sampled_from([t + "\n---\na: 1\n", "---\n" + t, t + "\n...\n", "%YAML 1.1\n---\n" + t])),
    "unicode": lambda d, t: _insert(d, t, d(st.text(min_size=1, max_size=4))),
    "long_number": lambda d, t: _value_of_line(d, t, "9" * 5000),
    "long_scalar": lambda d, t: _value_of_line(d, t, "a" * d(st.sampled_from([1000, 100_000, 5_000_000]))),
    "deep": lambda d, t: _value_of_line(d, t, "[" * 70 + "]" * 70),
    "crlf": lambda d, t: t.replace("\n", "\r\n"),
    "bom": lambda d, t: "\ufeff" + t,
    "control": lambda d, t: _insert(d, t, d(st.sampled_from(["\x00", "\x07", "\x1b", "\ufffe", "\u2028"]))),
    "truncate": lambda d, t: t[: d(st.integers(0, len(t)))],
}  # fmt: skip
"""Mutations of the YAML text."""


@dataclass
class Mutant:
    """A mutated spec: where it came from, what was done, and its bytes."""

    source: str
    steps: list[str]
    content: bytes


def sources(generated_only: bool = False) -> st.SearchStrategy[tuple[str, str]]:
    """A bundled small spec or a freshly generated valid one, as (name, text)."""
    generated = valid_specs(max_steps=4).map(lambda g: ("generated", g.text))
    if generated_only:
        return generated
    bundled = st.sampled_from([(p.name, p.read_text("utf-8")) for p in SMALL_SPECS])
    return st.one_of(bundled, generated)


@st.composite
def mutants(draw: Draw, generated_only: bool = False) -> Mutant:
    """Up to three data-level and text-level mutations of a valid spec."""
    name, text = draw(sources(generated_only))
    steps: list[str] = []
    data_steps = draw(st.lists(st.sampled_from(sorted(DATA_MUTATIONS)), max_size=3))
    if data_steps:
        data = load_text(text).data
        for m in data_steps:
            DATA_MUTATIONS[m](draw, data)
        steps += data_steps
        text = dump(data, draw(st.sampled_from([None, False, True])))
    text_steps = draw(
        st.lists(st.sampled_from(sorted(TEXT_MUTATIONS)), max_size=2 if data_steps else 3)
    )
    for m in text_steps:
        text = TEXT_MUTATIONS[m](draw, text)
    steps += text_steps
    content = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 30)) == 0:
        content = _insert(draw, content.decode("latin-1"), "\udcff").encode(
            "latin-1", "surrogateescape"
        )
        steps.append("invalid_utf8")
    return Mutant(name, steps, content)
