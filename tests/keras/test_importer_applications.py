"""The round trip on keras.applications: for each of the 40 (weights=None, the smallest input
each allows), build(import(model)) is the model, under the oracle; specs/applications/ holds
the imports (`graphspec import --blocks --expect`) and stays current.

CI time: the graph and configs need no weights, so the structural checks (every application,
flat and --blocks) build both sides without allocating any (`compat.without_weights`); the
function check (weights copied, BatchNormalization statistics randomised, predictions
compared) builds both for real: a representative third in the suite, all of them with
GRAPHSPEC_ALL_PREDICTIONS=1 (docs/import.md)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import keras
import pytest

import graphspec
from graphspec.catalog import registry
from graphspec.keras import compat
from graphspec.keras.importer.sources import application
from tests.conftest import SPECS
from tests.model_cache import weightless_build
from tests.oracle import function_differences, param_differences, structure_differences

APPLICATIONS = sorted(registry.data()["applications"])
SMALLEST = {"InceptionV3": 75, "InceptionResNetV2": 75, "Xception": 71}
"""The smallest input size of each application (32 for the others)."""
PREDICTED = {
    "ConvNeXtTiny",
    "DenseNet121",
    "EfficientNetB0",
    "EfficientNetV2B0",
    "InceptionResNetV2",
    "InceptionV3",
    "MobileNet",
    "MobileNetV2",
    "MobileNetV3Small",
    "NASNetMobile",
    "ResNet50",
    "ResNet50V2",
    "VGG16",
    "Xception",
}
"""One of each family (14 of the 40): the function check in every run (all 40:
GRAPHSPEC_ALL_PREDICTIONS=1)."""
ALL_PREDICTIONS = os.environ.get("GRAPHSPEC_ALL_PREDICTIONS") == "1"


def size(name: str) -> int:
    return SMALLEST.get(name, 32)


def spec_file(name: str) -> Path:
    return SPECS / "applications" / f"{name.lower()}.yaml"


def regenerate(name: str) -> str:
    s = size(name)
    return (
        f"graphspec import --application {name} --input-shape {s},{s},3 --blocks --expect "
        f"-o {spec_file(name).relative_to(SPECS.parent)}"
    )


def differences(actual: Any, expected: Any) -> list[str]:
    return structure_differences(actual, expected) + param_differences(actual, expected)


@pytest.mark.parametrize("name", APPLICATIONS)
def test_import_is_current_and_builds_the_application(name: str, write_spec: Any) -> None:
    model = application(name, (size(name), size(name), 3))
    folded = graphspec.from_keras(model, blocks=True, expect=True)
    assert folded == spec_file(name).read_text("utf-8"), f"stale: run {regenerate(name)}"
    flat = graphspec.from_keras(model)
    assert differences(weightless_build(write_spec(flat)), model) == [], "flat import"
    assert differences(weightless_build(spec_file(name)), model) == [], "--blocks import"


@pytest.mark.parametrize("name", [a for a in APPLICATIONS if ALL_PREDICTIONS or a in PREDICTED])
def test_imported_application_predicts_as_the_application(name: str) -> None:
    with compat.fresh_names():
        model = getattr(keras.applications, name)(
            weights=None, input_shape=(size(name), size(name), 3)
        )
    built = graphspec.build(spec_file(name))
    assert function_differences(built, model) == []


def test_every_application_has_a_spec() -> None:
    files = sorted(p.name for p in (SPECS / "applications").glob("*.yaml"))
    assert files == sorted(spec_file(a).name for a in APPLICATIONS)
    assert len(APPLICATIONS) == 40


def _known(shape: Any) -> bool:
    if isinstance(shape, list):
        return all(_known(s) for s in shape)
    return shape is not None and all(d is not None for d in shape[1:])


@pytest.mark.parametrize("name", APPLICATIONS)
def test_application_spec_validates_with_static_shapes_fully_known(name: str) -> None:
    checked = graphspec.check(spec_file(name))
    unknown = [k for k, shape in checked.shapes.items() if not _known(shape)]
    assert unknown == []
    assert checked.warnings == []


def test_the_feature_table_in_the_docs_gives_each_status() -> None:
    text = (SPECS.parent / "docs" / "import.md").read_text("utf-8")
    rows = text[text.index("| application | status |") :].split("\n\n")[0].splitlines()[2:]
    status = {
        name.strip(): row.split("|")[2].strip()
        for row in rows
        for name in row.split("|")[1].split(",")
    }
    assert sorted(status) == APPLICATIONS
    assert {a for a, s in status.items() if s == "round trip exact"} == set(APPLICATIONS)
