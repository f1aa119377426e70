"""`expect:` — compare the built model with the facts the spec states about it."""

from __future__ import annotations

from typing import Any

from graphspec.diagnostics import Diagnostic, ExpectError, codes
from graphspec.keras.budget import count
from graphspec.syntax.document import Document
from graphspec.syntax.schema import Spec


def _shape(shape: list[int | None]) -> str:
    return "[" + ", ".join("null" if d is None else str(d) for d in shape) + "]"


def measured(model: Any) -> dict[str, Any]:
    """The facts `expect:` can state, measured on a built model."""
    shapes = [tuple(t.shape) for t in model.outputs]
    return {
        "params": count(model.weights),
        "trainable_params": count(model.trainable_weights),
        "non_trainable_params": count(model.non_trainable_weights),
        "output_shapes": {n: list(s) for n, s in zip(model.output_names, shapes, strict=True)},
    }


def verify(spec: Spec, doc: Document, model: Any) -> list[Diagnostic]:
    """One diagnostic per stated fact the model breaks, at the line that states it."""
    if spec.expect is None:
        return []
    facts = measured(model)
    out = []
    for key in ("params", "trainable_params", "non_trainable_params"):
        want = getattr(spec.expect, key)
        if want is not None and want != facts[key]:
            out.append(
                doc.diagnostic(
                    ("expect", key),
                    f"expected {key} {want:,}, the model has {facts[key]:,}",
                    code=codes.EXPECTED_PARAMS,
                )
            )
    for oid, shape in spec.expect.output_shapes.items():
        got = facts["output_shapes"].get(oid)
        where = ("expect", "output_shapes", oid)
        if got is None:
            out.append(
                doc.diagnostic(
                    where,
                    f"'{oid}' is not an output of the model (outputs: "
                    f"{', '.join(facts['output_shapes'])})",
                    key=True,
                    id=oid,
                    code=codes.EXPECTED_NOT_AN_OUTPUT,
                )
            )
        elif list(shape) != got:
            out.append(
                doc.diagnostic(
                    where,
                    f"{oid}: expected output shape {_shape(shape)}, the model gives {_shape(got)}",
                    id=oid,
                    code=codes.EXPECTED_OUTPUT_SHAPE,
                )
            )
    return out


def check_expect(spec: Spec, doc: Document, model: Any) -> None:
    """ExpectError listing every stated fact the model breaks."""
    problems = verify(spec, doc, model)
    if problems:
        raise ExpectError(problems)
