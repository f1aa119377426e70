"""For every bundled spec, import(build(spec)) builds the same model again (flat and with
blocks), compile settings included. specs/applications/ is left out here: those specs are
imports of keras.applications, checked against them in test_importer_applications.py; the
examples that use what the importer writes only in its next phase are refused by code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import graphspec
from graphspec.diagnostics import GraphSpecError
from tests.conftest import ALL_SPECS, SPECS
from tests.keras.test_importer import compile_summary
from tests.keras.test_importer_applications import differences, weightless_build
from tests.oracle import assert_same_model

Write = Callable[..., Path]
PENDING = {
    "convnext_block": {"GS801", "GS803", "GS804"},  # LayerScale, StochasticDepth; `+`; Sequential
    "siamese_distance": {"GS803"},  # ops.norm
    "segmentation_unet": {"GS804"},  # a frozen sub-model; Sequential up-sampling stacks
}
"""Specs with what the importer writes only in its next phase (`op:` nodes, `sequential:`
entries, LayerScale & co., `trainable: false` on sub-models): refused, by these codes."""
BUNDLED = [p for p in ALL_SPECS if p.parent.name != "applications" and p.stem not in PENDING]
LONG = {"multi_output": 512}
"""Sequence lengths for the predictions, where 8 is too short for the model's pooling."""
LARGE = {"architectures"}
"""Large models (224 x 224 ImageNet architectures): compared without weights, by structure."""


@pytest.mark.parametrize("path", BUNDLED, ids=[str(p.relative_to(SPECS)) for p in BUNDLED])
def test_import_of_a_built_spec_builds_the_same_model(path: Path, write_spec: Write) -> None:
    if path.parent.name in LARGE:
        model = weightless_build(path)
        for blocks in (False, True):
            text = graphspec.from_keras(model, blocks=blocks)
            assert differences(weightless_build(write_spec(text)), model) == [], blocks
        return
    model = graphspec.build(path)
    for blocks in (False, True):
        rebuilt = graphspec.build(write_spec(graphspec.from_keras(model, blocks=blocks)))
        if getattr(model, "compiled", False):
            assert compile_summary(rebuilt) == compile_summary(model)
        assert_same_model(rebuilt, model, free_dim=LONG.get(path.stem, 8))


@pytest.mark.parametrize("name", sorted(PENDING))
def test_what_the_importer_writes_later_is_refused_by_its_codes(name: str) -> None:
    path = SPECS / "examples" / f"{name}.yaml"
    with pytest.raises(GraphSpecError) as e:
        graphspec.from_keras(weightless_build(path))
    assert {d.code for d in e.value.diagnostics} == PENDING[name]
