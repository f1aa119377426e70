"""Atomic saving: a model reaches its .keras file whole, or the file is left as it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphspec.files import write_atomically


class SaveError(Exception):
    """Keras could not serialize the model (the target file is untouched)."""


def keras_target(target: str | Path) -> Path:
    """`target` as a path; ValueError unless it ends in .keras (all Keras saves whole models to)."""
    path = Path(target)
    if path.suffix != ".keras":
        raise ValueError(f"{path}: Keras saves whole models to files ending in .keras")
    return path


def build_optimizer(model: Any) -> None:
    """Create the optimizer's variables (its slots, zero) before saving. Loading a compiled
    model builds its optimizer (`Model.compile_from_config`) and then loads the saved
    optimizer variables into it; saved unbuilt (only `iterations` and `learning_rate`), their
    count differs and Keras warns "Skipping variable loading for optimizer" and loads none."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and not optimizer.built and getattr(model, "built", False):
        optimizer.build(model.trainable_variables)


def save_model(model: Any, target: str | Path) -> Path:
    """Save `model` to `target` (a .keras file) atomically and return the path.

    OSError (the directory cannot be written, the disk is full…) propagates as is; anything
    Keras raises while serializing becomes SaveError. Either way the target is unchanged."""
    target = keras_target(target)
    build_optimizer(model)

    from graphspec.keras.compat import no_tensorflow_probe

    def write(temporary: Path) -> None:
        try:
            with no_tensorflow_probe():
                model.save(temporary)
        except OSError:
            raise
        except Exception as e:
            raise SaveError(f"Keras could not save the model: {e}") from e

    return write_atomically(target, write)
