"""Static parameter counts of Keras layers: class name → its weights (Keras's build() in Python)."""

from __future__ import annotations

from collections.abc import Callable
from math import prod
from typing import Any

from graphspec.ir import LayerIR, value_class
from graphspec.shapes.core import Call, Shape, Undecided, channels_last, ints, shape, split
from graphspec.shapes.rules import make_call


@value_class
class Count:
    """Parameters of one callable, as Keras counts them: trainable and non-trainable."""

    trainable: int = 0
    non_trainable: int = 0

    @property
    def total(self) -> int:
        return self.trainable + self.non_trainable

    def __add__(self, other: Count) -> Count:
        return Count(self.trainable + other.trainable, self.non_trainable + other.non_trainable)

    def frozen(self) -> Count:
        """The same weights under `trainable: false`: every one non-trainable."""
        return Count(0, self.total)


ZERO = Count()
ParamRule = Callable[[Call], Count]

UNCOVERED = ("lora_rank", "quantization_config")
"""Constructor arguments that change a layer's weights in ways no rule here follows."""


def layer_count(layer: LayerIR, inputs: Any, kwargs: dict[str, Any]) -> Count:
    """The parameters of `layer` built on `inputs` (shapes); Undecided when not known."""
    if layer.custom or layer.class_name not in PARAMS:
        raise Undecided
    if any(layer.kwargs.get(k) is not None for k in UNCOVERED):
        raise Undecided
    dtype = layer.kwargs.get("dtype")
    if dtype is not None and (not isinstance(dtype, str) or "int" in dtype or "8" in dtype):
        raise Undecided  # a quantized dtype policy has weights of its own
    count = PARAMS[layer.class_name](make_call(layer, inputs, kwargs))
    trainable = layer.kwargs.get("trainable", True)
    if not isinstance(trainable, bool):
        raise Undecided
    return count if trainable else count.frozen()


# ---- helpers ---------------------------------------------------------------------------------


def known(value: int | None) -> int:
    """A size the count needs: Undecided when the shape leaves it unknown."""
    if value is None:
        raise Undecided
    return value


def flag(call: Call, name: str, default: bool) -> int:
    """A boolean constructor argument as 0 or 1."""
    value = call.arg(name, default)
    if not isinstance(value, bool):
        raise Undecided
    return int(value)


def axes(call: Call, s: Shape, default: Any = -1) -> list[int]:
    """The sizes on the layer's `axis` (an int or a list of ints), each known."""
    given = call.arg("axis", default)
    chosen = given if isinstance(given, list | tuple) else [given]
    if not all(type(a) is int and -len(s) <= a < len(s) for a in chosen):
        raise Undecided
    return [known(s[a]) for a in chosen]


def channels(call: Call) -> int:
    """The size of a convolution input's channels axis."""
    return known(split(shape(call.x), channels_last(call))[1])


def nested(call: Call, key: str, inputs: Any) -> Count:
    """The parameters of a wrapper's inner layer (`layer`, `cell`, `backward_layer`)."""
    inner = call.args.get(key)
    if not isinstance(inner, LayerIR):
        raise Undecided
    return layer_count(inner, inputs, {})


def step(call: Call) -> Shape:
    """One time step of a sequence input: the shape an inner layer or cell is built on."""
    s = shape(call.x)
    if len(s) < 3:
        raise Undecided
    return (s[0], *s[2:])


# ---- rules -----------------------------------------------------------------------------------


def no_weights(call: Call) -> Count:
    return ZERO


def dense(call: Call) -> Count:
    units = ints(call.arg("units"), 1)[0]
    inputs = known(shape(call.x)[-1])
    return Count(inputs * units + units * flag(call, "use_bias", True))


def embedding(call: Call) -> Count:
    return Count(ints(call.arg("input_dim"), 1)[0] * ints(call.arg("output_dim"), 1)[0])


