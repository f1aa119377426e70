"""Deterministic spec generators: the shapes the per-node cases measure, and the scaling cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

WIDTH = 8
"""Units of every generated Dense: small, so that shapes and parameter counts stay cheap."""

FAN = 32
"""Branches of each fan-out of the wide DAG (then one Add joins them)."""


def _head(name: str) -> list[str]:
    return [
        "graphspec: 1",
        f"name: {name}",
        "inputs:",
        f"  x: {{shape: [{WIDTH}]}}",
    ]


def _dense(nid: str, src: str, extra: str = "") -> str:
    return f"  {nid}: {{layer: Dense, units: {WIDTH}, activation: relu, inputs: {src}{extra}}}"


DEPTH = 400
"""The longest chain of calls a generated shape makes before it starts again from the input:
graphspec refuses a chain of more than `MAX_GRAPH_DEPTH` layers (1,500; Keras recurses once per
layer to build or load a model), so a long shape is several chains side by side, their ends
joined by one Add (the join counts as one of the n nodes)."""


def _joined(n: int, body: Callable[[int], tuple[list[str], list[str]]]) -> list[str]:
    """The node lines of `body(n)` (lines, chain ends); when it made more than one chain,
    `body(n - 1)` and one Add of the ends, so that the spec still has n nodes."""
    lines, ends = body(n)
    if len(ends) > 1:
        lines, ends = body(n - 1)
        lines.append(f"  join: {{layer: Add, inputs: [{', '.join(ends)}]}}")
        ends = ["join"]
    return [*lines, f"outputs: [{ends[0]}]", ""]


def _chain_body(n: int) -> tuple[list[str], list[str]]:
    lines, ends, src = [], [], "x"
    for i in range(n):
        if i and i % DEPTH == 0:
            ends.append(src)
            src = "x"
        lines.append(_dense(f"n{i}", src))
        src = f"n{i}"
    return lines, [*ends, src]


def chain(n: int) -> str:
    """n Dense layers, each reading the one before (chains of DEPTH, joined)."""
    return "\n".join([*_head(f"chain_{n}"), "nodes:", *_joined(n, _chain_body)])


def _wide_body(n: int) -> tuple[list[str], list[str]]:
    lines, ends = [_dense("h0", "x")], []
    hub, count, g = "h0", 1, 0
    while count + FAN + 1 <= n:
        g += 1
        if g % (DEPTH // 2) == 0:  # each fan-out and fan-in is two calls deep
            ends.append(hub)
            lines.append(_dense(f"h{g}_start", "x"))
            hub, count = f"h{g}_start", count + 1
            continue
        branches = [f"g{g}_b{j}" for j in range(FAN)]
        lines += [_dense(b, hub) for b in branches]
        hub = f"h{g}"
        lines.append(f"  {hub}: {{layer: Add, inputs: [{', '.join(branches)}]}}")
        count += FAN + 1
    while count < n:  # top up to exactly n with a short chain
        lines.append(_dense(f"t{count}", hub))
        hub, count = f"t{count}", count + 1
    return lines, [*ends, hub]


def wide(n: int) -> str:
    """Fan-out then fan-in: a hub, FAN branches reading it, one Add joining them (the next
    hub), again and again; n nodes in all (chains of DEPTH calls, joined)."""
    return "\n".join([*_head(f"wide_{n}"), "nodes:", *_joined(n, _wide_body)])


BLOCK = """blocks:
  unit:
    params:
      width:
      activation: relu
    inputs: [x]
    nodes:
      d1:  {layer: Dense, units: $width, activation: $activation, inputs: x}
      d2:  {layer: Dense, units: "${width}", inputs: d1}
      add: {layer: Add, inputs: [d2, x]}
      out: {layer: Activation, activation: $activation, inputs: add}
    outputs: [out]"""
"""A residual block of four nodes, with parameters substituted in three ways."""


def _block_uses(n: int, use: Callable[[str, str], list[str]]) -> tuple[list[str], list[str]]:
    """n // 4 uses of the four-node block (`use(prefix, src)` writes one), the rest Dense;
    chains of DEPTH calls."""
    lines, ends, src = [], [], "x"
    for i in range(n // 4):
        if i and i % (DEPTH // 4) == 0:
            ends.append(src)
            src = "x"
        lines += use(f"u{i}", src)
        src = lines[-1].split(":")[0].strip()
    for i in range(n % 4):
        lines.append(_dense(f"t{i}", src))
        src = f"t{i}"
    return lines, [*ends, src]


def _use(prefix: str, src: str) -> list[str]:
    return [f"  {prefix}: {{block: unit, width: {WIDTH}, inputs: {src}}}"]


def blocks(n: int) -> str:
    """A chain of uses of a four-node residual block (n nodes when flattened)."""
    body = _joined(n, lambda k: _block_uses(k, _use))
    return "\n".join([*_head(f"blocks_{n}"), *BLOCK.splitlines(), "nodes:", *body])


def _repeat_steps(
    n: int, step: Callable[[int, str], tuple[list[str], str]]
) -> tuple[list[str], list[str]]:
    """Steps of 8 nodes (`step(i, src)` writes one), the rest Dense; chains of DEPTH calls."""
    lines, ends, src, count, i = [], [], "x", 0, 0
    while count + 8 <= n:
        if i and i % (DEPTH // 8) == 0:
            ends.append(src)
            src = "x"
        more, src = step(i, src)
        lines += more
        count, i = count + 8, i + 1
    while count < n:
        lines.append(_dense(f"t{count}", src))
        src, count = f"t{count}", count + 1
    return lines, [*ends, src]


def _repeat_step(i: int, src: str) -> tuple[list[str], str]:
    return [
        _dense(f"r{i}", src, ", repeat: 4"),
        f"  u{i}: {{block: unit, width: {WIDTH}, repeat: 1, inputs: r{i}}}",
    ], f"u{i}"


def repeats(n: int) -> str:
    """A chain of `repeat: 4` Dense nodes and `repeat: 2` block uses (n nodes flattened)."""
    body = _joined(n, lambda k: _repeat_steps(k, _repeat_step))
    return "\n".join([*_head(f"repeats_{n}"), *BLOCK.splitlines(), "nodes:", *body])


def _unit(prefix: str, src: str) -> list[str]:
    """The four nodes one use of BLOCK's `unit` flattens to."""
    return [
        _dense(f"{prefix}d1", src),
        f"  {prefix}d2: {{layer: Dense, units: {WIDTH}, inputs: {prefix}d1}}",
        f"  {prefix}add: {{layer: Add, inputs: [{prefix}d2, {src}]}}",
        f"  {prefix}out: {{layer: Activation, activation: relu, inputs: {prefix}add}}",
    ]


