"""Block parameters: `$name`, `${expression}`, `$$`, and the safe evaluator."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphspec.diagnostics import Problem
from graphspec.syntax.template import evaluate, substitute, substitute_string

PARAMS = {"filters": 64, "rate": 0.5, "act": "relu", "n": 3, "flag": True, "shape": [1, 2]}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("$filters", 64),
        ("$act", "relu"),
        ("$flag", True),
        ("$shape", [1, 2]),
        ("${filters * 2}", 128),
        ("${filters / 2}", 32.0),
        ("${filters // 3}", 21),
        ("${filters % 5}", 4),
        ("${-n}", -3),
        ("${(n + 1) * 2}", 8),
        ("${rate * 4}", 2.0),
        ("${2 ** 3}" if False else "${n - -1}", 4),
        ("conv_${n}", "conv_3"),
        ("${n}x${n}", "3x3"),
        ("$$5", "$5"),
        ("cost: $$${n}", "cost: $3"),
        ("plain", "plain"),
        ("${1.5e1}", 15.0),
    ],
)
def test_substitution_keeps_types(text: str, value: Any) -> None:
    result = substitute_string(text, PARAMS)
    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${x + 1}", "unknown name 'x' in an expression"),
        ("${abs(n)}", "calls are not allowed"),
        ("${n.real}", "attributes are not allowed"),
        ("${n[0]}", "indexing are not allowed"),
        ("${n / 0}", "division by zero"),
        ("${act + 1}", "parameter 'act' is 'relu', not a number"),
        ("${flag + 1}", "parameter 'flag' is True, not a number"),
        ("${}", "empty expression"),
        ("${(n}", "ends too early"),
        ("${n n}", "unexpected 'n'"),
        ("$filtrs", "unknown parameter '$filtrs'; did you mean 'filters'?"),
        ("conv_$n", "'$n' inside a longer string is not substituted: write '${n}'"),
        ("50$", "a lone '$'"),
        ("${__import__('os')}", "strings are not allowed"),
        ("${__import__()}", "calls are not allowed"),
        ("${n ** 2}", "unexpected '*'"),
    ],
)
def test_bad_expressions_are_problems(text: str, message: str) -> None:
    with pytest.raises(
        Problem,
        match=message.replace("(", r"\(")
        .replace("[", r"\[")
        .replace("$", r"\$")
        .replace("?", r"\?")
        .replace("*", r"\*"),
    ):
        substitute_string(text, PARAMS)


def test_substitute_walks_values_never_keys() -> None:
    problems: list[tuple[Any, str]] = []
    out = substitute(
        {"$filters": "$filters", "list": ["${n}", {"k": "$act"}], "x": "$nope"},
        PARAMS,
        lambda path, e: problems.append((path, str(e))),
    )
    assert out == {"$filters": 64, "list": [3, {"k": "relu"}], "x": "$nope"}
    assert problems == [(("x",), "unknown parameter '$nope'")]


# An oracle for the evaluator: random expression trees, rendered to text and computed here.
_leaf = st.one_of(
    st.integers(0, 50).map(lambda i: (str(i), i)), st.sampled_from([("filters", 64), ("n", 3)])
)


def _combine(children: Any) -> Any:
    def node(a: tuple[str, Any], op: str, b: tuple[str, Any]) -> tuple[str, Any] | None:
        if op in ("/", "//", "%") and b[1] == 0:
            return None
        ops = {
            "+": lambda x, y: x + y,
            "-": lambda x, y: x - y,
            "*": lambda x, y: x * y,
            "/": lambda x, y: x / y,
            "//": lambda x, y: x // y,
            "%": lambda x, y: x % y,
        }
        return (f"({a[0]} {op} {b[0]})", ops[op](a[1], b[1]))

    binary = st.builds(node, children, st.sampled_from(["+", "-", "*", "/", "//", "%"]), children)
    unary = children.map(lambda c: (f"-({c[0]})", -c[1]))
    return st.one_of(binary.filter(lambda x: x is not None), unary)


@settings(max_examples=300, deadline=None)
@given(st.recursive(_leaf, _combine, max_leaves=12))
def test_evaluator_matches_arithmetic(expr: tuple[str, Any]) -> None:
    text, value = expr
    result = evaluate(text, PARAMS)
    assert result == pytest.approx(value) or (result != result and value != value)


def test_leading_zeros_do_not_make_a_number_out_of_range() -> None:
    assert evaluate("0000000000000000000000007 + 1", {}) == 8
    with pytest.raises(Problem, match="out of range"):
        evaluate("9" * 20, {})
