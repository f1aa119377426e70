"""Pydantic's validation errors → located diagnostics, translated by error type (never by text)."""

from __future__ import annotations

import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from graphspec.diagnostics import Code, Diagnostic, Problem, SpecPath, codes
from graphspec.diagnostics import suggest as did_you_mean
from graphspec.syntax.document import Document
from graphspec.syntax.sections import ID_SECTIONS, NAMESPACES, SETTINGS

ErrorDetails = dict[str, Any]

_ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"

_BRANCH_TYPES: dict[str, type | tuple[type, ...]] = {
    "list[": list,
    "dict[": dict,
    "str": str,
    "constrained-str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "none": type(None),
    "function-after[": dict,
    "function-before[": dict,
}
"""Pydantic's tags of union branches in an error's location, and the data each one fits."""


def _number(value: Any) -> Any:
    """A bound as a person writes it: 1, not 1.0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


SHOULD: dict[str, Callable[[dict[str, Any]], str]] = {
    "int_type": lambda ctx: "be a valid integer",
    "int_parsing": lambda ctx: "be a valid integer",
    "int_from_float": lambda ctx: "be a valid integer",
    "float_type": lambda ctx: "be a valid number",
    "float_parsing": lambda ctx: "be a valid number",
    "bool_type": lambda ctx: "be a valid boolean",
    "bool_parsing": lambda ctx: "be a valid boolean",
    "string_type": lambda ctx: "be a valid string",
    "list_type": lambda ctx: "be a valid list",
    "dict_type": lambda ctx: "be a mapping",
    "model_type": lambda ctx: "be a mapping",
    "model_attributes_type": lambda ctx: "be a mapping",
    "none_required": lambda ctx: "be null",
    "literal_error": lambda ctx: f"be {ctx.get('expected', 'one of the allowed values')}",
    "greater_than": lambda ctx: f"be greater than {_number(ctx.get('gt'))}",
    "greater_than_equal": lambda ctx: f"be greater than or equal to {_number(ctx.get('ge'))}",
    "less_than": lambda ctx: f"be less than {_number(ctx.get('lt'))}",
    "less_than_equal": lambda ctx: f"be less than or equal to {_number(ctx.get('le'))}",
    "finite_number": lambda ctx: "be a finite number",
}
"""What the value should be, by pydantic error type (a type mismatch or a range)."""

CODE_OF_TYPE: dict[str, Code] = {
    "extra_forbidden": codes.UNKNOWN_KEY,
    "missing": codes.MISSING_KEY,
    "forbidden_key": codes.NAME_NOT_ACCEPTED,
    "finite_number": codes.NON_FINITE_NUMBER,
    **dict.fromkeys(
        (
            "greater_than",
            "greater_than_equal",
            "less_than",
            "less_than_equal",
            "multiple_of",
            "too_short",
            "too_long",
        ),
        codes.VALUE_OUT_OF_RANGE,
    ),
}
"""The code of each pydantic error type that is not a validator's own Problem."""


@dataclass(frozen=True)
class Translated:
    """One pydantic error as graphspec reports it."""

    message: str
    path: SpecPath
    key: bool
    code: Code
    hint: str = ""
    mismatch: bool = False


def _branch_matches(part: str, data: Any) -> bool:
    """Whether a union-branch tag in a pydantic location fits the data's type there."""
    for prefix, kind in _BRANCH_TYPES.items():
        if part == prefix or (prefix.endswith("[") and part.startswith(prefix)):
            return isinstance(data, kind)
    if part[:1].isupper():
        return isinstance(data, dict)
    return True


def _key_loc(err: ErrorDetails) -> tuple[tuple[Any, ...], bool]:
    """The error's location, and whether it is about a mapping key (located at the key)."""
    loc = tuple(err["loc"])
    if loc and loc[-1] == "[key]":
        return loc[:-1], True
    return loc, False


