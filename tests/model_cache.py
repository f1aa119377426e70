"""A per-module cache of built models: each spec and each Keras reference is built once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import keras

import graphspec
from graphspec.keras import compat
from graphspec.keras.emit import Emitter


def weightless_build(source: Any) -> Any:
    """The spec's model as graphspec emits it, its variables declared but not allocated: the
    graph, configs, shapes and parameter counts without the memory (ConvNeXtXLarge: 1.4 GB)."""
    checked = graphspec.check(source)
    with compat.without_weights():
        return Emitter(checked.program, {}).model(checked.program.graph)


def structural_build(path: Path) -> Any:
    """`graphspec.build(path)`; for the imported keras.applications (specs/applications/), whose
    weights the structural tests never read, `weightless_build` (tests/keras/test_importer_*
    checks those specs' built models, with predictions, against keras.applications)."""
    if path.parent.name == "applications":
        return weightless_build(path)
    return graphspec.build(path)


class ModelCache:
    """`reference(name)` builds REFERENCES[name](); `graphspec(name)` builds spec_path(name)."""

    def __init__(
        self,
        references: Mapping[str, Callable[[], keras.Model]],
        spec_path: Callable[[str], Path],
    ) -> None:
        self._references = references
        self._spec_path = spec_path
        self.references: dict[str, keras.Model] = {}
        self.built: dict[str, keras.Model] = {}

    def reference(self, name: str) -> keras.Model:
        if name not in self.references:
            # as the tutorial runs it, in a fresh process: the layers it leaves unnamed are
            # named by Keras's counters from zero (else ref_mlp's second Dense may be
            # `dense_3`, the name it gives its third, when earlier tests counted two)
            with compat.fresh_names():
                self.references[name] = self._references[name]()
        return self.references[name]

    def graphspec(self, name: str) -> keras.Model:
        if name not in self.built:
            model = structural_build(self._spec_path(name))
            assert isinstance(model, keras.Model)
            self.built[name] = model
        return self.built[name]
