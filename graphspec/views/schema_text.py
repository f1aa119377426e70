"""The JSON Schema's words: hover text for every key (from the contract) and argument types."""

from __future__ import annotations

GRAPH = {
    "inputs": "Mapping id → input, e.g. `text: {shape: [null], dtype: int32}`. The model's "
    "inputs are a list in declaration order, each named by its id.",
    "nodes": "Mapping id → node, in any order. A node is one call of one callable "
    "(`layer:`, `use:` or `block:`) with its incoming edges under `inputs:`.",
    "outputs": "List of node ids, or mapping node id → `{loss, loss_weight, metrics}`; the "
    "model's outputs in the written order, each named by its id.",
    "shared": "Mapping id → callable built once (`layer:`, `application:`, `spec:` or "
    "`graph:`): every `use:` calls that one object, with the same weights.",
    "blocks": "Mapping id → parameterised template (`params`, `inputs`, `nodes`, `outputs`); "
    "fresh weights at every use.",
}
NOT_NAMED = "Not accepted: the id is the Keras name."
DESCRIPTIONS: dict[str, dict[str, str]] = {
    "Spec": {
        **GRAPH,
        "graphspec": "The format version: the integer 1.",
        "name": "The Keras model name (default: the file's stem).",
        "description": "Free text.",
        "compile": "Optimizer, model-wide loss and metrics; a spec with a loss or `compile:` "
        "is returned compiled (the optimizer defaults to rmsprop).",
        "fit": "Default training settings for `graphspec fit`.",
        "expect": "Facts about the built model that `graphspec check` verifies.",
    },
    "Graph": GRAPH,
    "Input": {
        "shape": "The shape without the batch axis; null is any length: `[null]`, `[250, 250, 3]`.",
        "dtype": "The input's dtype (default float32).",
        "batch_size": "A fixed batch size (default: any).",
        "sparse": "Whether the input is a sparse tensor (default false).",
    },
    "Node": {
        "layer": "A new Keras layer, by class name (`Dense`, `Conv2D`, `LSTM`, …); the node's "
        "other keys are its constructor keyword arguments.",
        "use": "Call the callable `shared.<id>` (the same weights at every use).",
        "block": "Expand the template `blocks.<id>` (new weights at every use); the node's "
        "other keys are block parameters.",
        "op": "Call the function `keras.ops.<name>` of the allow-list: `inputs` are its tensor "
        "arguments in order, `args` constant positional arguments after them, other keys "
        "constant keyword arguments.",
        "inputs": "The incoming edges: one reference → `layer(x)`; a list → `layer([a, b])`; a "
        "mapping → keyword call arguments `{query: a, value: b}`. A reference is an input or "
        "node id, `id.K` (output K) or `id.NAME` (a block's or sub-model's output).",
        "args": "Positional constructor arguments: `{layer: Conv2D, args: [128, 3]}`.",
        "call": "Extra literal keyword arguments for the call: `{use_causal_mask: true}`.",
        "repeat": "N copies in a chain, each with new weights (a `layer:` or `block:` node with "
        "one input and one output); the node's value is the last copy's output.",
        "name": "Not accepted: the node's id is its Keras name.",
    },
    "LayerSpec": {
        "layer": "A Keras layer class name; the other keys are its constructor keyword arguments.",
        "args": "Positional constructor arguments.",
        "name": "Not accepted: the layer is named after its node (`<node>_<argument>`).",
    },
    "Shared": {
        "layer": "One layer instance, by Keras class name; the other keys are its constructor "
        "keyword arguments.",
        "application": "A keras.applications model (`Xception`, `ResNet50`, …); needs "
        "`weights: null`.",
        "spec": "Another spec file as a sub-model, relative to this file (inside the top-level "
        "spec's directory); only its graph is used.",
        "graph": "An inline sub-model: `{inputs, nodes, outputs}`, with its own `shared` and "
        "`blocks` if it needs them.",
        "args": "Positional constructor arguments.",
        "sequential": "A keras.Sequential named by the shared id: a list of layers in the node "
        "syntax without `inputs` (`{layer: Conv2D, filters: 96, kernel_size: 4}`).",
        "trainable": "false freezes the callable: every weight of it is non-trainable.",
        "outputs": "On an `application:`: the inner layers whose outputs the callable returns, "
        "in order (`node.K`, `node.NAME` pick one).",
        "name": NOT_NAMED,
    },
    "Block": {
        "params": "Each parameter's default; one left empty (or null) must be given at every "
        "use. Written `$name` or `${expression}` in the block's values.",
        "inputs": "The formal inputs, by name.",
        "nodes": "The block's nodes (their ids are local to it); values may use `$name` and "
        "`${expression}`.",
        "outputs": "The block's outputs: a list of its inner ids.",
    },
    "OutputOptions": {
        "loss": "A Keras loss name or `{name: …, <keyword arguments>}`.",
        "loss_weight": "This output's weight in the total loss.",
        "metrics": "Keras metric names or `{name: …, <keyword arguments>}`.",
    },
    "Compile": {
        "optimizer": "A Keras optimizer name (default rmsprop) or `{name: adam, learning_rate: "
        "0.001}`.",
        "loss": "The model-wide loss (it applies to every output), or a mapping output id → loss.",
        "loss_weights": "Mapping output id → weight in the total loss.",
        "metrics": "Model-wide metrics (every output), or a mapping output id → list of metrics.",
        "run_eagerly": "Passed to Model.compile.",
        "jit_compile": "Passed to Model.compile.",
        "steps_per_execution": "Passed to Model.compile.",
    },
    "Fit": {
        "epochs": "Number of epochs (default 1).",
        "batch_size": "Batch size (default: Keras's, 32).",
        "validation_split": "Fraction of the data held out for validation (default 0).",
        "shuffle": "Whether to shuffle the data every epoch (default true).",
        "callbacks": "Keras callbacks: EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, "
        "CSVLogger, TensorBoard, TerminateOnNaN, by name or `{name: EarlyStopping, patience: 2}`.",
    },
    "Expect": {
        "params": "The model's total parameter count.",
        "trainable_params": "The trainable parameter count.",
        "non_trainable_params": "The non-trainable parameter count.",
        "output_shapes": "Mapping output id → shape with the batch axis, e.g. `[null, 10]`.",
    },
}
"""Hover text for the keys of each model, from the contract (docs/language.md for additions)."""

ARGUMENTS = {
    **dict.fromkeys(
        ("units", "filters", "input_dim", "output_dim", "num_heads", "key_dim", "head_dim"),
        "positive_integer",
    ),
    **dict.fromkeys(("n", "classes"), "positive_integer"),
    **dict.fromkeys(("rate", "dropout", "recurrent_dropout", "epsilon", "momentum"), "number"),
    **dict.fromkeys(
        ("axis", "kernel_size", "strides", "pool_size", "dilation_rate", "size"), "integers"
    ),
    **dict.fromkeys(("layer", "cell", "backward_layer"), "sublayer"),
    "include_top": "boolean",
    "input_shape": "shape",
    "data_format": "data_format",
    "padding": "padding",
    "merge_mode": "merge_mode",
    "pooling": "pooling",
}
"""Keyword arguments with the same simple type in every Keras layer (and application) that
takes them; tests/views/test_json_schema.py checks each against Keras's defaults."""

KINDS = {
    "activations": "activation",
    "initializers": "initializer",
    "regularizers": "regularizer",
    "constraints": "constraint",
}
"""registry.kind_of_keyword → the definition of such an argument."""
