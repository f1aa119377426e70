"""Stage 3, resolve: references, scopes, shared entries, blocks, includes (no TensorFlow)."""

from __future__ import annotations

from pathlib import Path

import pytest

import graphspec
from graphspec.diagnostics import SpecError
from graphspec.ir import LayerIR, Named, Ref, SubGraphIR, Use
from tests.conftest import Write

HEAD = "graphspec: 1\ninputs: {x: {shape: [8]}}\n"


def messages(e: pytest.ExceptionInfo[SpecError]) -> list[str]:
    return [f"{d.line}:{d.column}: {d.message}" for d in e.value.diagnostics]


def flat(path: Path) -> dict[str, object]:
    return {n.id: n for n in graphspec.check(path).program.graph.nodes}


def test_layer_repeat_and_block_names(write_spec: Write) -> None:
    path = write_spec(
        HEAD
        + """
blocks:
  inner:
    params: {units: }
    inputs: [a]
    nodes:
      d: {layer: Dense, units: $units, inputs: a}
    outputs: [d]
  outer:
    params: {units: 4}
    inputs: [a]
    nodes:
      u: {block: inner, units: "${units * 2}", inputs: a}
      v: {layer: ReLU, inputs: u}
    outputs: [v]
nodes:
  conv: {layer: Dense, units: 8, repeat: 2, inputs: x}
  stage: {block: outer, repeat: 2, inputs: conv}
  top: {block: outer, units: 1, inputs: stage}
outputs: [top]
"""
    )
    nodes = flat(path)
    assert list(nodes) == [
        "conv_1",
        "conv_2",
        "stage_1_u_d",
        "stage_1_v",
        "stage_2_u_d",
        "stage_2_v",
        "top_u_d",
        "top_v",
    ]
    units = {k: v.callable.kwargs.get("units") for k, v in nodes.items()}  # type: ignore[attr-defined]
    assert units["stage_1_u_d"] == 8 and units["top_u_d"] == 2
    assert nodes["stage_2_u_d"].inputs == Ref("stage_1_v")  # type: ignore[attr-defined]


def test_output_selection_by_index_and_name(write_spec: Write) -> None:
    path = write_spec("""
graphspec: 1
inputs: {seq: {shape: [null, 4]}}
shared:
  enc:
    graph:
      inputs: {s: {shape: [null, 4]}}
      nodes:
        lstm: {layer: LSTM, units: 3, return_state: true, inputs: s}
        h: {layer: Identity, inputs: lstm.1}
        c: {layer: Identity, inputs: lstm.2}
      outputs: [h, c]
nodes:
  states: {use: enc, inputs: seq}
  joined: {layer: Concatenate, inputs: [states.h, states.1]}
outputs: [joined]
""")
    checked = graphspec.check(path)
    joined = {n.id: n for n in checked.program.graph.nodes}["joined"]
    assert joined.inputs == [Ref("states", 0), Ref("states", 1)]
    inner = checked.program.shared["enc"]
    assert isinstance(inner, SubGraphIR) and inner.graph.output_names == ["h", "c"]


def test_block_with_several_inputs_and_outputs(write_spec: Write) -> None:
    path = write_spec(
        HEAD
        + """
blocks:
  split:
    inputs: [a, b]
    nodes:
      s: {layer: Add, inputs: [a, b]}
      d: {layer: Subtract, inputs: [a, b]}
    outputs: [s, d]
nodes:
  y: {layer: Dense, units: 8, inputs: x}
  pos: {block: split, inputs: [x, y]}
  byname: {block: split, inputs: {b: x, a: y}}
  both: {layer: Concatenate, inputs: [pos.s, pos.1, byname.d]}
  all: {layer: Concatenate, inputs: pos}
outputs: [both, all]
"""
    )
    nodes = flat(path)
    assert nodes["byname_s"].inputs == [Ref("y"), Ref("x")]  # type: ignore[attr-defined]
    assert nodes["both"].inputs == [Ref("pos_s"), Ref("pos_d"), Ref("byname_d")]  # type: ignore[attr-defined]
    assert nodes["all"].inputs == [Ref("pos_s"), Ref("pos_d")]  # type: ignore[attr-defined]


