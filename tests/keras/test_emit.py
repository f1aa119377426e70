"""Stage 5, emit: Keras semantics of the built model, errors Keras raises, the budget."""

from __future__ import annotations

import resource
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest

import graphspec
from graphspec.diagnostics import BuildError, SpecError
from graphspec.shapes import Inferred
from tests.conftest import Write


def test_shared_output_is_named_by_its_id_also_after_saving(
    write_spec: Write, tmp_path: Path
) -> None:
    path = write_spec("""
graphspec: 1
inputs: {left: {shape: [null, 4]}, right: {shape: [null, 4]}}
shared:
  lstm: {layer: LSTM, units: 2}
nodes:
  l: {use: lstm, inputs: left}
  r: {use: lstm, inputs: right}
outputs:
  l: {loss: mse}
  r: {loss: mse, loss_weight: 2}
""")
    model = graphspec.build(path)
    assert model.output_names == ["l", "r"]
    assert [t.name for t in model.inputs] == ["left", "right"]
    lstm = model.get_layer("lstm")
    assert len(lstm._inbound_nodes) == 2
    x = {"left": np.ones((4, 3, 4)), "right": np.zeros((4, 3, 4))}
    history = model.fit(x, {"l": np.ones((4, 2)), "r": np.ones((4, 2))}, epochs=1, verbose=0)
    assert {"loss", "l_loss", "r_loss"} <= set(history.history)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.output_names == ["l", "r"]


@pytest.fixture
def no_static_shapes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switch off the static shape stage, so that Keras itself meets the bad call."""
    monkeypatch.setattr(graphspec.api, "infer", lambda program: Inferred({}, []))


def test_keras_error_is_reported_on_the_node_with_input_shapes(
    write_spec: Write, no_static_shapes: None
) -> None:
    path = write_spec("""
graphspec: 1
inputs: {a: {shape: [4]}, b: {shape: [5]}}
nodes:
  sum: {layer: Add, inputs: [a, b]}
outputs: [sum]
""")
    with pytest.raises(BuildError) as e:
        graphspec.build(path)
    d = e.value.diagnostics[0]
    assert (d.line, d.column, d.id) == (4, 8, "sum")
    assert d.message.startswith(
        "sum: Keras refused the call with inputs [a (None, 4), b (None, 5)]: "
    )
    assert isinstance(e.value.__cause__, ValueError)


def test_keras_constructor_error_is_reported_on_the_node(write_spec: Write) -> None:
    path = write_spec("""
graphspec: 1
inputs: {a: {shape: [4]}}
nodes:
  d: {layer: Dense, units: -3, inputs: a}
outputs: [d]
""")
    with pytest.raises(BuildError, match="d: Keras refused to construct Dense: "):
        graphspec.build(path)


def test_budget_is_enforced_before_weights_are_allocated(write_spec: Write) -> None:
    """10^10 float32 parameters would need 40 GB: refused statically, and memory barely moves."""
    path = write_spec("""
graphspec: 1
inputs: {x: {shape: [100000]}}
nodes:
  huge: {layer: Dense, units: 100000, inputs: x}
outputs: [huge]
""")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(
        SpecError,
        match=r"huge: the model would have 10,000,100,000 parameters, over the "
        r"budget of 1,000,000,000",
    ):
        graphspec.build(path)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 1_000_000
    with pytest.raises(SpecError, match="over the budget of 10"):
        graphspec.build(path, max_params=10)


def test_budget_unknown_statically_is_enforced_at_build(write_spec: Write) -> None:
    """A partial application's count is unknown before building: build still refuses it."""
    path = write_spec("""
graphspec: 1
inputs: {x: {shape: [32, 32, 3]}}
shared:
  base: {application: VGG16, weights: null, include_top: false, outputs: [block1_conv2]}
nodes:
  features: {use: base, inputs: x}
outputs: [features]
""")
    assert graphspec.check(path).params.total is None
    with pytest.raises(BuildError, match="over the budget of 1,000") as caught:
        graphspec.build(path, max_params=1_000)
    assert caught.value.diagnostics[0].code == "GS607"


class Scale(keras.layers.Layer):
    def __init__(self, factor: float = 2.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x: Any) -> Any:
        return x * self.factor


def test_custom_objects_through_the_api(write_spec: Write) -> None:
    path = write_spec("""
graphspec: 1
inputs: {x: {shape: [3]}}
nodes:
  s: {layer: Scale, factor: 3.0, inputs: x}
outputs: [s]
""")
    model = graphspec.build(path, custom_objects={"Scale": Scale})
    assert np.allclose(model.predict(np.ones((1, 3)), verbose=0), 3.0)


def test_wrappers_cells_initializers_and_call_arguments(write_spec: Write) -> None:
    path = write_spec("""
graphspec: 1
inputs: {seq: {shape: [6, 8]}}
nodes:
  bi: {layer: Bidirectional, wraps: {layer: LSTM, units: 4, return_sequences: true}, inputs: seq}
  rnn: {layer: RNN, cell: {layer: GRUCell, units: 3}, return_sequences: true, inputs: seq}
  td: {layer: TimeDistributed, wraps: {layer: Dense, units: 2, kernel_initializer: {name: HeNormal, seed: 1}}, inputs: seq}
  att: {layer: MultiHeadAttention, num_heads: 2, key_dim: 4, inputs: {query: bi, value: seq}, call: {use_causal_mask: true}}
  enc: {layer: LSTM, units: 5, return_state: true, inputs: seq}
  dec: {layer: LSTM, units: 5, inputs: {sequences: att, initial_state: [enc.1, enc.2]}}
  joined: {layer: Concatenate, inputs: [dec, enc.0]}
outputs: [joined, rnn, td]
""")
    model = graphspec.build(path)
    assert model.output_names == ["joined", "rnn", "td"]
    assert type(model.get_layer("bi").forward_layer).__name__ == "LSTM"
    assert type(model.get_layer("rnn").cell).__name__ == "GRUCell"
    init = model.get_layer("td").layer.kernel_initializer
    assert type(init).__name__ == "HeNormal" and init.seed == 1
    out = model.predict(np.ones((2, 6, 8)), verbose=0)
    assert [o.shape for o in out] == [(2, 10), (2, 6, 3), (2, 6, 2)]


def test_out_of_range_output_index_is_a_node_error(
    write_spec: Write, no_static_shapes: None
) -> None:
    path = write_spec("""
graphspec: 1
inputs: {seq: {shape: [6, 8]}}
nodes:
  enc: {layer: LSTM, units: 5, return_state: true, inputs: seq}
  d: {layer: Dense, units: 1, inputs: enc.3}
outputs: [d]
""")
    with pytest.raises(BuildError, match=r"'enc\.3': 'enc' has 3 outputs, so there is no output 3"):
        graphspec.build(path)


def test_compiled_only_when_asked(write_spec: Write) -> None:
    plain = write_spec("""
graphspec: 1
inputs: {x: {shape: [3]}}
nodes: {d: {layer: Dense, units: 1, inputs: x}}
outputs: [d]
""")
    assert not graphspec.build(plain).compiled
    with_loss = write_spec(
        plain.read_text().replace("outputs: [d]", "outputs: {d: {loss: mse}}"), "loss.yaml"
    )
    model = graphspec.build(with_loss)
    assert type(model.optimizer).__name__ == "RMSprop"
