"""Stage 2, schema: the pydantic v2 models of a spec, and validation of a loaded document."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from graphspec.errors import Diagnostic, Problem, SpecError, SpecPath, suggest
from graphspec.loader import Document

ID_PATTERN = r"[A-Za-z_][A-Za-z0-9_]*"
REF_PATTERN = rf"({ID_PATTERN})(?:\.([0-9]+|{ID_PATTERN}))?"
ID_RE = re.compile(ID_PATTERN)
REF_RE = re.compile(REF_PATTERN)

Id = Annotated[str, StringConstraints(pattern=rf"^{ID_PATTERN}$")]
Shape = list[Annotated[StrictInt, Field(ge=0)] | None]
Named = str | dict[str, Any]
"""A Keras name (`mse`) or `{name: …, <keyword arguments>}`."""

Inputs = str | list[str] | dict[str, str | list[str]]
DTYPES = (
    "bfloat16",
    "bool",
    "complex128",
    "complex64",
    "float16",
    "float32",
    "float64",
    "float8_e4m3fn",
    "float8_e5m2",
    "int16",
    "int32",
    "int64",
    "int8",
    "string",
    "uint16",
    "uint32",
    "uint64",
    "uint8",
)
"""Keras's allowed dtypes (keras.src.backend.common.dtypes.ALLOWED_DTYPES)."""


def check_named(value: Any) -> Any:
    """A Keras name or {name: …, kwargs}; never a Keras config with class_name or module."""
    if isinstance(value, dict):
        if "class_name" in value or "module" in value:
            raise Problem(
                "a mapping with 'class_name' or 'module' is refused: "
                "write {name: ClassName, <keyword arguments>}",
                code="GS308",
            )
        if not isinstance(value.get("name"), str):
            raise Problem("a mapping here needs 'name': the Keras name of the object", code="GS215")
    elif not isinstance(value, str):
        raise Problem(f"expected a Keras name or {{name: …}}, got {value!r}", code="GS215")
    return value


def check_reference(value: str) -> str:
    if not isinstance(value, str) or not REF_RE.fullmatch(value):
        raise Problem(
            f"{value!r} is not a reference: expected an id, `id.K` or `id.NAME`", code="GS212"
        )
    return value


def check_inputs(value: Any) -> Any:
    """One reference, a list of references, or a mapping of call keywords to either."""
    if isinstance(value, list):
        for item in value:
            check_reference(item)
    elif isinstance(value, dict):
        for item in value.values():
            if isinstance(item, list):
                for sub in item:
                    check_reference(sub)
            else:
                check_reference(item)
    else:
        check_reference(value)
    return value


def refuse_name(value: Any, what: str) -> Any:
    raise PydanticCustomError(
        "forbidden_key", "'name' is not accepted: the {what} is its Keras name", {"what": what}
    )


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Input(Strict):
    """One model input: `{shape: [null, 128], dtype: int32}`."""

    shape: Shape
    dtype: str = "float32"
    batch_size: Annotated[StrictInt, Field(ge=1)] | None = None
    sparse: StrictBool = False

    @field_validator("dtype")
    @classmethod
    def _known_dtype(cls, v: str) -> str:
        if v not in DTYPES:
            raise Problem(f"unknown dtype '{v}'{suggest(v, DTYPES)}", code="GS209")
        return v


