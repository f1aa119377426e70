"""For every bundled spec, import(build(spec)) builds the same model again (flat and with
blocks), compile settings included. specs/applications/ is left out here: those specs are
imports of keras.applications, checked against them in test_importer_applications.py."""

from __future__ import annotations

from pathlib import Path

import pytest

import graphspec
from tests.conftest import ALL_SPECS, SPECS, Write
from tests.keras.test_importer import compile_summary
from tests.keras.test_importer_applications import differences, weightless_build
from tests.oracle import assert_same_model

BUNDLED = [p for p in ALL_SPECS if p.parent.name != "applications"]
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
