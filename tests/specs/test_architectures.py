"""The specs in specs/architectures/ are the keras.applications models, layer for layer.

Each spec is built with ``graphspec.build`` and compared with its twin,
``keras.applications.<Name>(weights=None)`` with the default classifier top:

(a) the same total / trainable / non-trainable parameter counts (and the spec's own
    ``expect:`` figures agree with the twin);
(b) the same input and output shapes and the same multiset of layer classes;
(c) the same function: the twin's weights (randomised first, so that BatchNormalization
    statistics are not the trivial 0/1) are copied onto the spec's model layer by layer
    and both models give the same features and predictions on a random batch.

The layer correspondence of (c) never uses layer names (the names of layers expanded from
blocks and ``repeat`` are the compiler's business): both functional graphs are walked in
one canonical order, a depth-first post-order from the outputs through every layer's
inbound tensors in call order. Two graphs that are isomorphic, with the same input order
into every merge layer, give the same sequence of layers.

Every model is built once per spec (a module-scoped, parametrised fixture: pytest runs all
tests of one spec, then frees it before building the next).
"""

from __future__ import annotations

import gc
from collections import Counter

import keras
import numpy as np
import pytest
import yaml

import graphspec
from tests.conftest import ROOT

SPEC_DIR = ROOT / "specs" / "architectures"
SPECS = sorted(SPEC_DIR.glob("*.yaml"))

# spec file stem -> keras.applications constructor of its twin
TWINS = {
    "resnet50": "ResNet50",
    "inception_v3": "InceptionV3",
    "mobilenet_v2": "MobileNetV2",
    "densenet121": "DenseNet121",
    "vgg16": "VGG16",
    "xception": "Xception",
}

BATCH = 2


def _producer(tensor):
    """The layer that produced a Keras symbolic tensor, and the node of that call."""
    layer, node_index, _ = tensor._keras_history
    return layer, layer._inbound_nodes[node_index]


def _output_identities(model):
    """graphspec's ``Identity`` layers that only give an output its id as name.

    The contract lets the compiler add an ``Identity`` layer named by the output id where
    the producing layer's own name differs (e.g. the end of a block). It has no weights
    and does nothing; the twin has no such layer, so it is the one thing left out of the
    comparison. (None of these specs needs one: every output is a plain ``layer:`` node.)
    """
    found = set()
    for tensor in model.outputs:
        layer, _ = _producer(tensor)
        if type(layer).__name__ == "Identity":
            found.add(id(layer))
    return found


def canonical_graph(model):
    """Layers in a name-independent canonical order, and each one's incoming edges.

    Iterative depth-first post-order from the model's outputs (in output order) through
    each call's inbound tensors (in call order); output ``Identity`` layers left out.
    Returns ``(layers, edges)``: ``edges[i]`` lists, in call order, the canonical
    positions of the layers whose outputs layer ``i`` takes as inputs.
    """
    skip = _output_identities(model)
    order, done, parents = [], set(), {}
    stack = [(t, False) for t in reversed(model.outputs)]
    while stack:
        tensor, expanded = stack.pop()
        layer, node = _producer(tensor)
        if id(layer) in done:
            continue
        if expanded:
            done.add(id(layer))
            if id(layer) not in skip:
                order.append(layer)
            continue
        stack.append((tensor, True))
        inbound = list(node.input_tensors)
        parents[id(layer)] = [id(_producer(t)[0]) for t in inbound]
        for parent in reversed(inbound):
            if id(_producer(parent)[0]) not in done:
                stack.append((parent, False))
    position = {id(layer): i for i, layer in enumerate(order)}
    edges = [[position[p] for p in parents[id(layer)]] for layer in order]
    return order, edges


def canonical_layers(model):
    return canonical_graph(model)[0]


def layer_classes(model):
    skip = _output_identities(model)
    return Counter(type(layer).__name__ for layer in model.layers if id(layer) not in skip)


def _param_counts(model):
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    total = model.count_params()
    return total, trainable, total - trainable


