"""A node's inputs taken without the look-up (resolve.references.known_input) are what the
look-up (inputs_value) gives, and it steps aside wherever the look-up has work to do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graphspec.ir import Origin, Ref
from graphspec.resolve.context import Options
from graphspec.resolve.references import inputs_value, known_input
from graphspec.resolve.resolver import Resolver
from graphspec.resolve.scope import Body, Broken, Fixed, Formal, Scope
from graphspec.resolve.unchecked import UNRESOLVED
from graphspec.syntax.document import Document

DOC = Document("<t>", "", None)
ORIGIN = Origin(DOC, ("nodes", "n"))


def _body() -> Body:
    body = Body(Scope({}, {}), DOC, ())
    body.locals.update(
        a=Fixed(Ref("a"), ORIGIN),
        b=Fixed([Ref("b", 0), Ref("b", 1)], ORIGIN, ["p", "q"]),
        bad=Broken(ORIGIN),
        f=Formal("a", body, ORIGIN, ("nodes", "n", "inputs")),  # computed when looked up
    )
    return body


@pytest.mark.parametrize(
    "raw",
    [
        "a",
        "b",
        "bad",
        ["a", "bad"],
        ["a", ["b", "a"]],
        "f",
        ["a", "f"],
        "a.0",
        "b.q",
        ["a", "a.0"],
        "missing",
        ["a", "missing"],
        "é",
        [],
        {"x": "a"},
        Ref("a"),
    ],
)
def test_known_input_is_the_look_up_or_steps_aside(raw: Any) -> None:
    resolver = Resolver(Options(), Path("."))
    found = known_input(raw, _body())
    looked_up = inputs_value(resolver, raw, _body(), ORIGIN, ("nodes", "n", "inputs"))
    assert found is None or found == looked_up
    simple = ["a", "b", "bad", ["a", "bad"], ["a", ["b", "a"]]]
    assert (found is not None) == (raw in simple)  # it steps aside for everything else
    if raw == "bad":
        assert found is UNRESOLVED