def _unit_use(prefix: str, src: str) -> list[str]:
    return _unit(f"{prefix}_", src)


def blocks_expanded(n: int) -> str:
    """blocks(n) with every block use written out: the same n nodes, as plain nodes."""
    body = _joined(n, lambda k: _block_uses(k, _unit_use))
    return "\n".join([*_head(f"blocks_{n}"), "nodes:", *body])


def _expanded_step(i: int, src: str) -> tuple[list[str], str]:
    lines = []
    for k in range(1, 5):
        lines.append(_dense(f"r{i}_{k}", src))
        src = f"r{i}_{k}"
    return [*lines, *_unit(f"u{i}_1_", src)], f"u{i}_1_out"


def repeats_expanded(n: int) -> str:
    """repeats(n) with every copy written out: the same n nodes, as plain nodes."""
    body = _joined(n, lambda k: _repeat_steps(k, _expanded_step))
    return "\n".join([*_head(f"repeats_{n}"), "nodes:", *body])


EXPANDED: dict[str, Callable[[int], str]] = {
    "blocks": blocks_expanded,
    "repeats": repeats_expanded,
}
"""The shapes whose file is shorter than their nodes, written out node by node (what
`graphspec expand` prints): the parse a flattened node's validation is compared with."""


SHAPES: dict[str, Callable[[int], str]] = {
    "chain": chain,
    "wide": wide,
    "blocks": blocks,
    "repeats": repeats,
}
"""The per-node shapes, each a function of the flattened node count."""


