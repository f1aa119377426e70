"""Static output shapes of keras.applications: a table of each model's downsampling steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphspec.shapes.core import Shape, ShapeTree, Undecided, default_format, ints

Step = tuple[int, int, int | str | None]
"""One downsampling step on each spatial axis: (kernel, stride, padding), where padding is the
total explicit zero padding before a 'valid' window, None for 'same', or "correct" for Keras's
`correct_pad` (which depends on the size the application was constructed for)."""


@dataclass(frozen=True)
class App:
    """An application's default input size, its feature width, and its downsampling steps."""

    size: int
    features: int
    steps: tuple[Step, ...]


def _repeat(step: Step, n: int) -> tuple[Step, ...]:
    return (step,) * n


_RESNET = ((7, 2, 6), (3, 2, 2), *_repeat((1, 2, 0), 3))
_INCEPTION = ((3, 2, 0), (3, 1, 0), (3, 2, 0), (3, 1, 0), (3, 2, 0), (3, 2, 0), (3, 2, 0))
_DENSENET = ((7, 2, 6), (3, 2, 2), *_repeat((2, 2, 0), 3))
_CORRECT = _repeat((3, 2, "correct"), 5)
_MOBILENET_V2 = ((3, 2, None), *_repeat((3, 2, "correct"), 4))
_EFFICIENT = (
    (224, 1280),
    (240, 1280),
    (260, 1408),
    (300, 1536),
    (380, 1792),
    (456, 2048),
    (528, 2304),
    (600, 2560),
)
"""EfficientNetB0…B7: default input size and feature width."""
_CONVNEXT = ((4, 4, 0), *_repeat((2, 2, 0), 3))

APPS: dict[str, App] = {
    "VGG16": App(224, 512, _repeat((2, 2, 0), 5)),
    "VGG19": App(224, 512, _repeat((2, 2, 0), 5)),
    **{f"ResNet{n}{v}": App(224, 2048, _RESNET) for n in (50, 101, 152) for v in ("", "V2")},
    "InceptionV3": App(299, 2048, _INCEPTION),
    "InceptionResNetV2": App(299, 1536, _INCEPTION),
    "Xception": App(299, 2048, ((3, 2, 0), (3, 1, 0), *_repeat((3, 2, None), 4))),
    "MobileNet": App(224, 1024, ((3, 2, None), *_repeat((3, 2, 1), 4))),
    "MobileNetV2": App(224, 1280, _MOBILENET_V2),
    "DenseNet121": App(224, 1024, _DENSENET),
    "DenseNet169": App(224, 1664, _DENSENET),
    "DenseNet201": App(224, 1920, _DENSENET),
    **{
        f"EfficientNetB{i}": App(size, width, _CORRECT)
        for i, (size, width) in enumerate(_EFFICIENT)
    },
    "ConvNeXtTiny": App(224, 768, _CONVNEXT),
    "ConvNeXtSmall": App(224, 768, _CONVNEXT),
    "ConvNeXtBase": App(224, 1024, _CONVNEXT),
    "ConvNeXtLarge": App(224, 1536, _CONVNEXT),
    "ConvNeXtXLarge": App(224, 2048, _CONVNEXT),
}
"""keras.applications name → its downsampling (channels_last, as graphspec builds them)."""


def step(n: int | None, built: int | None, one: Step) -> int | None:
    """One spatial size after a step; `built` is the size the layer was constructed for."""
    k, s, pad = one
    if pad == "correct":  # keras.applications.imagenet_utils.correct_pad
        pad = 2 * (k // 2) - (1 if built is None else 1 - built % 2)
    if n is None:
        return None
    out = (n - 1) // s + 1 if pad is None else (n + int(pad) - k) // s + 1
    if out <= 0:
        raise Undecided  # Keras refuses it; its own message says why
    return out


def _feature_width(name: str, kwargs: dict[str, Any], app: App) -> int:
    alpha = kwargs.get("alpha", 1.0)
    if alpha == 1.0:
        return app.features
    if name == "MobileNet" and isinstance(alpha, int | float):
        return int(app.features * alpha)
    if name == "MobileNetV2" and isinstance(alpha, int | float):
        if alpha <= 1.0:
            return app.features
        width = app.features * alpha  # _make_divisible(1280 * alpha, 8)
        out = max(8, int(width + 4) // 8 * 8)
        return out + 8 if out < 0.9 * width else out
    raise Undecided


def application(name: str, kwargs: dict[str, Any], x: ShapeTree) -> ShapeTree:
    """The output shape of application `name` (built with `kwargs`) called on `x`."""
    if not isinstance(x, tuple) or len(x) != 4 or default_format() != "channels_last":
        raise Undecided
    if kwargs.get("include_top", True):
        return (x[0], ints(kwargs.get("classes", 1000), 1)[0])
    app = APPS.get(name)
    if app is None:
        raise Undecided
    width = _feature_width(name, kwargs, app)
    if kwargs.get("pooling") in ("avg", "max"):
        return (x[0], width)
    if kwargs.get("pooling") is not None:
        raise Undecided
    given = kwargs.get("input_shape")
    built: list[int | None] = [None, None]
    if isinstance(given, list | tuple) and len(given) == 3:
        built = [given[0], given[1]]
    spatial: list[int | None] = [x[1], x[2]]
    for one in app.steps:
        spatial = [step(n, b, one) for n, b in zip(spatial, built, strict=True)]
        built = [step(b, b, one) for b in built]
    out: Shape = (x[0], *spatial, width)
    return out
