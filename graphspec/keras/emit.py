"""Stage 5, emit: the ordered graph IR → a keras.Model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphspec.caps import DEFAULT_MAX_PARAMS
from graphspec.catalog import registry
from graphspec.diagnostics import (
    BuildError,
    Code,
    Diagnostic,
    SpecPath,
    codes,
    sorted_diagnostics,
    suggest,
)
from graphspec.ir import (
    ApplicationIR,
    GraphIR,
    LayerIR,
    Named,
    NodeIR,
    OpIR,
    Origin,
    OutputIR,
    Program,
    SequentialIR,
    Use,
)
from graphspec.keras import compat
from graphspec.keras.budget import count_declared, over_budget
from graphspec.keras.compile import TrainingObjectError, TrainingObjectErrors, compile_model

_MODULES = {
    "initializers": "initializers",
    "regularizers": "regularizers",
    "constraints": "constraints",
    "activations": "activations",
    "losses": "losses",
    "metrics": "metrics",
    "optimizers": "optimizers",
}


def _short(e: BaseException) -> str:
    """Keras's own message, on one line, without the long call-argument dump."""
    text = str(e).strip() or type(e).__name__
    text = text.split("\n\nArguments received by", 1)[0]
    return " ".join(text.split())


def shape_of(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(shape_of(v) for v in value) + "]"
    shape = getattr(value, "shape", None)
    return str(tuple(shape)) if shape is not None else type(value).__name__


class Emitter:
    """Builds Keras objects for one program; shared callables are built once and reused."""

    def __init__(self, program: Program, custom_objects: Mapping[str, Any]) -> None:
        self.keras = compat.keras()
        self.program = program
        self.custom = dict(custom_objects)
        self.built: dict[str, Any] = {}

    def fail(
        self,
        origin: Origin,
        message: str,
        cause: BaseException,
        code: Code,
        path: SpecPath | None = None,
    ) -> BuildError:
        error = BuildError(origin.diagnostic(message, code=code, path=path))
        error.__cause__ = cause
        return error

    # ---- objects ------------------------------------------------------------------------

    def value(self, v: Any, owner: str, key: str) -> Any:
        """A constructor argument: nested layers and named Keras objects become objects."""
        if isinstance(v, LayerIR):
            return self.layer(v, f"{owner}_{key}")
        if isinstance(v, Named):
            return self.named(v)
        if isinstance(v, list):  # a list of layers: each named by its place
            return [self.value(x, owner, f"{key}_{i}") for i, x in enumerate(v)]
        return v

    def named(self, n: Named) -> Any:
        """A Keras name stays a name (Keras resolves it); with arguments, the class is called."""
        if not n.kwargs:
            return n.name
        module = getattr(self.keras, _MODULES[n.kind])
        public = {k.lower(): getattr(module, k) for k in dir(module) if not k.startswith("_")}
        cls = public.get(n.name.lower())
        if isinstance(cls, type):
            return cls(**dict(n.kwargs))
        return module.get({"class_name": n.name, "config": dict(n.kwargs)})

    def layer_class(self, ir: LayerIR) -> Any:
        """The class: a custom object, a layer keras.applications defines, or keras.layers'."""
        if ir.custom:
            return self.custom[ir.class_name]
        info = registry.layer(ir.class_name)
        if info is not None and info.module is not None:
            return compat.application_layer(info.module, ir.class_name)
        return getattr(self.keras.layers, ir.class_name)

    def layer(self, ir: LayerIR, name: str) -> Any:
        cls = self.layer_class(ir)
        try:
            args = [self.value(a, name, str(i)) for i, a in enumerate(ir.args)]
            kwargs = {k: self.value(v, name, k) for k, v in ir.kwargs.items()}
            return cls(*args, name=name, **kwargs)
        except BuildError:
            raise
        except Exception as e:
            raise self.fail(
                ir.origin,
                f"Keras refused to construct {ir.class_name}: {_short(e)}",
                e,
                codes.KERAS_REFUSED_LAYER,
            ) from e

    def shared(self, use: Use, first: Any = None) -> Any:
        """The shared callable, built at its first call (`first`: the value it is called on)."""
        if use.key not in self.built:
            entry = self.program.shared[use.key]
            if isinstance(entry, LayerIR):
                built = self.layer(entry, use.shared_id)
            elif isinstance(entry, ApplicationIR):
                built = self.application(entry, use.shared_id)
            elif isinstance(entry, SequentialIR):
                built = self.sequential(entry, use.shared_id, first)
            else:
                built = self.model(entry.graph)
            if not isinstance(entry, LayerIR) and entry.trainable is not None:
                built.trainable = entry.trainable  # every weight of the callable
            self.built[use.key] = built
        return self.built[use.key]

    def application(self, ir: ApplicationIR, name: str) -> Any:
        """The application under Keras's own name (its layers' names are Keras's, and
        EfficientNetV2 looks its blocks up by it), renamed by its shared id; with `outputs:`,
        the model from its input to those inner layers' outputs."""
        factory = getattr(self.keras.applications, ir.name)
        try:
            app = factory(**ir.kwargs)
        except Exception as e:
            raise self.fail(
                ir.origin,
                f"Keras refused to construct application {ir.name}: {_short(e)}",
                e,
                codes.KERAS_REFUSED_APPLICATION,
            ) from e
        if ir.outputs:
            picked = partial_outputs(app, ir)
            return self.keras.Model(app.input, picked[0] if len(picked) == 1 else picked, name=name)
        app.name = name
        return app

    def sequential(self, ir: SequentialIR, name: str, first: Any) -> Any:
        """A keras.Sequential named by its shared id; its layers `ID_1`, `ID_2`, …, after an
        input `ID_input` of the shape of the first value it is called on (what Keras would
        make at that call, under a name of its process-wide counter)."""
        made = [self.layer(layer, f"{name}_{k}") for k, layer in enumerate(ir.layers, 1)]
        if getattr(first, "shape", None) is not None and not isinstance(first, list | tuple):
            source = self.keras.Input(
                batch_shape=tuple(first.shape), dtype=first.dtype, name=f"{name}_input"
            )
            made = [source, *made]
        return self.keras.Sequential(made, name=name)

    def op(self, node: NodeIR, op: OpIR, tensors: dict[str, Any]) -> Any:
        """`keras.ops.<name>(*tensors, *args, **kwargs)`, its operation named `op.keras_name`."""
        assert isinstance(node.inputs, list)  # an op's tensor arguments, in order
        values = [self.fetch(v, tensors, node) for v in node.inputs]
        try:
            result = getattr(self.keras.ops, op.name)(*values, *op.args, **op.kwargs)
        except Exception as e:
            raise self.fail(
                node.origin,
                f"Keras refused keras.ops.{op.name} with inputs "
                f"{_describe(node.inputs, tensors)}: {_short(e)}",
                e,
                codes.KERAS_REFUSED_CALL,
            ) from e
        compat.name_operation(result, list(self.keras.tree.flatten(values)), op.keras_name)
        return result

    # ---- graphs -------------------------------------------------------------------------

    def model(self, graph: GraphIR) -> Any:
        keras = self.keras
        tensors: dict[str, Any] = {}
        inputs = []
        for i in graph.inputs:
            try:
                tensor = keras.Input(
                    shape=i.shape,
                    dtype=i.dtype,
                    batch_size=i.batch_size,
                    sparse=i.sparse,
                    name=i.id,
                )
            except Exception as e:
                raise self.fail(
                    i.origin, f"Keras refused the input: {_short(e)}", e, codes.KERAS_REFUSED_INPUT
                ) from e
            tensors[i.id] = tensor
            inputs.append(tensor)
        for node in graph.nodes:
            tensors[node.id] = self.call(node, tensors)
        outputs = [self.output(o, tensors) for o in graph.outputs]
        try:
            return keras.Model(
                inputs[0] if len(inputs) == 1 else inputs,
                outputs[0] if len(outputs) == 1 else outputs,
                name=graph.name,
            )
        except Exception as e:
            origin = graph.origin or graph.outputs[0].origin
            raise self.fail(
                origin,
                f"Keras refused to make the model: {_short(e)}",
                e,
                codes.KERAS_REFUSED_MODEL,
            ) from e

    def fetch(self, tree: Any, tensors: dict[str, Any], node: NodeIR) -> Any:
        if isinstance(tree, dict):
            return {k: self.fetch(v, tensors, node) for k, v in tree.items()}
        if isinstance(tree, list):
            return [self.fetch(v, tensors, node) for v in tree]
        value = tensors[tree.target]
        if tree.index is None:
            return value
        if not isinstance(value, list | tuple) and tree.index == 0:
            return value  # a one-output callable: output 0 is its output
        if not isinstance(value, list | tuple) or tree.index >= len(value):
            count = len(value) if isinstance(value, list | tuple) else 1
            raise BuildError(
                node.origin.diagnostic(
                    tree.past_outputs(count),
                    path=(*node.origin.path, "inputs"),
                    code=codes.NO_SUCH_OUTPUT,
                )
            )
        return value[tree.index]

    def call(self, node: NodeIR, tensors: dict[str, Any]) -> Any:
        if isinstance(node.callable, OpIR):
            return self.op(node, node.callable, tensors)
        value = self.fetch(node.inputs, tensors, node)
        fn = (
            self.layer(node.callable, node.id)
            if isinstance(node.callable, LayerIR)
            else self.shared(node.callable, value)
        )
        try:
            if isinstance(value, dict):
                return fn(**value, **node.call)
            return fn(value, **node.call)
        except BuildError:
            raise
        except Exception as e:
            raise self.fail(
                node.origin,
                f"Keras refused the call with inputs "
                f"{_describe(node.inputs, tensors)}: {_short(e)}",
                e,
                codes.KERAS_REFUSED_CALL,
            ) from e

    def output(self, o: OutputIR, tensors: dict[str, Any]) -> Any:
        """The output tensor, renamed by an Identity layer when its producer has another name."""
        tensor = tensors[o.ref.target]
        if o.ref.index is not None:
            tensor = tensor[o.ref.index]
        if compat.producer_name(tensor) == o.id:
            return tensor
        return self.keras.layers.Identity(name=o.id)(tensor)


def partial_outputs(app: Any, ir: ApplicationIR) -> list[Any]:
    """The outputs of the application's inner layers `ir.outputs`; a BuildError naming the
    first it lacks, with a suggestion among its layers."""
    names = [layer.name for layer in app.layers]
    found = []
    for i, name in enumerate(ir.outputs or ()):
        if name not in names:
            raise BuildError(
                ir.origin.diagnostic(
                    f"application {ir.name} has no layer '{name}'{suggest(name, names)}",
                    path=(*ir.origin.path, "outputs", i),
                    code=codes.UNKNOWN_APPLICATION_LAYER,
                )
            )
        found.append(app.get_layer(name).output)
    return found


def _describe(tree: Any, tensors: dict[str, Any]) -> str:
    if isinstance(tree, dict):
        return "{" + ", ".join(f"{k}: {_describe(v, tensors)}" for k, v in tree.items()) + "}"
    if isinstance(tree, list):
        return "[" + ", ".join(_describe(v, tensors) for v in tree) + "]"
    value = tensors.get(tree.target)
    if tree.index is not None and isinstance(value, list | tuple) and tree.index < len(value):
        value = value[tree.index]
    return f"{tree} {shape_of(value)}"


def emit(
    program: Program,
    custom_objects: Mapping[str, Any] | None = None,
    max_params: int = DEFAULT_MAX_PARAMS,
) -> Any:
    """Build the program's model; refuse it before allocating weights when over budget."""
    emitter = Emitter(program, custom_objects or {})
    with compat.declared_only():  # weights declared, not allocated
        model = emitter.model(program.graph)
        declared = count_declared(model)
        if declared > max_params:
            raise over_budget(program.graph, model, declared, max_params)
    compat.allocate_declared(model)
    if program.compile is not None:
        try:
            compile_model(emitter.named, model, program.compile, emitter.keras)
        except TrainingObjectErrors as e:
            raise BuildError(sorted_diagnostics(refused(program, x) for x in e.errors)) from e
        except Exception as e:
            origin = (
                Origin(program.graph.origin.doc, ("compile",))
                if program.graph.origin
                else program.graph.outputs[0].origin
            )
            raise emitter.fail(
                origin, f"Keras refused to compile: {_short(e)}", e, codes.KERAS_REFUSED_TO_COMPILE
            ) from e
    return model


def refused(program: Program, e: TrainingObjectError) -> Diagnostic:
    """The diagnostic of an optimizer, loss or metric Keras could not make or use."""
    origin, path = written_at(program, e.named)
    message = (
        f"{e.what}: {_short(e.cause)}" if str(e.cause) else f"{e.what} ({type(e.cause).__name__})"
    )
    return origin.diagnostic(message, path=path, code=codes.KERAS_REFUSED_TRAINING_OBJECT)


def written_at(program: Program, n: Named) -> tuple[Origin, SpecPath]:
    """Where the optimizer, loss or metric `n` was written: on its output, else in `compile:`."""
    for o in program.graph.outputs:
        if o.loss is n:
            return o.origin, (*o.origin.path, "loss")
        for i, m in enumerate(o.metrics):
            if m is n:
                return o.origin, (*o.origin.path, "metrics", i)
    doc = program.graph.origin.doc if program.graph.origin else program.graph.outputs[0].origin.doc
    key = {"optimizers": "optimizer", "losses": "loss", "metrics": "metrics"}[n.kind]
    return Origin(doc, ("compile", key)), ("compile", key)
