"""The kinds of nodes and shared entries, and the checks of the keys only some kinds take."""

from __future__ import annotations

from typing import Any

from graphspec.diagnostics import Problem, codes

NODE_KINDS = ("layer", "use", "block", "op")
"""A node has exactly one of these."""
SHARED_KINDS = ("layer", "application", "spec", "graph", "sequential")
"""A shared entry has exactly one of these."""


def op_references(value: Any) -> list[str]:
    """The references of an op's inputs (its tensor arguments in order): one reference, or a
    list whose items are references or lists of references (one list argument each)."""
    if isinstance(value, dict):
        raise Problem(
            "an op node's inputs are its tensor arguments in order: one reference or a "
            "list; give constant keyword arguments as keys of the node",
            code=codes.MALFORMED_OP_INPUTS,
        )
    refs: list[Any] = []
    for item in value if isinstance(value, list) else [value]:
        refs += item if isinstance(item, list) else [item]
    if any(isinstance(r, dict | list) for r in refs):
        raise Problem(
            "an op node's inputs are one reference or a list, each item a reference "
            "or a list of references (one list argument, as `[[a, b]]`)",
            code=codes.MALFORMED_OP_INPUTS,
        )
    return refs


def check_op_node(given: set[str]) -> None:
    """An op node is one call of a function: no `repeat`, no call keywords."""
    bad = [k for k in ("repeat", "call") if k in given]
    if bad:
        raise Problem(
            f"an `op:` node takes no {' or '.join(repr(b) for b in bad)}: it is one call of "
            "its function, with its keyword arguments as keys of the node",
            code=codes.KEY_NOT_TAKEN_HERE,
        )


def check_trainable(value: Any) -> Any:
    """`trainable:` of a shared entry: true or false (a string is YAML 1.2's yes/no)."""
    if isinstance(value, str):
        raise Problem(
            f"'trainable' takes true or false, not the string '{value}' (YAML 1.2 reads "
            "yes/no/on/off as strings)",
            code=codes.BOOLEAN_AS_STRING,
        )
    return value


def check_application_outputs(kind: str, outputs: list[str] | None) -> None:
    """`outputs:` picks inner layers of an application: only there, each name once."""
    if outputs is None:
        return
    if kind != "application":
        raise Problem(
            f"a `{kind}:` entry takes no 'outputs': `outputs:` picks inner layers of an "
            "`application:`",
            code=codes.KEY_NOT_TAKEN_HERE,
        )
    twice = sorted({repr(o) for o in outputs if outputs.count(o) > 1})
    if twice:
        raise Problem(
            f"output{'s' if len(twice) > 1 else ''} {', '.join(twice)} listed more than once",
            code=codes.OUTPUT_LISTED_TWICE,
        )