def test_scopes_outer_nodes_are_invisible_shared_are_visible(write_spec: Write) -> None:
    path = write_spec(
        HEAD
        + """
shared:
  dense: {layer: Dense, units: 8}
  sub:
    graph:
      inputs: {i: {shape: [8]}}
      nodes:
        a: {use: dense, inputs: i}
        b: {layer: ReLU, inputs: y}
      outputs: [b]
nodes:
  y: {use: dense, inputs: x}
  z: {use: sub, inputs: y}
outputs: [z]
"""
    )
    with pytest.raises(SpecError) as e:
        graphspec.check(path)
    assert messages(e) == [
        "11:34: b: unknown reference 'y': no such id among the graph's inputs and nodes"
    ]


def test_all_problems_are_reported_together(write_spec: Write) -> None:
    path = write_spec(
        HEAD
        + """
nodes:
  a: {layer: Dens, units: 3, inputs: x}
  b: {layer: Dense, unit: 3, inputs: a}
  c: {use: nothing, inputs: b}
  d: {layer: Dense, units: 3, inputs: missing}
  e: {layer: Dense, units: 3, activation: rellu, kernel_initializer: {class_name: X}, inputs: d}
outputs: [e]
"""
    )
    with pytest.raises(SpecError) as e:
        graphspec.check(path)
    assert messages(e) == [
        "5:14: a: unknown layer 'Dens'; did you mean 'Dense'?",
        "6:21: b: unknown keyword argument 'unit' for Dense; did you mean 'units'?",
        "7:12: c: unknown shared id 'nothing'",
        "8:39: d: unknown reference 'missing': no such id among the graph's inputs and nodes",
        "9:43: e: unknown activation 'rellu'; did you mean 'relu'?",
        "9:70: e: a mapping with 'class_name' is refused: Keras would deserialize it (write a "
        "layer as {layer: …}, an object as {name: …})",
    ]


def test_named_objects_resolve_to_keras_names(write_spec: Write) -> None:
    path = write_spec(
        HEAD
        + """
nodes:
  d: {layer: Dense, units: 3, kernel_initializer: {name: HeNormal, seed: 1}, kernel_regularizer: l2, inputs: x}
outputs: [d]
"""
    )
    layer = flat(path)["d"].callable  # type: ignore[attr-defined]
    assert isinstance(layer, LayerIR)
    assert layer.kwargs["kernel_initializer"] == Named("initializers", "HeNormal", (("seed", 1),))
    assert layer.kwargs["kernel_regularizer"] == Named("regularizers", "l2")


def test_refused_layers_and_file_arguments(write_spec: Write) -> None:
    path = write_spec("""
graphspec: 1
inputs: {x: {shape: [1], dtype: string}}
nodes:
  f: {layer: Lambda, inputs: x}
  s: {layer: StringLookup, vocabulary: /etc/passwd, inputs: x}
  t: {layer: TFSMLayer, inputs: x}
outputs: [s]
""")
    with pytest.raises(SpecError) as e:
        graphspec.check(path)
    text = "\n".join(messages(e))
    assert "f: layer 'Lambda' is refused: it runs arbitrary Python code" in text
    assert "s: StringLookup's 'vocabulary' given as a string would read the file" in text
    assert "t: layer 'TFSMLayer' is refused: it loads a saved model from disk" in text


def test_file_arguments_allowed_by_option(write_spec: Write) -> None:
    path = write_spec("""
graphspec: 1
inputs: {x: {shape: [1], dtype: string}}
nodes:
  s: {layer: StringLookup, vocabulary: vocab.txt, inputs: x}
outputs: [s]
""")
    checked = graphspec.check(path, allow_file_arguments=True)
    assert checked.program.graph.nodes[0].callable.kwargs["vocabulary"] == "vocab.txt"  # type: ignore[union-attr]


def test_custom_objects_admit_unknown_layers(write_spec: Write) -> None:
    path = write_spec(HEAD + "nodes:\n  m: {layer: MyLayer, scale: 2, inputs: x}\noutputs: [m]\n")
    with pytest.raises(SpecError, match="unknown layer 'MyLayer'"):
        graphspec.check(path)
    checked = graphspec.check(path, custom_objects={"MyLayer": object})
    assert checked.program.graph.nodes[0].callable.custom  # type: ignore[union-attr]


def test_use_node_calls_one_shared_entry(write_spec: Write) -> None:
    path = write_spec("""
graphspec: 1
inputs: {left: {shape: [null, 4]}, right: {shape: [null, 4]}}
shared:
  lstm: {layer: LSTM, units: 2}
nodes:
  l: {use: lstm, inputs: left}
  r: {use: lstm, inputs: right}
  m: {layer: Concatenate, inputs: [l, r]}
outputs: [m]
""")
    program = graphspec.check(path).program
    uses = [n.callable for n in program.graph.nodes if isinstance(n.callable, Use)]
    assert [u.key for u in uses] == ["lstm", "lstm"]
    assert list(program.shared) == ["lstm"]