def conv(rank: int, kind: str = "conv") -> ParamRule:
    """Conv, ConvTranspose, SeparableConv and DepthwiseConv of `rank` spatial axes."""

    def rule(call: Call) -> Count:
        window = prod(ints(call.arg("kernel_size"), rank))
        c = channels(call)
        if kind == "depthwise":
            out = c * ints(call.arg("depth_multiplier", 1), 1)[0]
            return Count(window * out + out * flag(call, "use_bias", True))
        filters = ints(call.arg("filters"), 1)[0]
        bias = filters * flag(call, "use_bias", True)
        if kind == "separable":
            mid = c * ints(call.arg("depth_multiplier", 1), 1)[0]
            return Count(window * mid + mid * filters + bias)
        groups = ints(call.arg("groups", 1), 1)[0] if kind == "conv" else 1
        if groups <= 0 or c % groups:
            raise Undecided
        return Count(window * (c // groups) * filters + bias)

    return rule


def batch_normalization(call: Call) -> Count:
    [size] = axes(call, shape(call.x))
    learned = flag(call, "scale", True) + flag(call, "center", True)
    tracked = 2 + 3 * flag(call, "renorm", False)
    return Count(size * learned, size * tracked)


def layer_normalization(call: Call) -> Count:
    size = prod(axes(call, shape(call.x)))
    rms = flag(call, "rms_scaling", False)
    gamma = 1 if flag(call, "scale", True) or rms else 0
    beta = flag(call, "center", True) * (1 - rms)
    return Count(size * (gamma + beta))


def group_normalization(call: Call) -> Count:
    [size] = axes(call, shape(call.x))
    return Count(size * (flag(call, "scale", True) + flag(call, "center", True)))


def rms_normalization(call: Call) -> Count:
    return Count(prod(axes(call, shape(call.x))))


def normalization(call: Call) -> Count:
    """Keras's Normalization: mean, variance and count, unless `mean` and `variance` are given."""
    if call.arg("mean") is not None:
        return ZERO
    kept = [] if call.arg("axis", -1) is None else axes(call, shape(call.x))
    return Count(0, 2 * prod(kept) + 1)


def prelu(call: Call) -> Count:
    s = list(shape(call.x)[1:])
    shared = call.arg("shared_axes")
    for a in [] if shared is None else shared if isinstance(shared, list | tuple) else [shared]:
        if type(a) is not int or not 1 <= a <= len(s):
            raise Undecided
        s[a - 1] = 1
    return Count(prod(known(d) for d in s))


GATES = {"LSTM": 4, "LSTMCell": 4, "GRU": 3, "GRUCell": 3, "SimpleRNN": 1, "SimpleRNNCell": 1}
"""How many weight matrices each recurrent layer (or cell) has per unit."""


def recurrent(call: Call) -> Count:
    """LSTM, GRU, SimpleRNN and their cells: kernel, recurrent kernel, bias."""
    units = ints(call.arg("units"), 1)[0]
    gates = GATES[call.layer]
    inputs = known(shape(call.x)[-1])
    biases = 2 if gates == 3 and flag(call, "reset_after", True) else 1
    bias = biases * gates * units * flag(call, "use_bias", True)
    return Count(gates * units * (inputs + units) + bias)


def conv_lstm(rank: int) -> ParamRule:
    def rule(call: Call) -> Count:
        window = prod(ints(call.arg("kernel_size"), rank))
        filters = ints(call.arg("filters"), 1)[0]
        c = known(split(step(call), channels_last(call))[1])
        bias = 4 * filters * flag(call, "use_bias", True)
        return Count(window * 4 * filters * (c + filters) + bias)

    return rule


def rnn(call: Call) -> Count:
    return nested(call, "cell", step(call))


def bidirectional(call: Call) -> Count:
    forward = nested(call, "layer", call.x)
    if call.args.get("backward_layer") is None:
        return forward + forward
    return forward + nested(call, "backward_layer", call.x)


def time_distributed(call: Call) -> Count:
    return nested(call, "layer", step(call))


def multi_head_attention(call: Call) -> Count:
    """MultiHeadAttention.build: query, key, value (and gate) projections, then the output."""
    query = known(shape(call.inputs.get("query"))[-1])
    value = known(shape(call.inputs.get("value"))[-1])
    key_input = call.inputs.get("key")
    key = value if key_input is None else known(shape(key_input)[-1])
    heads = ints(call.arg("num_heads"), 1)[0]
    key_dim = ints(call.arg("key_dim"), 1)[0]
    value_dim = key_dim if call.arg("value_dim") is None else ints(call.arg("value_dim"), 1)[0]
    size = call.arg("output_shape")
    out = query if size is None else prod(ints(size, 1 if type(size) is int else len(size)))
    b = flag(call, "use_bias", True)
    gate = flag(call, "use_gate", False) * heads * value_dim * (query + b)
    projections = heads * key_dim * (query + key + 2 * b) + heads * value_dim * (value + b)
    return Count(projections + gate + heads * value_dim * out + out * b)


def attention(call: Call) -> Count:
    concat = call.arg("score_mode", "dot") == "concat"
    return Count(flag(call, "use_scale", False) + concat)


def additive_attention(call: Call) -> Count:
    given = call.x
    if not isinstance(given, list) or not given:
        raise Undecided
    return Count(flag(call, "use_scale", True) * known(shape(given[0])[-1]))


def layer_scale(call: Call) -> Count:
    return Count(ints(call.arg("projection_dim"), 1)[0])


def _family(names: str, rule: ParamRule) -> dict[str, ParamRule]:
    return dict.fromkeys(names.split(), rule)


def _sizes(*patterns: str) -> str:
    return " ".join(p.format(n=n) for p in patterns for n in (1, 2, 3))


PARAMS: dict[str, ParamRule] = {
    **_family(
        "Activation ActivityRegularization AlphaDropout Dropout ELU GaussianDropout "
        "GaussianNoise Identity LeakyReLU Masking ReLU Rescaling Softmax UnitNormalization "
        "Flatten Reshape RepeatVector Permute Add Multiply Average Maximum Minimum Subtract "
        "Concatenate Dot Resizing CenterCrop CategoryEncoding Hashing CustomScaleLayer "
        "StochasticDepth "
        + _sizes(
            "SpatialDropout{n}D",
            "MaxPooling{n}D",
            "AveragePooling{n}D",
            "MaxPool{n}D",
            "AvgPool{n}D",
            "GlobalMaxPooling{n}D",
            "GlobalAveragePooling{n}D",
            "GlobalMaxPool{n}D",
            "GlobalAvgPool{n}D",
            "AdaptiveMaxPooling{n}D",
            "AdaptiveAveragePooling{n}D",
            "ZeroPadding{n}D",
            "Cropping{n}D",
            "UpSampling{n}D",
        ),
        no_weights,
    ),
    "Dense": dense,
    "Embedding": embedding,
    **{f"{p}{n}D": conv(n) for n in (1, 2, 3) for p in ("Conv", "Convolution")},
    **{
        f"{p}{n}DTranspose": conv(n, "transpose")
        for n in (1, 2, 3)
        for p in ("Conv", "Convolution")
    },
    **{f"Separable{p}{n}D": conv(n, "separable") for n in (1, 2) for p in ("Conv", "Convolution")},
    **{f"DepthwiseConv{n}D": conv(n, "depthwise") for n in (1, 2)},
    "BatchNormalization": batch_normalization,
    "LayerNormalization": layer_normalization,
    "GroupNormalization": group_normalization,
    "RMSNormalization": rms_normalization,
    "Normalization": normalization,
    "PReLU": prelu,
    **_family(" ".join(GATES), recurrent),
    **{f"ConvLSTM{n}D": conv_lstm(n) for n in (1, 2, 3)},
    "RNN": rnn,
    "Bidirectional": bidirectional,
    "TimeDistributed": time_distributed,
    "MultiHeadAttention": multi_head_attention,
    "Attention": attention,
    "AdditiveAttention": additive_attention,
    "LayerScale": layer_scale,
}
"""Keras layer class name → its static parameter rule (a new layer family: one function here)."""