class LayerSpec(BaseModel):
    """A layer constructed from `layer:`, `args:` and keyword arguments (no inputs)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    layer: str
    args: list[Any] = Field(default_factory=list)

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    name: Any = None
    _no_name = field_validator("name", mode="before")(lambda v: refuse_name(v, "id"))


class Node(BaseModel):
    """One call of one callable: `layer:`, `use:` or `block:`, with its `inputs`."""

    model_config = ConfigDict(extra="allow", frozen=True)

    layer: str | None = None
    use: Id | None = None
    block: Id | None = None
    inputs: Inputs
    args: list[Any] = Field(default_factory=list)
    call: dict[str, Any] = Field(default_factory=dict)
    repeat: Annotated[StrictInt, Field(ge=1)] | None = None
    name: Any = None

    _check_inputs = field_validator("inputs", mode="before")(check_inputs)
    _no_name = field_validator("name", mode="before")(lambda v: refuse_name(v, "node's id"))

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    @property
    def kind(self) -> str:
        return "layer" if self.layer is not None else "use" if self.use is not None else "block"

    @model_validator(mode="after")
    def _one_callable(self) -> Node:
        given = [k for k in ("layer", "use", "block") if getattr(self, k) is not None]
        if len(given) != 1:
            which = " and ".join(f"'{k}'" for k in given) if given else "none"
            raise Problem(
                f"a node has exactly one of 'layer', 'use', 'block' (got {which})", code="GS210"
            )
        extra = self.model_extra or {}
        if self.use is not None:
            bad = [k for k in ("args", "repeat") if k in self.model_fields_set] + list(extra)
            if bad:
                raise Problem(
                    f"a `use:` node takes no {', '.join(repr(b) for b in bad)}: "
                    "the shared entry is already constructed",
                    code="GS211",
                )
        if self.block is not None and (self.args or self.call):
            raise Problem(
                "a `block:` node takes no 'args' or 'call'; give block parameters", code="GS211"
            )
        return self


class OutputOptions(Strict):
    """Per-output training settings."""

    loss: Named | None = None
    loss_weight: StrictFloat | None = None
    metrics: list[Named] = Field(default_factory=list)

    _check_loss = field_validator("loss", mode="before")(
        lambda v: v if v is None else check_named(v)
    )

    @field_validator("metrics", mode="before")
    @classmethod
    def _check_metrics(cls, v: Any) -> Any:
        return [check_named(m) for m in v] if isinstance(v, list) else v


Outputs = list[Id] | dict[Id, OutputOptions | None]


class Shared(BaseModel):
    """A callable built once: a `layer:`, an `application:`, a `spec:` file or a `graph:`."""

    model_config = ConfigDict(extra="allow", frozen=True)

    layer: str | None = None
    application: str | None = None
    spec: str | None = None
    graph: Graph | None = None
    args: list[Any] = Field(default_factory=list)
    name: Any = None

    _no_name = field_validator("name", mode="before")(lambda v: refuse_name(v, "shared id"))

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    @property
    def kind(self) -> str:
        return next(
            k for k in ("layer", "application", "spec", "graph") if getattr(self, k) is not None
        )

    @model_validator(mode="after")
    def _one_kind(self) -> Shared:
        kinds = ("layer", "application", "spec", "graph")
        given = [k for k in kinds if getattr(self, k) is not None]
        if len(given) != 1:
            raise Problem(
                "a shared entry has exactly one of 'layer', 'application', "
                f"'spec', 'graph' (got {' and '.join(given) or 'none'})",
                code="GS210",
            )
        extra = self.model_extra or {}
        if given[0] in ("spec", "graph") and (extra or self.args):
            raise Problem(
                f"a `{given[0]}:` entry takes no other keys "
                f"(got {', '.join(map(repr, extra)) or 'args'})",
                code="GS211",
            )
        return self


class Block(Strict):
    """A parameterised template; its nodes are checked when it is expanded."""

    params: dict[Id, Any] | None = None
    inputs: list[Id]
    nodes: dict[Id, dict[str, Any]]
    outputs: list[Id] = Field(min_length=1)


class Graph(Strict):
    """Inputs, nodes and outputs, with the shared callables and blocks they may use."""

    inputs: dict[Id, Input] = Field(min_length=1)
    nodes: dict[Id, Node]
    outputs: Outputs
    shared: dict[Id, Shared] = Field(default_factory=dict)
    blocks: dict[Id, Block] = Field(default_factory=dict)

    @field_validator("outputs")
    @classmethod
    def _some_outputs(cls, v: Outputs) -> Outputs:
        if not v:
            raise Problem("a graph needs at least one output", code="GS213")
        twice = sorted({repr(o) for o in v if isinstance(v, list) and v.count(o) > 1})
        if twice:
            raise Problem(
                f"output{'s' if len(twice) > 1 else ''} {', '.join(twice)} listed more than once",
                code="GS214",
            )
        return v

    def output_options(self) -> dict[str, OutputOptions]:
        if isinstance(self.outputs, list):
            return {o: OutputOptions() for o in self.outputs}
        return {k: v or OutputOptions() for k, v in self.outputs.items()}


class Compile(Strict):
    """`compile:`: optimizer, model-wide loss and metrics, and compile flags."""

    optimizer: Named = "rmsprop"
    loss: Named | dict[Id, Named] | None = None
    loss_weights: dict[Id, StrictFloat] | None = None
    metrics: list[Named] | dict[Id, list[Named]] = Field(default_factory=list)
    run_eagerly: StrictBool | None = None
    jit_compile: StrictBool | Literal["auto"] | None = None
    steps_per_execution: Annotated[StrictInt, Field(ge=1)] | None = None

    _check_optimizer = field_validator("optimizer", mode="before")(check_named)

    @field_validator("loss", mode="before")
    @classmethod
    def _check_loss(cls, v: Any) -> Any:
        """A model-wide loss, or Keras's dict form keyed by output id (no 'name' key)."""
        if isinstance(v, dict) and "name" not in v and "class_name" not in v:
            return {k: check_named(x) for k, x in v.items()}
        return v if v is None else check_named(v)

    @field_validator("metrics", mode="before")
    @classmethod
    def _check_metrics(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {
                k: [check_named(m) for m in x] if isinstance(x, list) else x for k, x in v.items()
            }
        return [check_named(m) for m in v] if isinstance(v, list) else v


class Fit(Strict):
    """`fit:`: default training settings for `graphspec fit`."""

    epochs: Annotated[StrictInt, Field(ge=1)] = 1
    batch_size: Annotated[StrictInt, Field(ge=1)] | None = None
    validation_split: Annotated[StrictFloat, Field(ge=0, lt=1)] = 0.0
    shuffle: StrictBool = True


class Expect(Strict):
    """`expect:`: facts about the built model that `graphspec check` verifies."""

    params: Annotated[StrictInt, Field(ge=0)] | None = None
    trainable_params: Annotated[StrictInt, Field(ge=0)] | None = None
    non_trainable_params: Annotated[StrictInt, Field(ge=0)] | None = None
    output_shapes: dict[Id, list[StrictInt | None]] = Field(default_factory=dict)


class Spec(Graph):
    """A whole spec file, version 1."""

    graphspec: int
    name: str | None = None
    description: str | None = None
    compile: Compile | None = None
    fit: Fit | None = None
    expect: Expect | None = None
    _document: Document | None = PrivateAttr(default=None)

    @property
    def document(self) -> Document | None:
        """The loaded file this spec came from (positions for diagnostics), if any."""
        return self._document

    @field_validator("graphspec", mode="before")
    @classmethod
    def _version(cls, v: Any) -> Any:
        if v != 1 or isinstance(v, bool) or not isinstance(v, int):
            raise Problem(
                f"unsupported version {v!r}: this graphspec reads version 1 (write `graphspec: 1`)",
                code="GS202",
            )
        return v


Shared.model_rebuild()


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


def _branch_matches(part: str, data: Any) -> bool:
    """Whether a union-branch tag in a pydantic location fits the data's type there."""
    for prefix, kind in _BRANCH_TYPES.items():
        if part == prefix or (prefix.endswith("[") and part.startswith(prefix)):
            return isinstance(data, kind)
    if part[:1].isupper():
        return isinstance(data, dict)
    return True


def _key_loc(err: Any) -> tuple[Any, ...]:
    """The error's location; an error about a mapping key is located at the key itself."""
    loc = tuple(err["loc"])
    if loc and isinstance(loc[-1], str) and loc[-1] == "[key]":
        err["__key__"] = True
        return loc[:-1]
    return loc


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


def _owner_model(path: SpecPath) -> type[BaseModel]:
    """The model whose fields the mapping at `path` should have (for suggestions)."""
    base: type[BaseModel] = Spec
    starts = [i for i in range(2, len(path)) if path[i] == "graph" and path[i - 2] == "shared"]
    if starts:
        base, path = Graph, path[starts[-1] + 1 :]
    sections: dict[str | int, type[BaseModel]] = {"compile": Compile, "fit": Fit, "expect": Expect}
    items: dict[str | int, type[BaseModel]] = {
        "inputs": Input,
        "outputs": OutputOptions,
        "blocks": Block,
        "shared": Shared,
    }
    if len(path) == 1 and path[0] in sections:
        return sections[path[0]]
    if len(path) == 2 and path[0] in items:
        return items[path[0]]
    return base


def _message(err: Any, path: SpecPath, labelled: bool) -> tuple[str, SpecPath, bool]:
    """A readable message for one pydantic error, the path to point at, and whether it's a key."""
    kind = err["type"]
    loc = tuple(err["loc"])
    if kind == "extra_forbidden":
        key = str(loc[-1])
        fields = list(_owner_model(path[:-1]).model_fields)
        where = "" if labelled else " in " + (".".join(map(str, path[:-1])) or "the top level")
        return f"unknown key '{key}'{where}{suggest(key, fields)}", path, True
    if kind == "missing":
        key = str(loc[-1])
        where = "" if labelled else " in " + (".".join(map(str, path)) or "the top level")
        return f"'{key}' is required{where}", path, True
    msg = str(err["msg"]).removeprefix("Value error, ")
    if kind == "forbidden_key":
        return msg, path, True
    if kind == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") == f"^{ID_PATTERN}$":
        msg = "ids must match [A-Za-z_][A-Za-z0-9_]*"
    field = next((p for p in reversed(path) if isinstance(p, str)), None)
    if msg.startswith("Input should") and field:
        msg = f"'{field}' should" + msg.removeprefix("Input should")
    value = err.get("input")
    if kind not in ("value_error",) and not isinstance(value, dict | list):
        msg = f"{msg} (got {value!r})"
    return msg, path, False


_CODES = {"extra_forbidden": "GS203", "missing": "GS204", "forbidden_key": "GS208"}
_RANGE_ERRORS = {
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
    "multiple_of",
    "too_short",
    "too_long",
}


def _code(err: Any) -> tuple[str, str]:
    """The diagnostic code and hint of one pydantic error: the validator's own, or by kind."""
    cause = err.get("ctx", {}).get("error")
    if isinstance(cause, Problem) and cause.code:
        return cause.code, cause.hint
    kind = err["type"]
    if kind == "missing" and tuple(err["loc"]) == ("graphspec",):
        return "GS204", "start the file with `graphspec: 1`"
    if kind == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") == f"^{ID_PATTERN}$":
        return "GS207", ""
    return _CODES.get(kind) or ("GS206" if kind in _RANGE_ERRORS else "GS205"), ""


def validate(doc: Document) -> Spec:
    """Validate a loaded document against the schema; SpecError with every problem found."""
    if not isinstance(doc.data, dict):
        kinds = {
            list: "a list",
            str: "a string",
            int: "a number",
            float: "a number",
            bool: "a boolean",
        }
        got = "an empty file" if doc.data is None else kinds.get(type(doc.data), "a scalar")
        raise SpecError(
            doc.diagnostic(
                (), f"a spec is a mapping with `graphspec: 1` at the top, got {got}", code="GS201"
            )
        )
    try:
        spec = Spec.model_validate(doc.data)
    except ValidationError as e:
        raise SpecError(pydantic_diagnostics(doc, e)) from e
    spec._document = doc
    return spec


def pydantic_diagnostics(
    doc: Document, e: ValidationError, base: SpecPath = (), data: Any = None, label: bool = True
) -> list[Diagnostic]:
    """Diagnostics for a pydantic error on `data`, the value found at `base` in `doc`;
    `label` starts each message with the id it concerns (callers that know more say it)."""
    out: list[Diagnostic] = []
    seen: set[tuple[SpecPath, str]] = set()
    if data is None:
        data = doc.data
        for part in base:
            data = data[part]
    errors = e.errors()
    located = [(err, _data_path(data, _key_loc(err))) for err in errors]
    if all(path is None for _, path in located):  # no branch fits: report them all
        located = [(err, _data_path(data, _key_loc(err), strict=False)) for err in errors]
    for err, rel in located:
        if rel is None:
            continue
        path = (*base, *rel)
        owner = None if err.get("__key__") else _id_of(path)
        msg, where, key = _message(err, path, labelled=label and owner is not None)
        key = key or bool(err.get("__key__"))
        if (where, msg) in seen:
            continue
        seen.add((where, msg))
        if label and owner is not None:
            msg = f"{owner}: {msg}"
        code, hint = _code(err)
        out.append(doc.diagnostic(where, msg, key=key, id=owner, code=code, hint=hint))
    return sorted(_drop_union_noise(out), key=lambda d: (d.line, d.column))


def _id_of(path: SpecPath) -> str | None:
    """The innermost input, node, shared, block or output id on a path."""
    found: str | None = None
    for i in range(len(path) - 1):
        graph_level = i == 0 or path[i - 1] == "graph"
        if graph_level and path[i] in _SECTIONS and isinstance(path[i + 1], str):
            found = str(path[i + 1])
    return found


_SECTIONS = ("inputs", "nodes", "shared", "blocks", "outputs")


def _drop_union_noise(diags: list[Diagnostic]) -> list[Diagnostic]:
    """Of several errors at one place (one per union member), keep the most specific."""
    by_place: dict[tuple[int, int], list[Diagnostic]] = {}
    for d in diags:
        by_place.setdefault((d.line, d.column), []).append(d)
    out = []
    for group in by_place.values():
        specific = [d for d in group if "Input should be" not in d.message]
        out.extend(specific or group[:1])
    return out
