"""Regenerate graphspec/catalog/application_params.json from the installed Keras.

    python tools/gen_app_params.py [--check]

For each keras.applications model (weights=None, three input channels) the table holds its
parameters without the classifier top on an input of any size (`no_top`) and on one of its
default size (`no_top_at_default_size`: the same but for the few, such as NASNet, whose weights
depend on the input's size), with the top (`top`, 1000 classes, on the default size), the width
of the features the classifier reads (`classifier_inputs`: other class counts add or remove
that many weights plus a bias per class) and that default size (`default_size`).
graphspec's static parameter counts (graphspec/shapes/tally.py) read it without TensorFlow;
tests/shapes/test_params.py checks a sample against Keras. Weights are declared, never
allocated, so the whole run takes about a minute.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "graphspec" / "catalog" / "application_params.json"


def counted(keras: Any, name: str, **kwargs: Any) -> tuple[list[int], Any]:
    """[trainable, non-trainable] of one application, built with weights declared only."""
    from keras.src.backend.common import global_state

    try:
        with keras.StatelessScope(initialize_variables=False):
            model = getattr(keras.applications, name)(weights=None, **kwargs)
            found = [
                sum(math.prod(int(d) for d in w.shape) for w in weights)
                for weights in (model.trainable_weights, model.non_trainable_weights)
            ]
            size = model.input_shape
    finally:
        global_state.set_global_attribute("uninitialized_variables", [])
    return found, size


def entry(keras: Any, name: str) -> dict[str, Any]:
    no_top, _ = counted(keras, name, include_top=False)
    top, size = counted(keras, name, include_top=True)
    default = list(size[1:])
    sized = no_top
    if None not in default:
        sized, _ = counted(keras, name, include_top=False, input_shape=default)
    fewer, _ = counted(keras, name, include_top=True, classes=10)
    per_class, rest = divmod(sum(top) - sum(fewer), 1000 - 10)
    if rest or fewer[1] != top[1]:
        raise SystemExit(f"{name}: the classifier is not one layer with a bias per class")
    return {
        "no_top": no_top,
        "top": top,
        "classifier_inputs": per_class - 1,
        "default_size": default,
        "no_top_at_default_size": sized,
    }


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    names = [
        n
        for n in sorted(dir(keras.applications))
        if n[0].isupper() and callable(getattr(keras.applications, n))
    ]
    data = {
        "keras_version": keras.__version__,
        "applications": {name: entry(keras, name) for name in names},
    }
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    if "--check" in sys.argv:
        return 0 if OUT.read_text("utf-8") == text else 1
    OUT.write_text(text, "utf-8")
    print(f"wrote {OUT} ({len(names)} applications)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
