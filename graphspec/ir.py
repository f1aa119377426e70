"""The graph IR: what resolve produces, order sorts and emit turns into Keras objects."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar, cast

from typing_extensions import dataclass_transform

from graphspec.diagnostics import BlockUse, Code, Diagnostic, SpecPath
from graphspec.syntax.document import Document

_T = TypeVar("_T")


@dataclass_transform(frozen_default=True)
def value_class(cls: type[_T]) -> type[_T]:
    """A dataclass that is frozen to the type checker (mypy strict rejects assigning a field)
    and equal and hashed by its fields, as a frozen one is, but made without frozen's
    object.__setattr__ per field: four times as fast to make, and resolve makes an Origin and a
    Ref for every node."""
    return dataclass(slots=True, unsafe_hash=True)(cls)


@value_class
class Origin:
    """Where an IR element was written, and through which block uses it was reached."""

    doc: Document
    path: SpecPath
    uses: tuple[BlockUse, ...] = ()
    id: str | None = None

    def diagnostic(
        self,
        message: str,
        *,
        code: Code,
        path: SpecPath | None = None,
        key: bool = False,
        severity: str = "error",
        hint: str = "",
    ) -> Diagnostic:
        """A diagnostic about this element: `ID: MESSAGE`, reached through its block uses."""
        where = self.path if path is None else path
        return self.doc.diagnostic(
            where,
            f"{self.id}: {message}" if self.id else message,
            code=code,
            id=self.id,
            key=key,
            severity=severity,
            hint=hint,
            uses=self.uses,
        )

    def adopt(self, d: Diagnostic) -> Diagnostic:
        """A diagnostic made without this element's label (a schema error inside it), as one
        about the element: `ID: MESSAGE`, reached through its block uses."""
        return replace(
            d, message=f"{self.id}: {d.message}" if self.id else d.message, uses=self.uses
        )

    def label(self) -> str:
        """The element as a message names it: its block uses, then its id."""
        return "".join(f"{use} → " for use in self.uses) + (self.id or "")


@value_class
class Ref:
    """One value in the flat graph: node `target`'s output, or its output number `index`."""

    target: str
    index: int | None = None

    def __str__(self) -> str:
        return self.target if self.index is None else f"{self.target}.{self.index}"

    def past_outputs(self, count: int) -> str:
        """The message for an index past the `count` outputs of its target (NO_SUCH_OUTPUT)."""
        outputs = f"{count} output{'s' if count != 1 else ''}"
        return f"'{self}': '{self.target}' has {outputs}, so there is no output {self.index}"


RefTree = Ref | list["RefTree"]
"""A bare id of a multi-output block resolves to a list of refs."""

InputsIR = RefTree | dict[str, RefTree]


@dataclass(slots=True)
class LayerIR:
    """A new Keras layer: class name, positional and keyword constructor arguments. Layers
    configured alike share their `args` and `kwargs` (one list and dict for the 50,000 nodes
    a spec may have): no stage changes them."""

    class_name: str
    args: list[Any]
    kwargs: dict[str, Any]
    origin: Origin
    custom: bool = False
    config: int | None = field(default=None, compare=False, repr=False)
    """The number resolve gives the layer's configuration, its class and arguments as written,
    where every argument is a plain value (resolve.nodes.checked_layer): layers with equal
    numbers are configured alike, so a later stage may compute what depends on the
    configuration alone once per number (a number hashes at once; the key it stands for
    would be hashed again at every node)."""


@dataclass(frozen=True)
class Named:
    """A Keras object given by name with keyword arguments (`{name: HeNormal, seed: 1}`)."""

    kind: str
    name: str
    kwargs: tuple[tuple[str, Any], ...] = ()


@dataclass
class ApplicationIR:
    """A keras.applications model, constructed with the given keyword arguments; with
    `outputs`, the callable returns those inner layers' outputs instead."""

    name: str
    kwargs: dict[str, Any]
    origin: Origin
    outputs: list[str] | None = None
    trainable: bool | None = None


