"""The keras.ops functions an `op:` node may call (the allow-list), read without TensorFlow.

tools/gen_registry.py writes each allowed function's signature into keras_registry.json
(`ops`): its parameters in order, which ones the operation takes as tensors (the arguments of
its Operation's `call`; the others are constants given to its constructor), and the Keras
Operation class it makes. The families below name each function's static shape rule
(graphspec/shapes/ops.py); every function here is pure: no Python callable, no loop, no
file, no randomness, one operation per call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphspec.catalog import registry
from graphspec.diagnostics import Problem, codes, suggest


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FAMILIES: dict[str, tuple[str, ...]] = {
    "elementwise": _words(
        """
        abs absolute negative square sqrt rsqrt exp exp2 expm1 log log1p log2 log10 sin
        cos tan sinh cosh tanh arcsin arccos arctan arcsinh arccosh arctanh sign floor
        ceil round trunc reciprocal erf erfinv logical_not isnan isinf isfinite cbrt
        nan_to_num cast clip threshold stop_gradient
        """
    ),
    "activation": _words(
        """
        relu relu6 sigmoid hard_sigmoid hard_silu hard_swish silu swish gelu elu selu
        softplus softsign leaky_relu log_sigmoid celu hard_tanh tanh_shrink soft_shrink
        hard_shrink squareplus sparse_plus sparse_sigmoid
        """
    ),
    "along_axis": _words(
        """
        softmax log_softmax sparsemax normalize roll flip
        """
    ),
    "broadcast": _words(
        """
        add subtract multiply divide true_divide floor_divide mod power maximum minimum
        arctan2 hypot logaddexp equal not_equal greater greater_equal less less_equal
        logical_and logical_or logical_xor divide_no_nan heaviside
        """
    ),
    "reduction": _words(
        """
        sum mean max min prod std var amax amin all any logsumexp median argmax argmin
        norm count_nonzero
        """
    ),
    "shape": _words(
        """
        reshape transpose expand_dims squeeze moveaxis swapaxes tile repeat broadcast_to
        ravel pad slice cumsum cumprod tril triu glu one_hot
        """
    ),
    "combine": _words(
        """
        concatenate stack where matmul dot tensordot outer take take_along_axis
        """
    ),
    "several_outputs": _words(
        """
        split unstack top_k
        """
    ),
}
"""Every allowed function, by family (docs/language.md lists them so)."""

ALLOWED: tuple[str, ...] = tuple(sorted(n for names in FAMILIES.values() for n in names))
"""The allow-list: `op: NAME` for each of these is `keras.ops.NAME`."""

LIST_ARGUMENTS = {"concatenate": "xs", "stack": "x"}
"""Functions whose first argument is a list of tensors (`inputs: [[a, b]]`)."""

TAKES_A_CALLABLE = _words(
    """
    associative_scan cond custom_gradient fori_loop jvp map scan switch vectorize
    vectorized_map while_loop
    """
)
NOT_A_TENSOR_FUNCTION = _words(
    """
    arange array bartlett blackman convert_to_numpy convert_to_tensor dtype empty eye full
    geomspace hamming hanning identity is_tensor kaiser linspace logspace ndim ones shape
    size tri zeros
    """
)

REFUSED: dict[str, str] = {
    **dict.fromkeys(TAKES_A_CALLABLE, "it takes a Python callable (or loops over one)"),
    **dict.fromkeys(
        NOT_A_TENSOR_FUNCTION,
        "it makes a tensor from constants or returns no tensor: an op node computes "
        "from its inputs",
    ),
}
"""keras.ops functions refused with a reason; any other one not on the list is refused too."""


@dataclass(frozen=True)
class Param:
    """One parameter of an allowed function, as keras.ops declares it."""

    name: str
    required: bool
    default: Any
    tensor: bool
    """Whether the operation takes it as a tensor (else it is a constant of its constructor)."""


@dataclass(frozen=True)
class OpInfo:
    """An allowed keras.ops function: its parameters in order and the operation it makes."""

    name: str
    params: tuple[Param, ...]
    operation: str

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.params]

    @property
    def takes_list(self) -> str | None:
        """The parameter that takes a list of tensors, if any (`concatenate`'s `xs`)."""
        return LIST_ARGUMENTS.get(self.name)

    def signature(self) -> str:
        """`norm(x, ord=None, axis=None, keepdims=False)`, as the docs print it."""
        parts = [p.name if p.required else f"{p.name}={p.default!r}" for p in self.params]
        return f"{self.name}({', '.join(parts)})"


def op(name: str) -> OpInfo:
    """The allowed function `name`; Problem when it is unknown or refused."""
    entry = registry.data()["ops"].get(name)
    if entry is None:
        raise _not_allowed(name)
    tensors = set(entry["tensors"])
    params = tuple(
        Param(p["name"], p["required"], p["default"], p["name"] in tensors) for p in entry["params"]
    )
    return OpInfo(name, params, entry["operation"])


def _not_allowed(name: str) -> Problem:
    functions = registry.data()["op_functions"]
    if name in REFUSED:
        why = REFUSED[name]
    elif name in functions:
        why = f"keras.ops.{name} is not on graphspec's allow-list"
    else:
        hint = suggest(name, ALLOWED) or suggest(name.lower(), ALLOWED)
        layer = " (a layer is written `layer: NAME`)" if name[:1].isupper() else ""
        return Problem(
            f"unknown op '{name}': no allowed keras.ops function of that name{hint}{layer}",
            code=codes.UNKNOWN_OP,
            hint="docs/language.md lists every allowed function with its arguments",
        )
    return Problem(
        f"op '{name}' is refused: {why}",
        code=codes.REFUSED_OP,
        hint="docs/language.md lists every allowed function with its arguments",
    )