def _randomise(model, seed=0):
    """Give every BatchNormalization non-trivial statistics and every bias a value."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        shape, leaf = tuple(w.shape), w.path.split("/")[-1]
        if leaf in ("gamma", "moving_variance"):
            w.assign(rng.uniform(0.5, 1.5, shape).astype("float32"))
        elif leaf in ("beta", "moving_mean", "bias"):
            w.assign(rng.normal(0.0, 0.1, shape).astype("float32"))


@pytest.fixture(scope="module", params=SPECS, ids=[p.stem for p in SPECS])
def pair(request):
    path = request.param
    assert path.stem in TWINS, f"add the keras.applications twin of {path.name} to TWINS"
    spec_model = graphspec.build(str(path))
    twin = getattr(keras.applications, TWINS[path.stem])(weights=None)
    yield path, spec_model, twin
    del spec_model, twin
    keras.backend.clear_session()
    gc.collect()


def test_every_spec_has_a_twin():
    assert SPECS, f"no specs in {SPEC_DIR}"
    assert sorted(TWINS) == sorted(p.stem for p in SPECS)


# (a) ---------------------------------------------------------------------------------
def test_same_parameter_counts(pair):
    _, spec_model, twin = pair
    assert _param_counts(spec_model) == _param_counts(twin)


def test_expect_section_matches_twin(pair):
    path, _, twin = pair
    expect = yaml.safe_load(path.read_text())["expect"]
    total, trainable, frozen = _param_counts(twin)
    assert expect["params"] == total
    assert expect["trainable_params"] == trainable
    assert expect["non_trainable_params"] == frozen
    (shape,) = expect["output_shapes"].values()
    assert tuple(shape) == tuple(twin.output.shape)


# (b) ---------------------------------------------------------------------------------
def test_same_shapes_and_layer_classes(pair):
    _, spec_model, twin = pair
    assert [tuple(t.shape) for t in spec_model.inputs] == [tuple(t.shape) for t in twin.inputs]
    assert [tuple(t.shape) for t in spec_model.outputs] == [tuple(t.shape) for t in twin.outputs]
    assert layer_classes(spec_model) == layer_classes(twin)


def _comparable_config(layer):
    config = dict(layer.get_config())
    config.pop("name", None)
    return config


def test_same_layers_in_canonical_order(pair):
    """The graphs are isomorphic: the same layers, with the same constructor arguments,
    joined by the same edges, in the same input order into every merge layer."""
    _, spec_model, twin = pair
    ours, our_edges = canonical_graph(spec_model)
    theirs, their_edges = canonical_graph(twin)
    assert [type(x).__name__ for x in ours] == [type(x).__name__ for x in theirs]
    assert our_edges == their_edges
    for position, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        if type(a).__name__ == "InputLayer":
            continue
        config_a, config_b = _comparable_config(a), _comparable_config(b)
        differing = {
            key: (config_a.get(key), config_b.get(key))
            for key in config_a.keys() | config_b.keys()
            if config_a.get(key) != config_b.get(key)
        }
        assert not differing, f"layer #{position} ({a.name} vs {b.name}): {differing}"


# (c) ---------------------------------------------------------------------------------
def test_same_function_with_copied_weights(pair):
    _, spec_model, twin = pair
    _randomise(twin)
    ours = [x for x in canonical_layers(spec_model) if x.weights]
    theirs = [x for x in canonical_layers(twin) if x.weights]
    assert len(ours) == len(theirs)
    for position, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        shapes_a = [tuple(w.shape) for w in a.weights]
        shapes_b = [tuple(w.shape) for w in b.weights]
        assert (type(a).__name__, shapes_a) == (type(b).__name__, shapes_b), (
            f"weighted layer #{position}: {a.name} vs {b.name}"
        )
        a.set_weights(b.get_weights())

    x = np.random.default_rng(1).uniform(-1.0, 1.0, (BATCH, *twin.input.shape[1:]))
    x = x.astype("float32")

    # The backbone's features (the input of the classifier) and the predictions.
    def probe(model, top):
        inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
        features = keras.Model(inputs, top.input)
        return np.asarray(features(x, training=False)), np.asarray(model(x, training=False))

    feat_a, pred_a = probe(spec_model, ours[-1])
    feat_b, pred_b = probe(twin, theirs[-1])
    scale = float(np.max(np.abs(feat_b)))
    assert scale > 0.0
    np.testing.assert_allclose(feat_a, feat_b, rtol=1e-4, atol=1e-5 * scale)
    np.testing.assert_allclose(pred_a, pred_b, rtol=1e-4, atol=1e-6)