def _data_path(data: Any, loc: tuple[Any, ...], strict: bool = True) -> SpecPath | None:
    """The parts of a pydantic location that index into the data; None for a union branch
    that does not fit the data's type (its errors are noise)."""
    path: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and part not in (data if isinstance(data, dict) else ()):
            if strict and not _branch_matches(part, data):
                return None
            continue
        in_list = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if (isinstance(data, dict) and part in data) or in_list:
            data = data[part]
            path.append(part)
    return tuple(path)


def _item_model(model: type[BaseModel], key: str) -> type[BaseModel] | None:
    """The model of the entries of `model`'s mapping field `key` (`inputs` → Input)."""
    field = model.model_fields.get(key)
    args = typing.get_args(field.annotation) if field else ()
    if len(args) == 2 and isinstance(args[1], type) and issubclass(args[1], BaseModel):
        return args[1]
    for arg in args:  # a union: the mapping-of-options branch (outputs)
        for sub in typing.get_args(arg)[1:]:
            inner = [s for s in typing.get_args(sub) or (sub,) if isinstance(s, type)]
            for candidate in inner:
                if issubclass(candidate, BaseModel):
                    return candidate
    return None


def _field_model(model: type[BaseModel], key: str) -> type[BaseModel] | None:
    """The model of `model`'s field `key` itself, when it is one (`compile` → Compile)."""
    field = model.model_fields.get(key)
    for arg in (field.annotation, *typing.get_args(field.annotation)) if field else ():
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def owner_model(top: type[BaseModel], graph: type[BaseModel], path: SpecPath) -> type[BaseModel]:
    """The model whose fields the mapping at `path` should have (for suggestions)."""
    base = top
    starts = [i for i in range(2, len(path)) if path[i] == "graph" and path[i - 2] == "shared"]
    if starts:
        base, path = graph, path[starts[-1] + 1 :]
    if len(path) == 1 and path[0] in SETTINGS:
        return _field_model(base, str(path[0])) or base
    if len(path) == 2 and path[0] in ID_SECTIONS:
        return _item_model(base, str(path[0])) or base
    return base


def _field(path: SpecPath) -> str | None:
    """The innermost key on a path: the field a message names."""
    return next((p for p in reversed(path) if isinstance(p, str)), None)


def _should(err: ErrorDetails, path: SpecPath) -> str:
    """`'FIELD' should be …`, from the error type and its context."""
    field = _field(path)
    subject = f"'{field}'" if field else "the value"
    return f"{subject} should {SHOULD[err['type']](err.get('ctx', {}))}"


def _got(err: ErrorDetails) -> str:
    value = err.get("input")
    return "" if isinstance(value, dict | list) else f" (got {value!r})"


def translate(
    err: ErrorDetails, path: SpecPath, labelled: bool, fields: Callable[[], list[str]]
) -> Translated:
    """A readable message for one pydantic error, by its type; `fields` lists the keys the
    mapping at the error may have (for did-you-mean)."""
    kind, loc = err["type"], tuple(err["loc"])
    cause = err.get("ctx", {}).get("error")
    if isinstance(cause, Problem):
        return Translated(str(cause), path, False, cause.code, cause.hint)
    if kind == "value_error":
        return Translated(str(cause or err["msg"]), path, False, codes.WRONG_TYPE)
    if kind == "extra_forbidden":
        key = str(loc[-1])
        where = "" if labelled else " in " + (".".join(map(str, path[:-1])) or "the top level")
        return Translated(
            f"unknown key '{key}'{where}{did_you_mean(key, fields())}",
            path,
            True,
            codes.UNKNOWN_KEY,
        )
    if kind == "missing":
        key = str(loc[-1])
        where = "" if labelled else " in " + (".".join(map(str, path)) or "the top level")
        hint = "start the file with `graphspec: 1`" if loc == ("graphspec",) else ""
        return Translated(f"'{key}' is required{where}", path, True, codes.MISSING_KEY, hint)
    if kind == "forbidden_key":
        return Translated(str(err["msg"]), path, True, codes.NAME_NOT_ACCEPTED)
    if kind == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") == _ID_PATTERN:
        message = f"ids must match [A-Za-z_][A-Za-z0-9_]*{_got(err)}"
        return Translated(message, path, False, codes.INVALID_ID)
    code = CODE_OF_TYPE.get(kind, codes.WRONG_TYPE)
    if kind in SHOULD:  # unnamed (a union branch's item): noise beside a named error
        message = _should(err, path) + _got(err)
        return Translated(message, path, False, code, "", _field(path) is None)
    return Translated(f"{err['msg']}{_got(err)}", path, False, code)


