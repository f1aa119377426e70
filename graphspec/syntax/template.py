"""Block parameters: `$name`, `${expression}` and `$$` substitution, with a small safe evaluator."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from graphspec.caps import MAX_INT
from graphspec.diagnostics import Problem, codes, suggest

Number = int | float
MAX_NESTING = 100
"""Parentheses and unary signs nest at most this deep in an expression (the parser recurses)."""

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\d+(?:[eE][-+]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>//|[-+*/%()])|(?P<bad>\S))"
)
_WHOLE_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_PIECE = re.compile(r"\$\$|\$\{(?P<expr>[^}]*)\}|\$(?P<name>[A-Za-z_][A-Za-z0-9_]*)?")


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:  # pragma: no cover - the pattern always matches a non-space
            break
        kind = m.lastgroup or "bad"
        value = m.group(kind)
        if kind == "bad":
            what = {
                ".": "attributes",
                "[": "indexing",
                ",": "argument lists",
                '"': "strings",
                "'": "strings",
            }.get(value, f"'{value}'")
            if what != f"'{value}'":
                raise Problem(
                    f"{what} are not allowed in an expression", code=codes.EXPRESSION_CONSTRUCT
                )
            raise Problem(f"unexpected {what} in an expression", code=codes.EXPRESSION_SYNTAX)
        tokens.append((kind, value))
        pos = m.end()
    return tokens


class _Parser:
    """Recursive descent over + - * / // % and parentheses, on numbers and parameters."""

    def __init__(self, text: str, params: Mapping[str, Any]) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.params = params
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise Problem("the expression ends too early", code=codes.EXPRESSION_SYNTAX)
        self.i += 1
        return token

    def parse(self) -> Number:
        if not self.tokens:
            raise Problem("empty expression", code=codes.EXPRESSION_SYNTAX)
        value = self.sum()
        if self.peek() is not None:
            unexpected = self.peek()[1]  # type: ignore[index]
            raise Problem(
                f"unexpected '{unexpected}' in the expression", code=codes.EXPRESSION_SYNTAX
            )
        return value

    def sum(self) -> Number:
        value = self.product()
        while (t := self.peek()) and t[1] in "+-" and t[0] == "op":
            self.take()
            right = self.product()
            value = _in_range(value + right if t[1] == "+" else value - right)
        return value

    def product(self) -> Number:
        ops: dict[str, Callable[[Number, Number], Number]] = {
            "*": lambda a, b: a * b,
            "/": lambda a, b: a / b,
            "//": lambda a, b: a // b,
            "%": lambda a, b: a % b,
        }
        value = self.unary()
        while (t := self.peek()) and t[0] == "op" and t[1] in ops:
            self.take()
            right = self.unary()
            if right == 0 and t[1] != "*":
                raise Problem("division by zero in the expression", code=codes.DIVISION_BY_ZERO)
            value = _in_range(ops[t[1]](value, right))
        return value

    def unary(self) -> Number:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise Problem(
                f"the expression nests deeper than {MAX_NESTING} levels",
                code=codes.EXPRESSION_SYNTAX,
            )
        t = self.peek()
        if t and t[0] == "op" and t[1] in "+-" and t[1] != "":
            self.take()
            value = self.unary()
            value = -value if t[1] == "-" else value
        else:
            value = self.atom()
        self.depth -= 1
        return value

    def atom(self) -> Number:
        kind, value = self.take()
        if kind == "number":
            if any(c in value for c in ".eE"):
                return float(value)
            if len(value.lstrip("0")) > 19:  # past 2^63 for sure; spare a huge conversion
                raise Problem(
                    f"the number {value[:19]}… is out of range", code=codes.EXPRESSION_SYNTAX
                )
            return _in_range(int(value))
        if kind == "name":
            nxt = self.peek()
            if nxt and nxt[1] == "(":
                raise Problem(
                    f"calls are not allowed in an expression ('{value}(…)')",
                    code=codes.EXPRESSION_CONSTRUCT,
                )
            return self.param(value)
        if value == "(":
            inner = self.sum()
            if self.take()[1] != ")":
                raise Problem("expected ')' in the expression", code=codes.EXPRESSION_SYNTAX)
            return inner
        raise Problem(f"unexpected '{value}' in the expression", code=codes.EXPRESSION_SYNTAX)

    def param(self, name: str) -> Number:
        if name not in self.params:
            raise Problem(
                f"unknown name '{name}' in an expression: only the block's parameters"
                f" ({', '.join(self.params) or 'none'}) may be used"
                f"{suggest(name, self.params)}",
                code=codes.UNKNOWN_PARAMETER,
            )
        value = self.params[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Problem(
                f"parameter '{name}' is {value!r}, not a number, in an expression",
                code=codes.PARAMETER_NOT_A_NUMBER,
            )
        return value


def _in_range(value: Number) -> Number:
    """Integers stay within ±(2^63 - 1), as the loader's do, at every step."""
    if isinstance(value, int) and abs(value) > MAX_INT:
        raise Problem(
            "the expression's value is out of range (at most 2^63 - 1)",
            code=codes.EXPRESSION_SYNTAX,
        )
    return value


def evaluate(text: str, params: Mapping[str, Any]) -> Number:
    """Evaluate `text` (the inside of `${…}`) over the given parameters."""
    return _Parser(text, params).parse()


def substitute_string(text: str, params: Mapping[str, Any]) -> Any:
    """Substitute one string: a whole `$name` or `${…}` keeps the value's type."""
    if "$" not in text:  # most strings (ids, layer names): nothing to match
        return text
    if (m := _WHOLE_PARAM.fullmatch(text)) is not None:
        return _lookup(m.group(1), params)
    whole = _PIECE.fullmatch(text)
    if whole is not None and whole.group("expr") is not None:
        return evaluate(whole.group("expr"), params)

    def piece(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        if m.group("expr") is not None:
            value = evaluate(m.group("expr"), params)
            return str(value)
        if m.group("name"):
            raise Problem(
                f"'${m.group('name')}' inside a longer string is not substituted:"
                f" write '${{{m.group('name')}}}'",
                code=codes.STRAY_DOLLAR,
            )
        raise Problem(
            "a lone '$' in a block: write '$$' for a literal '$'", code=codes.STRAY_DOLLAR
        )

    return _PIECE.sub(piece, text)


def _lookup(name: str, params: Mapping[str, Any]) -> Any:
    if name not in params:
        raise Problem(
            f"unknown parameter '${name}'{suggest(name, params)}", code=codes.UNKNOWN_PARAMETER
        )
    return params[name]


def substitute(
    value: Any,
    params: Mapping[str, Any],
    on_error: Callable[[tuple[str | int, ...], Problem], None],
    path: tuple[str | int, ...] = (),
) -> Any:
    """Substitute in every value (never in keys); report each problem with its relative path."""
    if isinstance(value, str):
        try:
            return substitute_string(value, params)
        except Problem as e:
            on_error(path, e)
            return value
    if isinstance(value, list):
        return [substitute(v, params, on_error, (*path, i)) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: substitute(v, params, on_error, (*path, k)) for k, v in value.items()}
    return value