@dataclass
class SubGraphIR:
    """A sub-model: an inline `graph:` or an included `spec:` file."""

    graph: GraphIR
    origin: Origin
    trainable: bool | None = None


@dataclass
class SequentialIR:
    """A keras.Sequential of layers (`sequential:`), named by its shared id."""

    layers: list[LayerIR]
    origin: Origin
    trainable: bool | None = None


SharedIR = LayerIR | ApplicationIR | SubGraphIR | SequentialIR


@dataclass(slots=True)
class OpIR:
    """One call of `keras.ops.<name>`: the node's inputs are its tensor arguments (each a
    value, or a list for a list argument), then `args`; `kwargs` are constant keywords.
    `keras_name` names the operation in the model (the node's id, see docs/language.md)."""

    name: str
    args: list[Any]
    kwargs: dict[str, Any]
    origin: Origin
    keras_name: str


@dataclass(slots=True)
class Use:
    """A call of the shared callable registered under `key`."""

    key: str
    shared_id: str


@dataclass(slots=True)
class NodeIR:
    """One call in the flat graph; `id` is unique and is the Keras name of a new layer."""

    id: str
    callable: LayerIR | Use | OpIR
    inputs: InputsIR
    call: dict[str, Any]
    """Keyword arguments of the call (`call:`): a new layer's is its spec node's own dict, one
    for every copy of a block or repeat (no stage changes it)."""
    origin: Origin
    order: int = 0

    def references(self) -> list[Ref]:
        if type(self.inputs) is Ref:  # one input (most nodes)
            return [self.inputs]
        if type(self.inputs) is list and all(type(v) is Ref for v in self.inputs):
            return cast(list[Ref], list(self.inputs))  # a list of inputs (an Add's)
        found: list[Ref] = []
        _collect(self.inputs, found)
        return found


def _collect(tree: Any, found: list[Ref]) -> None:
    if isinstance(tree, Ref):
        found.append(tree)
    elif isinstance(tree, dict):
        for v in tree.values():
            _collect(v, found)
    elif isinstance(tree, list):
        for v in tree:
            _collect(v, found)


@dataclass
class InputIR:
    id: str
    shape: tuple[int | None, ...]
    dtype: str
    batch_size: int | None
    sparse: bool
    origin: Origin


@dataclass
class OutputIR:
    """A model output: its id (the output's name) and the value it is."""

    id: str
    ref: Ref
    loss: Named | None
    loss_weight: float | None
    metrics: list[Named]
    origin: Origin


@dataclass
class GraphIR:
    """A flat graph: no blocks, no repeats, every reference resolved to a node or input."""

    name: str
    inputs: list[InputIR]
    nodes: list[NodeIR]
    outputs: list[OutputIR]
    shared: dict[str, SharedIR] = field(default_factory=dict)
    output_names: list[str] = field(default_factory=list)
    origin: Origin | None = None
    depth: int | None = None
    """Its longest chain of calls from an input, where ordering found it (None: not known)."""


@dataclass
class CompileIR:
    optimizer: Named
    loss: Named | dict[str, Named] | None
    loss_weights: dict[str, float]
    metrics: dict[str, list[Named]]
    flags: dict[str, Any]


@dataclass
class Program:
    """Everything a build needs: the top graph, every shared callable, compile settings."""

    graph: GraphIR
    shared: dict[str, SharedIR]
    compile: CompileIR | None
    warnings: list[Diagnostic] = field(default_factory=list)

    def graphs(self) -> list[GraphIR]:
        """The top graph, then each sub-model's (`graph:` and `spec:` shared entries)."""
        return [self.graph, *(s.graph for s in self.shared.values() if isinstance(s, SubGraphIR))]

    def shared_calls(self) -> Counter[str]:
        """How many nodes call each shared callable (by key), in every graph of the program."""
        return Counter(
            n.callable.key for g in self.graphs() for n in g.nodes if isinstance(n.callable, Use)
        )
