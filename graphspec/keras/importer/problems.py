"""What the importer reports: a located reason why a part of a model cannot be written."""

from __future__ import annotations

from graphspec.diagnostics import Code, Diagnostic, GraphSpecError


class NotExpressible(GraphSpecError):
    """The model uses what the spec language cannot express; every such part is listed."""


class Unwritable(Exception):
    """One part of one layer or call that cannot be written; the caller names the layer."""

    def __init__(self, message: str, code: Code, hint: str = "") -> None:
        super().__init__(message)
        self.code, self.hint = code, hint


def diagnostic(
    source: str, where: str, layer: str, problem: Unwritable, what: str = "layer"
) -> Diagnostic:
    """`SOURCE: error: layer 'WHERE LAYER': MESSAGE [GS8nn]`; `where` is the chain of
    sub-models (`tower > `); `what` says what is named (a layer, an input, the model)."""
    return Diagnostic(
        f"{what} '{where}{layer}': {problem}",
        source,
        code=problem.code,
        id=layer,
        hint=problem.hint,
    )