# -- the 2,000-layer build case: one description, written as a spec and as Keras calls --------


@dataclass(frozen=True)
class Layer:
    """One layer of the generated model: id, Keras class, keyword arguments, inputs."""

    id: str
    cls: str
    kwargs: tuple[tuple[str, object], ...]
    inputs: tuple[str, ...]


def deep_model(n: int) -> list[Layer]:
    """n layers in residual units: Dense, LayerNormalization, Dense, Add (with the unit's
    input), Activation, Dropout; the last unit is cut short at n; towers of at most DEPTH
    layers from the input, their ends joined by one Add (the last of the n layers)."""
    unit = (
        ("Dense", (("units", 16), ("activation", "relu"))),
        ("LayerNormalization", (("epsilon", 1e-6),)),
        ("Dense", (("units", 16),)),
        ("Add", ()),
        ("Activation", (("activation", "gelu"),)),
        ("Dropout", (("rate", 0.1),)),
    )
    out: list[Layer] = []
    src = unit_in = "x"
    tower = DEPTH // len(unit) * len(unit)
    ends: list[str] = []
    for i in range(n - 1 if n > tower else n):
        if i and i % tower == 0:  # a new tower from the input (the depth cap)
            ends.append(src)
            src = "x"
        cls, kwargs = unit[i % len(unit)]
        if i % len(unit) == 0:
            unit_in = src
        inputs = (src, unit_in) if cls == "Add" else (src,)
        out.append(Layer(f"l{i}", cls, kwargs, inputs))
        src = f"l{i}"
    if ends:
        out.append(Layer("join", "Add", (), (*ends, src)))
    return out


def _flow(value: object) -> str:
    if isinstance(value, str):
        return value
    return repr(value)


def deep_spec(layers: list[Layer]) -> str:
    """The generated model as a spec."""
    lines = ["graphspec: 1", f"name: deep_{len(layers)}", "inputs:", "  x: {shape: [16]}", "nodes:"]
    for layer in layers:
        kw = "".join(f", {k}: {_flow(v)}" for k, v in layer.kwargs)
        src = layer.inputs[0] if len(layer.inputs) == 1 else f"[{', '.join(layer.inputs)}]"
        lines.append(f"  {layer.id}: {{layer: {layer.cls}{kw}, inputs: {src}}}")
    return "\n".join([*lines, f"outputs: [{layers[-1].id}]", ""])


# -- the trust issue's scaling cases (issue 9, item 3) and other suspects ----------------------


def duplicate_keys(n: int) -> str:
    """n duplicate keys inside one node: n diagnostics, each printed with its source line."""
    lines = [*_head("duplicate_keys"), "nodes:", "  d:", "    layer: Dense", "    units: 8"]
    lines += ["    inputs: x"] * (n + 1)
    return "\n".join([*lines, "outputs: [d]", ""])


def unknown_references(n: int) -> str:
    """n nodes each reading an id that does not exist (n did-you-mean searches over n ids)."""
    lines = [*_head("unknown_references"), "nodes:"]
    lines += [_dense(f"node_{i}", f"missing_{i}") for i in range(n)]
    return "\n".join([*lines, f"outputs: [{', '.join(f'node_{i}' for i in range(n))}]", ""])


def many_outputs(n: int) -> str:
    """n nodes, every one an output (the duplicate check on `outputs`)."""
    lines = [*_head("many_outputs"), "nodes:"]
    lines += [_dense(f"o{i}", "x") for i in range(n)]
    return "\n".join([*lines, "outputs:", *(f"  - o{i}" for i in range(n)), ""])


