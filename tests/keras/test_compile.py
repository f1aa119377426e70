"""Optimizers, losses and metrics made from the spec at build: refused where written when Keras
cannot make or use them, and built as written otherwise (no false refusal)."""

from __future__ import annotations

import numpy as np
import pytest

import graphspec
from graphspec.diagnostics import BuildError
from tests.conftest import Write

HEAD = "graphspec: 1\ninputs: {x: {shape: [4]}}\nnodes:\n  d: {layer: Dense, units: 3, inputs: x}\n"


@pytest.mark.parametrize(
    "outputs",
    [
        "{d: {loss: {name: Huber, delta: 2.0}, metrics: [{name: AUC, num_thresholds: 50}]}}",
        "{d: {loss: {name: SparseCategoricalCrossentropy, from_logits: true}, metrics: [{name: SparseTopKCategoricalAccuracy, k: 2}]}}",
        "{d: {loss: {name: CategoricalFocalCrossentropy, gamma: 3}, metrics: [{name: MeanIoU, num_classes: 3}]}}",
    ],
    ids=["huber", "sparse", "focal"],
)
def test_objects_with_arguments_build_and_train(outputs: str, write_spec: Write) -> None:
    """The trial on zeros shaped like the output never refuses what trains (sparse labels)."""
    model = graphspec.build(
        write_spec(
            HEAD + f"outputs: {outputs}\ncompile: {{optimizer: {{name: adam, beta_1: 0.8}}}}\n"
        )
    )
    assert model.optimizer.beta_1 == 0.8
    y = np.zeros((4, 1 if "Sparse" in outputs else 3))
    history = model.fit(np.ones((4, 4)), y, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_what_would_break_at_the_first_step_is_refused_at_its_line(write_spec: Write) -> None:
    spec = write_spec(
        HEAD
        + "outputs:\n  d: {loss: {name: LossFunctionWrapper, fn: mse}, metrics: [{name: Metric}, mse]}\n"
        "compile: {optimizer: {name: sgd, momentum: 2.0}}\n"
    )
    with pytest.raises(BuildError) as e:
        graphspec.build(spec)
    assert [(d.line, d.code) for d in e.value.diagnostics] == [
        (6, "GS609"),
        (6, "GS609"),
        (7, "GS609"),
    ]
    assert "'str' object is not callable" in e.value.diagnostics[0].message


def test_a_setting_keras_would_drop_is_refused(write_spec: Write) -> None:
    """Keras warns and disables jit_compile when run_eagerly is set: not the spec's model."""
    spec = write_spec(
        HEAD + "outputs: [d]\ncompile: {loss: mse, run_eagerly: true, jit_compile: true}\n"
    )
    with pytest.raises(BuildError, match="jit_compile") as e:
        graphspec.build(spec)
    assert [d.code for d in e.value.diagnostics] == ["GS606"]
