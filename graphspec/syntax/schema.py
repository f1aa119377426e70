"""The schema: the pydantic v2 models of a spec (validated in syntax/validate.py)."""

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
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from graphspec.diagnostics import Problem, codes, suggest
from graphspec.diagnostics.text import CONTROL, printable
from graphspec.syntax.document import Document
from graphspec.syntax.kinds import (
    NODE_KINDS,
    SHARED_KINDS,
    check_application_outputs,
    check_op_node,
    check_trainable,
    op_references,
)

ID_PATTERN = r"[A-Za-z_][A-Za-z0-9_]*"
REF_PATTERN = rf"({ID_PATTERN})(?:\.([0-9]+|{ID_PATTERN}))?"
ID_RE = re.compile(ID_PATTERN)
REF_RE = re.compile(REF_PATTERN)

Id = Annotated[str, StringConstraints(pattern=rf"^{ID_PATTERN}$")]
Finite = Annotated[StrictFloat, Field(allow_inf_nan=False)]
"""A number that is neither infinite nor NaN (a loss weight of NaN trains on a NaN loss)."""
Shape = list[Annotated[StrictInt, Field(ge=0)] | None]
Named = str | dict[str, Any]
"""A Keras name (`mse`) or `{name: …, <keyword arguments>}`."""

Inputs = str | list[str] | dict[str, str | list[str]]
OpInputs = str | list[str | list[str]]  # an op's tensor arguments; an inner list is one argument
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
                code=codes.KERAS_CONFIG_REFUSED,
            )
        if not isinstance(value.get("name"), str):
            raise Problem(
                "a mapping here needs 'name': the Keras name of the object",
                code=codes.MALFORMED_KERAS_NAME,
            )
    elif not isinstance(value, str):
        raise Problem(
            f"expected a Keras name or {{name: …}}, got {value!r}", code=codes.MALFORMED_KERAS_NAME
        )
    return value


def _reference_string(value: Any) -> None:
    if not isinstance(value, str):
        raise Problem(
            f"{value!r} is not a reference: expected an id, `id.K` or `id.NAME`",
            code=codes.MALFORMED_REFERENCE,
        )


def check_inputs(value: Any) -> Any:
    """One reference, a list of references, or a mapping of call keywords to either: strings
    here; each reference's spelling is checked when it is resolved, one by one."""
    if isinstance(value, list):
        for item in value:
            _reference_string(item)
    elif isinstance(value, dict):
        for item in value.values():
            for sub in item if isinstance(item, list) else [item]:
                _reference_string(sub)
    else:
        _reference_string(value)
    return value