def test_include_relative_loop_and_escape(write_spec: Write) -> None:
    write_spec(
        """
graphspec: 1
inputs: {i: {shape: [4]}}
nodes:
  d: {layer: Dense, units: 2, inputs: i}
  bad: {layer: Dense, units: 2, inputs: nowhere}
outputs: [d]
""",
        "towers/tower.yaml",
    )
    main = write_spec("""
graphspec: 1
inputs: {x: {shape: [4]}}
shared:
  tower: {spec: towers/tower.yaml}
  out: {spec: ../elsewhere.yaml}
  abs: {spec: /etc/hosts}
nodes:
  t: {use: tower, inputs: x}
outputs: [t]
""")
    with pytest.raises(SpecError) as e:
        graphspec.check(main)
    got = [d.format() for d in e.value.diagnostics]
    assert any(
        g.endswith(
            "towers/tower.yaml:5:41: error: bad: unknown reference 'nowhere': no "
            "such id among the graph's inputs and nodes (included from "
            f"{main}:4) [GS320]"
        )
        for g in got
    ), got
    assert any("'../elsewhere.yaml' leaves the spec's directory" in g for g in got)
    assert any("'/etc/hosts': absolute `spec:` paths are not allowed" in g for g in got)


def test_include_loop_names_the_chain(write_spec: Write) -> None:
    write_spec(
        """
graphspec: 1
inputs: {x: {shape: [4]}}
shared: {a: {spec: a.yaml}}
nodes: {n: {use: a, inputs: x}}
outputs: [n]
""",
        "b.yaml",
    )
    a = write_spec(
        """
graphspec: 1
inputs: {x: {shape: [4]}}
shared: {b: {spec: b.yaml}}
nodes: {n: {use: b, inputs: x}}
outputs: [n]
""",
        "a.yaml",
    )
    with pytest.raises(SpecError) as e:
        graphspec.check(a)
    loops = [d.message for d in e.value.diagnostics if "include each other in a loop" in d.message]
    assert loops == [
        f"a: spec files include each other in a loop: {a} → {a.parent / 'b.yaml'} → {a}"
    ]


def test_compile_losses(write_spec: Write) -> None:
    path = write_spec(
        HEAD
        + """
nodes:
  a: {layer: Dense, units: 1, inputs: x}
  b: {layer: Dense, units: 1, inputs: x}
outputs:
  a: {loss: mse, loss_weight: 0.5, metrics: [mae]}
  b: {loss: {name: Huber, delta: 2.0}}
compile: {optimizer: {name: adam, learning_rate: 0.01}, metrics: [mse]}
"""
    )
    settings = graphspec.check(path).program.compile
    assert settings is not None
    assert settings.loss == {
        "a": Named("losses", "mse"),
        "b": Named("losses", "Huber", (("delta", 2.0),)),
    }
    assert settings.loss_weights == {"a": 0.5}
    assert settings.metrics == {
        "a": [Named("metrics", "mse"), Named("metrics", "mae")],
        "b": [Named("metrics", "mse")],
    }
    assert settings.optimizer == Named("optimizers", "adam", (("learning_rate", 0.01),))


def test_loss_twice_and_loss_on_non_output(write_spec: Write) -> None:
    path = write_spec(
        HEAD
        + """
nodes:
  a: {layer: Dense, units: 1, inputs: x}
outputs:
  a: {loss: mse}
compile: {loss: mae, loss_weights: {z: 1.0}}
"""
    )
    with pytest.raises(SpecError) as e:
        graphspec.check(path)
    assert messages(e) == [
        "7:7: a: a loss is given both model-wide (compile.loss, line 8) and on output 'a'",
        "8:37: 'z' is not an output (outputs: a)",
    ]


def test_model_wide_loss_with_arguments_is_one_loss_not_a_per_output_mapping(
    write_spec: Write,
) -> None:
    path = write_spec("""
graphspec: 1
inputs: {x: {shape: [3]}}
nodes: {d: {layer: Dense, units: 1, inputs: x}}
outputs: [d]
compile: {optimizer: adam, loss: {name: Huber, delta: 2.0}}
""")
    compiled = graphspec.check(path).program.compile
    assert compiled is not None
    assert compiled.loss == Named("losses", "Huber", (("delta", 2.0),))
