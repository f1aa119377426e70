"""The specs in specs/architectures/ are the keras.applications models, layer for layer.

Each spec is built with ``graphspec.build`` and compared with its twin,
``keras.applications.<Name>(weights=None)`` with the default classifier top, by the oracle
of tests/oracle.py:

(a) the same structure: both functional graphs walked in one canonical, name-independent
    order (the names of layers expanded from blocks and ``repeat`` are the compiler's
    business), with the same layer classes and configs (names aside), the same edges --
    the same input order into every Add and Concatenate, the same output index taken --
    and the same inputs and outputs;
(b) the same total / trainable / non-trainable parameter counts (and the spec's own
    ``expect:`` figures agree with the twin);
(c) the same function: the twin's weights, randomised first (BatchNormalization moving
    statistics included, so that they are not the trivial 0/1), are copied onto the spec's
    model layer by layer in canonical order, and both models give the same predictions and
    the same features (the classifier's input) on a random batch.

Every model is built once per spec (a module-scoped, parametrised fixture: pytest runs all
tests of one spec, then frees it before building the next).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keras
import pytest
import yaml

import graphspec
from tests import oracle
from tests.conftest import ROOT

SPEC_DIR = ROOT / "specs" / "architectures"
SPECS = sorted(SPEC_DIR.glob("*.yaml"))

# spec file stem -> keras.applications constructor of its twin
TWINS = {
    "resnet50": "ResNet50",
    "inception_v3": "InceptionV3",
    "mobilenet_v2": "MobileNetV2",
    "densenet121": "DenseNet121",
    "vgg16": "VGG16",
    "xception": "Xception",
}

BATCH = 2

Pair = tuple[Path, Any, Any]


@pytest.fixture(scope="module", params=SPECS, ids=[p.stem for p in SPECS])
def pair(request: pytest.FixtureRequest) -> Iterator[Pair]:
    path = request.param
    assert path.stem in TWINS, f"add the keras.applications twin of {path.name} to TWINS"
    spec_model = graphspec.build(str(path))
    twin = getattr(keras.applications, TWINS[path.stem])(weights=None)
    yield path, spec_model, twin
    del spec_model, twin
    keras.backend.clear_session()
    gc.collect()


def test_every_spec_has_a_twin() -> None:
    assert SPECS, f"no specs in {SPEC_DIR}"
    assert sorted(TWINS) == sorted(p.stem for p in SPECS)


# (a) ---------------------------------------------------------------------------------
def test_same_structure(pair: Pair) -> None:
    """The graphs are isomorphic: the same layers, with the same constructor arguments,
    joined by the same edges, in the same input order into every merge layer."""
    path, spec_model, twin = pair
    found = oracle.structure_differences(spec_model, twin, names=False)
    oracle.assert_no_differences(found, f"{path.stem}: structure")


# (b) ---------------------------------------------------------------------------------
def test_same_parameter_counts(pair: Pair) -> None:
    path, spec_model, twin = pair
    oracle.assert_no_differences(
        oracle.param_differences(spec_model, twin), f"{path.stem}: parameters"
    )


def test_expect_section_matches_twin(pair: Pair) -> None:
    path, _, twin = pair
    expect = yaml.safe_load(path.read_text())["expect"]
    assert oracle.param_counts(twin) == (
        expect["params"],
        expect["trainable_params"],
        expect["non_trainable_params"],
    )
    (shape,) = expect["output_shapes"].values()
    assert tuple(shape) == tuple(twin.output.shape)


# (c) ---------------------------------------------------------------------------------
def test_same_function_with_copied_weights(pair: Pair) -> None:
    path, spec_model, twin = pair
    found = oracle.function_differences(spec_model, twin, batch=BATCH)
    oracle.assert_no_differences(found, f"{path.stem}: function")
