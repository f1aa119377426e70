"""graphspec.keras.compat relies on a few Keras internals; a Keras upgrade that moves one fails
here, loudly and by name, instead of somewhere deep in a build."""

from __future__ import annotations

import keras

from graphspec.keras import compat


def test_what_compat_relies_on_is_where_it_expects() -> None:
    missing = compat.requirements()
    assert missing == [], (
        f"Keras {keras.__version__} moved what graphspec/keras/compat.py relies on: "
        + "; ".join(missing)
        + ". Update compat.py (and only it) for this Keras."
    )


def test_declared_only_declares_without_allocating_and_forgets_on_error() -> None:
    from keras.src.backend.common import global_state

    try:
        with compat.declared_only():
            x = keras.Input((3,))
            keras.layers.Dense(2)(x)
            assert global_state.get_global_attribute("uninitialized_variables")
            raise RuntimeError("refused")
    except RuntimeError:
        pass
    assert not global_state.get_global_attribute("uninitialized_variables")


def test_producer_name_names_the_layer_of_a_symbolic_tensor() -> None:
    x = keras.Input((3,), name="inp")
    y = keras.layers.Dense(2, name="dense_probe")(x)
    assert compat.producer_name(y) == "dense_probe"
    assert compat.producer_name(x) == "inp"
    assert compat.producer_name(object()) is None
