"""Every bundled spec builds, meets its `expect:` facts, and expands to a spec of the same model."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import graphspec
from graphspec.keras.expect import verify
from graphspec.views.expand import expanded
from graphspec.views.spec_yaml import to_yaml
from tests.conftest import ALL_SPECS, ROOT
from tests.model_cache import weightless_build

EXPAND_DATA = sorted((ROOT / "tests" / "data" / "expand").glob("*.yaml"))


def _layers(model: Any) -> Counter[tuple[str, str, tuple[tuple[int, ...], ...]]]:
    return Counter(
        (layer.name, type(layer).__name__, tuple(tuple(w.shape) for w in layer.weights))
        for layer in model.layers
    )


@pytest.mark.parametrize("path", ALL_SPECS, ids=[str(p.relative_to(ROOT)) for p in ALL_SPECS])
def test_spec_builds_meets_expect_and_expands_to_the_same_model(path: Path, tmp_path: Path) -> None:
    checked = graphspec.check(path)
    assert checked.spec.expect is not None, "every bundled spec states its expected facts"
    # the imported applications' weights are never read here: declared, not allocated
    build = weightless_build if path.parent.name == "applications" else graphspec.build
    model = build(checked.spec)
    assert checked.spec.document is not None
    assert verify(checked.spec, checked.spec.document, model) == []

    again = tmp_path / path.name
    again.write_text(to_yaml(expanded(checked.spec, checked.program)), "utf-8")
    twin = build(again)
    assert twin.count_params() == model.count_params()
    assert twin.output_names == model.output_names
    assert [t.name for t in twin.inputs] == [t.name for t in model.inputs]
    assert _layers(twin) == _layers(model)
    assert "block:" not in again.read_text() and "repeat:" not in again.read_text()


@pytest.mark.parametrize("path", EXPAND_DATA, ids=[p.name for p in EXPAND_DATA])
def test_expand_output_is_as_expected(path: Path) -> None:
    """Golden files: what `graphspec expand` prints, names of expanded layers included."""
    checked = graphspec.check(path)
    text = to_yaml(expanded(checked.spec, checked.program))
    assert text == path.with_suffix(".expected").read_text("utf-8")