def _id_of(path: SpecPath) -> str | None:
    """The innermost input, node, shared, block or output id on a path."""
    found: str | None = None
    for i in range(len(path) - 1):
        graph_level = i == 0 or path[i - 1] == "graph"
        if graph_level and path[i] in ID_SECTIONS and isinstance(path[i + 1], str):
            found = str(path[i + 1])
    return found


Located = tuple[ErrorDetails, SpecPath, bool]
"""A pydantic error, its path into the data, and whether it is about a key (`located`)."""


def located(e: ValidationError, data: Any) -> list[Located]:
    """Each error with its path into the data and whether it is about a key; the errors of
    union branches that do not fit the data are left out, unless no branch fits there."""
    at = [(err, *_key_loc(err)) for err in map(dict, e.errors())]
    paths = [(err, _data_path(data, loc), key) for err, loc, key in at]
    fitting: set[SpecPath] = set()  # every prefix of the path of an error whose branch fits
    for _, path, _ in paths:
        if path is not None:
            fitting.update(path[:i] for i in range(len(path) + 1))
    out = []
    for (err, path, key), (_, loc, _) in zip(paths, at, strict=True):
        if path is None:
            path = _data_path(data, loc, strict=False)
            if path is None or path in fitting:  # a fitting branch says more there
                continue
        out.append((err, path, key))
    return out


def pydantic_diagnostics(
    doc: Document,
    e: ValidationError,
    top: type[BaseModel],
    graph: type[BaseModel],
    base: SpecPath = (),
    data: Any = None,
    label: bool = True,
    found: list[Located] | None = None,
) -> list[Diagnostic]:
    """Diagnostics for a pydantic error on `data`, the value found at `base` in `doc`;
    `top` is the model validated (`graph` the model of a sub-model's graph); `label`
    starts each message with the id it concerns (callers that know more say it); `found`:
    `located(e, data)`, where the caller has it already."""
    if data is None:
        data = doc.data
        for part in base:
            data = data[part]
    out: list[tuple[Diagnostic, bool]] = []
    seen: set[tuple[SpecPath, str]] = set()
    for err, rel, about_key in located(e, data) if found is None else found:
        path = (*base, *rel)
        owner = None if about_key else _id_of(path)
        labelled = label and owner is not None

        def fields(path: SpecPath = path) -> list[str]:
            return list(owner_model(top, graph, path[:-1]).model_fields)

        t = translate(err, path, labelled, fields)
        if (t.path, t.message) in seen:
            continue
        seen.add((t.path, t.message))
        message = f"{owner}: {t.message}" if labelled else t.message
        key = t.key or about_key
        d = doc.diagnostic(t.path, message, code=t.code, key=key, id=owner, hint=t.hint)
        out.append((d, t.mismatch))
    return sorted(_drop_union_noise(out), key=lambda d: (d.line, d.column))


def _drop_union_noise(diags: list[tuple[Diagnostic, bool]]) -> list[Diagnostic]:
    """Of several errors at one place (one per union member), keep the most specific: a
    type mismatch only where nothing more specific is said."""
    by_place: dict[tuple[int, int], list[tuple[Diagnostic, bool]]] = {}
    for d, mismatch in diags:
        by_place.setdefault((d.line, d.column), []).append((d, mismatch))
    out = []
    for group in by_place.values():
        specific = [d for d, mismatch in group if not mismatch]
        out.extend(specific or [group[0][0]])
    return out


__all__ = ["NAMESPACES", "Located", "located", "owner_model", "pydantic_diagnostics", "translate"]
