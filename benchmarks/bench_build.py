"""Build time of the architecture specs beside their keras.applications twins, in one process.

    python benchmarks/bench_build.py

Reports, for each architecture, the best of three: keras.applications build, graphspec.build,
their ratio, and graphspec.check alone (load, schema, resolve, order: no Keras). Measured side by
side so that the ratio means something on a noisy machine; tests never assert on wall time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def best(fn: Callable[[], Any], runs: int = 3) -> float:
    import keras

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        keras.backend.clear_session()
    return min(times)


def main() -> None:
    import keras

    import graphspec

    twins = {
        "resnet50": keras.applications.ResNet50,
        "inception_v3": keras.applications.InceptionV3,
        "mobilenet_v2": keras.applications.MobileNetV2,
        "densenet121": keras.applications.DenseNet121,
    }
    graphspec.build(ROOT / "specs/seed/mlp.yaml")  # warm up Keras and TensorFlow
    for name, twin in twins.items():
        spec = ROOT / "specs/architectures" / f"{name}.yaml"
        k = best(lambda twin=twin: twin(weights=None))
        g = best(lambda spec=spec: graphspec.build(spec))
        c = best(lambda spec=spec: graphspec.check(spec))
        print(
            f"{name:13} keras.applications {k:5.2f} s  graphspec.build {g:5.2f} s  "
            f"ratio {g / k:4.2f}  graphspec.check {c * 1000:4.0f} ms"
        )


if __name__ == "__main__":
    main()