def check_node_inputs(value: Any, info: ValidationInfo) -> Any:
    """A node's `inputs`: an op's tensor arguments (`op_inputs`), or a layer's call inputs."""
    if type(value) is str:  # one reference (most nodes): either way, a string is fine
        return value
    if info.data.get("op") is not None:
        for ref in op_references(value):
            _reference_string(ref)
        return value
    return check_inputs(value)


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
            raise Problem(f"unknown dtype '{v}'{suggest(v, DTYPES)}", code=codes.UNKNOWN_DTYPE)
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
    """One call of one callable: `layer:`, `use:`, `block:` or `op:`, with its `inputs`."""

    model_config = ConfigDict(extra="allow", frozen=True)

    layer: str | None = None
    use: Id | None = None
    block: Id | None = None
    op: str | None = None
    inputs: Inputs | OpInputs
    args: list[Any] = Field(default_factory=list)
    call: dict[str, Any] = Field(default_factory=dict)
    repeat: Annotated[StrictInt, Field(ge=1)] | None = None
    name: Any = None

    _check_inputs = field_validator("inputs", mode="before")(check_node_inputs)
    _no_name = field_validator("name", mode="before")(lambda v: refuse_name(v, "node's id"))

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    @property
    def kind(self) -> str:
        return next(k for k in NODE_KINDS if getattr(self, k) is not None)

    @model_validator(mode="after")
    def _one_callable(self) -> Node:
        if self.use is None and self.block is None and self.op is None and self.layer is not None:
            return self  # a layer node (most are): nothing else to check
        given = [k for k in NODE_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            which = " and ".join(f"'{k}'" for k in given) if given else "none"
            raise Problem(
                f"a node has exactly one of 'layer', 'use', 'block', 'op' (got {which})",
                code=codes.NOT_EXACTLY_ONE_KIND,
            )
        if self.op is not None:
            check_op_node(self.model_fields_set)
        extra = self.model_extra or {}
        if self.use is not None:
            bad = [k for k in ("args", "repeat") if k in self.model_fields_set] + list(extra)
            if bad:
                raise Problem(
                    f"a `use:` node takes no {', '.join(repr(b) for b in bad)}: "
                    "the shared entry is already constructed",
                    code=codes.KEY_NOT_TAKEN_HERE,
                )
        if self.block is not None and (self.args or self.call):
            raise Problem(
                "a `block:` node takes no 'args' or 'call'; give block parameters",
                code=codes.KEY_NOT_TAKEN_HERE,
            )
        return self


class OutputOptions(Strict):
    """Per-output training settings."""

    loss: Named | None = None
    loss_weight: Finite | None = None
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
    """A callable built once (`layer:`, `application:`, `spec:`, `graph:`, `sequential:`)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    layer: str | None = None
    application: str | None = None
    spec: str | None = None
    graph: Graph | None = None
    sequential: Annotated[list[LayerSpec], Field(min_length=1)] | None = None
    args: list[Any] = Field(default_factory=list)
    trainable: StrictBool | None = None
    outputs: Annotated[list[str], Field(min_length=1)] | None = None
    name: Any = None

    _no_name = field_validator("name", mode="before")(lambda v: refuse_name(v, "shared id"))
    _trainable = field_validator("trainable", mode="before")(check_trainable)

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    @property
    def kind(self) -> str:
        return next(k for k in SHARED_KINDS if getattr(self, k) is not None)

    @model_validator(mode="after")
    def _one_kind(self) -> Shared:
        given = [k for k in SHARED_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise Problem(
                "a shared entry has exactly one of 'layer', 'application', "
                f"'spec', 'graph', 'sequential' (got {' and '.join(given) or 'none'})",
                code=codes.NOT_EXACTLY_ONE_KIND,
            )
        extra = self.model_extra or {}
        if given[0] in ("spec", "graph", "sequential") and (extra or self.args):
            raise Problem(
                f"a `{given[0]}:` entry takes no other keys but 'trainable' "
                f"(got {', '.join(map(repr, extra)) or 'args'})",
                code=codes.KEY_NOT_TAKEN_HERE,
            )
        check_application_outputs(given[0], self.outputs)
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
            raise Problem("a graph needs at least one output", code=codes.NO_OUTPUTS)
        return v  # an output listed twice: resolve/outputs.py, at the second one

    def output_options(self) -> dict[str, OutputOptions]:
        if isinstance(self.outputs, list):
            return {o: OutputOptions() for o in self.outputs}
        return {k: v or OutputOptions() for k, v in self.outputs.items()}


class Compile(Strict):
    """`compile:`: optimizer, model-wide loss and metrics, and compile flags."""

    optimizer: Named = "rmsprop"
    loss: Named | dict[Id, Named] | None = None
    loss_weights: dict[Id, Finite] | None = None
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
    validation_split: Annotated[StrictFloat, Field(ge=0, lt=1, allow_inf_nan=False)] = 0.0
    shuffle: StrictBool = True
    callbacks: list[Named] = Field(default_factory=list)
    """Keras callbacks by name, `EarlyStopping` or `{name: EarlyStopping, patience: 2}`
    (resolve/fit_settings.py checks them against an allow-list and their signatures)."""

    @field_validator("callbacks", mode="before")
    @classmethod
    def _check_callbacks(cls, v: Any) -> Any:
        return [check_named(c) for c in v] if isinstance(v, list) else v


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

    @field_validator("name")
    @classmethod
    def _printable_name(cls, v: str | None) -> str | None:
        """The model's Keras name is printed (the summary): no control character in it."""
        found = CONTROL.search(v) if v is not None else None
        if found is not None:
            raise Problem(
                f"the model's name holds the control character {printable(found.group())}: "
                "a name is printed, and such a character would act on the terminal",
                code=codes.CONTROL_CHARACTER,
            )
        return v

    @field_validator("graphspec", mode="before")
    @classmethod
    def _version(cls, v: Any) -> Any:
        if v != 1 or isinstance(v, bool) or not isinstance(v, int):
            raise Problem(
                f"unsupported version {v!r}: this graphspec reads version 1 (write `graphspec: 1`)",
                code=codes.UNSUPPORTED_VERSION,
            )
        return v


Shared.model_rebuild()