def include_part(n: int) -> str:
    """A part file of n verbose chain nodes (about 125 bytes each) to be included."""
    lines = [*_head("part"), "nodes:"]
    src = "x"
    for i in range(n):
        nid = f"layer_number_{i:06d}_of_the_included_part"
        lines.append(
            f"  {nid}: {{layer: Dense, units: {WIDTH}, activation: relu, "
            f"kernel_initializer: glorot_uniform, inputs: {src}}}"
        )
        src = nid
    return "\n".join([*lines, f"outputs: [{src}]", ""])


def include_top(times: int) -> str:
    """A spec that includes part.yaml `times` times as shared sub-models, one after another."""
    lines = [*_head("includes"), "shared:"]
    lines += [f"  part{k}: {{spec: part.yaml}}" for k in range(times)]
    lines.append("nodes:")
    src = "x"
    for k in range(times):
        lines.append(f"  p{k}: {{use: part{k}, inputs: {src}}}")
        src = f"p{k}"
    return "\n".join([*lines, f"outputs: [{src}]", ""])


def unused_nodes(n: int) -> str:
    """n nodes no output depends on: n warnings, each with its source line."""
    lines = [*_head("unused_nodes"), "nodes:", _dense("used", "x")]
    lines += [_dense(f"unused_{i}", "x") for i in range(n)]
    return "\n".join([*lines, "outputs: [used]", ""])


def invalid_fields(n: int) -> str:
    """n nodes each with one invalid field (a schema error per node, then lenient re-validation)."""
    lines = [*_head("invalid_fields"), "nodes:", _dense("ok", "x")]
    lines += [
        f"  bad_{i}: {{layer: Dense, units: {WIDTH}, repeat: many, inputs: x}}" for i in range(n)
    ]
    return "\n".join([*lines, "outputs: [ok]", ""])


def unknown_layers(n: int) -> str:
    """n nodes naming a misspelt layer (did-you-mean over the catalog, n times)."""
    lines = [*_head("unknown_layers"), "nodes:", _dense("ok", "x")]
    lines += [f"  bad_{i}: {{layer: Dens{i % 7}, units: {WIDTH}, inputs: ok}}" for i in range(n)]
    return "\n".join([*lines, "outputs: [ok]", ""])


def long_cycle(n: int) -> str:
    """One cycle through n nodes (the cycle's path is reported)."""
    lines = [*_head("long_cycle"), "nodes:"]
    lines += [_dense(f"c{i}", f"c{(i - 1) % n}") for i in range(n)]
    lines.append("  out: {layer: Add, inputs: [c0, x]}")
    return "\n".join([*lines, "outputs: [out]", ""])


def fan_in(n: int) -> str:
    """One Concatenate of n nodes that all read the input (a list of n references)."""
    lines = [*_head("fan_in"), "nodes:"]
    lines += [_dense(f"f{i}", "x") for i in range(n)]
    lines.append(
        f"  joined: {{layer: Concatenate, inputs: [{', '.join(f'f{i}' for i in range(n))}]}}"
    )
    return "\n".join([*lines, "outputs: [joined]", ""])


def nested_blocks(n: int) -> str:
    """n blocks, each using the one before (a chain of blocks n deep)."""
    lines = [*_head("nested_blocks"), "blocks:"]
    for k in range(n):
        inner = (
            f"{{layer: Dense, units: {WIDTH}, inputs: x}}"
            if k == 0
            else f"{{block: b{k - 1}, inputs: x}}"
        )
        lines += [f"  b{k}:", "    inputs: [x]", f"    nodes: {{y: {inner}}}", "    outputs: [y]"]
    lines += ["nodes:", f"  top: {{block: b{n - 1}, inputs: x}}"]
    return "\n".join([*lines, "outputs: [top]", ""])


def many_inputs(n: int) -> str:
    """n inputs joined by one Add."""
    lines = ["graphspec: 1", "name: many_inputs", "inputs:"]
    lines += [f"  i{k}: {{shape: [{WIDTH}]}}" for k in range(n)]
    lines += ["nodes:", f"  s: {{layer: Add, inputs: [{', '.join(f'i{k}' for k in range(n))}]}}"]
    return "\n".join([*lines, "outputs: [s]", ""])


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, "utf-8")
    return path
