"""The importer's pieces: ids from Keras names, and constructor arguments reduced to those
that differ from the defaults (checked by rebuilding, never from a table)."""

from __future__ import annotations

from typing import Any

import keras
import pytest
from keras import layers

from graphspec.keras.importer.names import Ids, as_id
from graphspec.keras.importer.values import LayerArguments


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("conv1_bn", "conv1_bn"),
        ("dense-1", "dense_1"),
        ("block 1/conv", "block_1_conv"),
        ("2nd", "_2nd"),
        ("", "_"),
        ("null", "null_"),
        ("True", "True_"),
        ("é", "_"),
    ],
)
def test_as_id(name: str, expected: str) -> None:
    assert as_id(name) == expected


def test_ids_are_collision_free_and_deterministic() -> None:
    ids = Ids({"x"})
    assert [ids.claim(n) for n in ["a-b", "a_b", "a.b", "x", "a_b_2"]] == [
        "a_b",
        "a_b_2",
        "a_b_3",
        "x_2",
        "a_b_2_2",
    ]


CASES: list[tuple[Any, dict[str, Any]]] = [
    (layers.Dense(3), {"units": 3}),
    (
        layers.Conv2D(8, (3, 3), strides=(2, 2), padding="same"),
        {"filters": 8, "kernel_size": 3, "strides": 2, "padding": "same"},
    ),
    (layers.MaxPooling2D((3, 3), strides=(2, 2)), {"pool_size": 3, "strides": 2}),
    (layers.MaxPooling2D((3, 3)), {"pool_size": 3}),
    (layers.MaxPooling2D((2, 2), strides=(3, 3)), {"strides": 3}),
    (layers.ZeroPadding2D(((0, 1), (0, 1))), {"padding": [[0, 1], [0, 1]]}),
    (
        layers.BatchNormalization(epsilon=1.001e-5, trainable=False),
        {"epsilon": 1.001e-05, "trainable": False},
    ),
    (layers.Dense(2, dtype="float64"), {"units": 2, "dtype": "float64"}),
    (
        layers.Dense(2, kernel_initializer=keras.initializers.VarianceScaling(2.0, "fan_out")),
        {
            "units": 2,
            "kernel_initializer": {"name": "VarianceScaling", "scale": 2.0, "mode": "fan_out"},
        },
    ),
    (
        layers.Dense(2, bias_initializer=keras.initializers.Constant(0.0)),
        {"units": 2, "bias_initializer": {"name": "Constant", "value": 0.0}},
    ),
    (layers.Normalization(axis=-1, mean=[0.5], variance=[2.0]), {"mean": [0.5], "variance": [2.0]}),
    (layers.TimeDistributed(layers.Dense(4)), {"wraps": {"layer": "Dense", "units": 4}}),
]


@pytest.mark.parametrize(("layer", "expected"), CASES, ids=[type(c[0]).__name__ for c in CASES])
def test_arguments_that_differ_from_the_defaults(layer: Any, expected: dict[str, Any]) -> None:
    assert LayerArguments().of(layer) == expected
