"""One spec as a pytest item: validate, build, verify `expect:`; a failure is a clean text."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from graphspec.pytest_plugin.report import Sources, expect_failure, spec_failure

if TYPE_CHECKING:
    from graphspec.api import Checked


class GraphSpecWarning(UserWarning):
    """A spec's warning (a node no output depends on, …), in pytest's warnings summary; under
    `-W error::graphspec.pytest_plugin.GraphSpecWarning` it fails the item."""


class SpecFailure(Exception):
    """An item failed: the report, already written for the reader."""


class SpecItem(pytest.Item):
    """A spec file with an `expect:` block: it passes when the spec is valid, builds, and the
    built model has every fact the block states."""

    def runtest(self) -> None:
        from graphspec.diagnostics import GraphSpecError
        from graphspec.files import display_path

        sources = Sources()
        name = display_path(self.path)
        layers = self._layers()
        try:
            checked = _check(self.path, layers)
        except GraphSpecError as e:
            raise SpecFailure(spec_failure(name, "is invalid", e, sources)) from None
        for d in checked.warnings:
            if d.severity == "warning":
                message = GraphSpecWarning(d.format())  # pytest shows the line
                warnings.warn_explicit(message, GraphSpecWarning, d.file, d.line or 1)
        try:
            model = _build(checked, layers)
        except GraphSpecError as e:
            raise SpecFailure(spec_failure(name, "does not build", e, sources)) from None
        failure = expect_failure(checked.spec, model, sources)
        if failure:
            raise SpecFailure(failure)

    def _layers(self) -> dict[str, Any]:
        """The layer classes of the `graphspec_plugins` modules."""
        modules = self.config.getini("graphspec_plugins")
        if not modules:
            return {}
        from graphspec.keras.plugins import PluginError, load_plugins

        try:
            return load_plugins(modules)
        except PluginError as e:
            raise SpecFailure(f"graphspec_plugins: {e}") from None

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        """The report alone, without a Python traceback, for what the spec got wrong."""
        if isinstance(excinfo.value, SpecFailure | GraphSpecWarning):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """The failure's title; not the bare nodeid, which pytest's -v would print dotted."""
        return self.path, None, f"graphspec {self.nodeid}"


def _check(path: Path, layers: dict[str, Any]) -> Checked:
    from graphspec.api import check

    return check(path, custom_objects=layers)


def _build(checked: Checked, layers: dict[str, Any]) -> Any:
    from graphspec.caps import DEFAULT_MAX_PARAMS
    from graphspec.keras.emit import emit

    return emit(checked.program, layers, DEFAULT_MAX_PARAMS)
