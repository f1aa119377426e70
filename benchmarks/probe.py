"""What runs inside a benchmark's child process: `python -m benchmarks.probe KIND JSON`.

Each probe imports what it needs first (imports are start-up, not the thing measured), warms
up, then times both sides of a comparison with time.perf_counter, alternating which side goes
first, and prints one line: MARK + a JSON object of lists of seconds.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.measure import MARK, ROOT, turn

WARM_SPEC = ROOT / "specs" / "seed" / "mlp.yaml"


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _validate_cli(path: str) -> tuple[int, str]:
    """`graphspec validate PATH` in this process; its exit status and what it printed."""
    from graphspec.cli import main

    out = io.StringIO()
    with contextlib.redirect_stderr(out), contextlib.redirect_stdout(out):
        status = main(["validate", path])
    return status, out.getvalue()


def _parse_events(path: str) -> None:
    """libyaml's own event parse of the file (PyYAML's CParser), the events discarded."""
    import yaml

    text = Path(path).read_bytes().decode("utf-8")
    for _ in yaml.parse(text, Loader=yaml.CLoader):
        pass


def validate(
    path: str, parse: bool, first: str = "validate", expanded: str | None = None
) -> dict[str, Any]:
    """Validate PATH once (after one warm-up validate of a small spec), and parse its events
    once, in the order `first` says; with `expanded`, parse that file's events too."""
    import yaml  # noqa: F401 - imported before timing, like graphspec's own imports

    import graphspec.cli  # noqa: F401

    _validate_cli(str(WARM_SPEC))
    result: dict[str, Any] = {}

    def do_validate() -> None:
        start = time.perf_counter()
        status, output = _validate_cli(path)
        result["validate"] = time.perf_counter() - start
        lines = output.splitlines()
        result.update(status=status, lines=len(lines), first_line=lines[0][:200] if lines else "")

    def do_parse() -> None:
        result["parse"] = _timed(lambda: _parse_events(path))
        if expanded is not None:
            result["parse_expanded"] = _timed(lambda: _parse_events(expanded))

    steps = [do_validate, do_parse] if first == "validate" else [do_parse, do_validate]
    for step in steps:
        if step is do_parse and not parse:
            continue
        step()
    return result


def values(path: str) -> dict[str, Any]:
    """json.loads of PATH's values written as JSON (the conversion untimed): building (and
    freeing, as validate's time includes) the same dicts, lists and strings in C, a control
    for how validate's time grows with the file; without the cyclic GC, as validate runs."""
    import gc

    from graphspec.caps import paused_gc
    from graphspec.syntax.reader import read

    text = json.dumps(read(Path(path).read_text(encoding="utf-8")))
    gc.collect()
    with paused_gc():
        return {"values": _timed(lambda: json.loads(text))}


def _clear() -> None:
    import gc

    import keras

    keras.backend.clear_session()
    gc.collect()


def build(specs: list[list[str]], runs: int) -> dict[str, Any]:
    """graphspec.build of each spec beside constructing its keras.applications twin, runs
    times each, alternating which goes first, after one build of each side untimed (in one
    run the first timed build of VGG16, graphspec's, took 717 ms and the next four 330-403);
    Keras's session cleared after every build."""
    import keras

    import graphspec

    graphspec.build(WARM_SPEC)  # warm up Keras and TensorFlow
    keras.applications.MobileNetV2(weights=None, input_shape=(96, 96, 3))
    _clear()
    out: dict[str, Any] = {}
    for path, app in specs:
        sides: dict[str, Callable[[], Any]] = {
            "graphspec": partial(graphspec.build, path),
            "keras": partial(getattr(keras.applications, app), weights=None),
        }
        times: dict[str, list[float]] = {"graphspec": [], "keras": [], "check": []}
        for warm in sides.values():
            warm()
            _clear()
        for r in range(runs):
            for side in turn(("graphspec", "keras"), r):
                times[side].append(_timed(sides[side]))
                _clear()
            start = time.perf_counter()
            graphspec.check(path)
            times["check"].append(time.perf_counter() - start)
        out[Path(path).stem] = times
    return out


def _keras_calls(layers: list[Any]) -> Any:
    """The generated model written as plain Keras calls: one layer object per layer."""
    import keras

    x = keras.Input(shape=(16,), name="x")
    values: dict[str, Any] = {"x": x}
    for layer in layers:
        obj = getattr(keras.layers, layer.cls)(name=layer.id, **dict(layer.kwargs))
        args = [values[i] for i in layer.inputs]
        values[layer.id] = obj(args if len(args) > 1 else args[0])
    return keras.Model(x, values[layers[-1].id], name=f"deep_{len(layers)}")


def deep(n: int, runs: int) -> dict[str, Any]:
    """graphspec.build of the generated n-layer spec beside the same model as Keras calls."""
    import graphspec
    from benchmarks import generate

    layers = generate.deep_model(n)
    with tempfile.TemporaryDirectory() as tmp:
        path = generate.write(Path(tmp), f"deep_{n}.yaml", generate.deep_spec(layers))
        graphspec.build(WARM_SPEC)
        _keras_calls(layers[:12])
        _clear()
        sides = {"graphspec": lambda: graphspec.build(path), "keras": lambda: _keras_calls(layers)}
        times: dict[str, list[float]] = {"graphspec": [], "keras": []}
        for r in range(runs):
            for side in turn(("graphspec", "keras"), r):
                times[side].append(_timed(sides[side]))
                _clear()
        model = graphspec.build(path)  # the weights are allocated, as Keras's own are
        n_layers, n_weights = len(model.layers), len(model.get_weights())
        twin = _keras_calls(layers)
        same = (n_weights, model.count_params()) == (len(twin.get_weights()), twin.count_params())
        _clear()
    return {"times": times, "layers": n_layers, "same_params": same}


def import_application(app: str, runs: int) -> dict[str, Any]:
    """`graphspec import --application APP -o FILE` in this process beside constructing APP."""
    import keras

    import graphspec
    from graphspec.cli import main

    if not hasattr(graphspec, "from_keras"):
        return {"available": False}
    keras.applications.MobileNetV2(weights=None, input_shape=(96, 96, 3))
    _clear()
    times: dict[str, list[float]] = {"graphspec": [], "keras": []}
    status: list[int] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "app.yaml")
        sides = {
            "graphspec": lambda: status.append(main(["import", "--application", app, "-o", out])),
            "keras": lambda: getattr(keras.applications, app)(weights=None),
        }
        for r in range(runs):
            for side in turn(("graphspec", "keras"), r):
                with (
                    contextlib.redirect_stdout(io.StringIO()),
                    contextlib.redirect_stderr(io.StringIO()),
                ):
                    times[side].append(_timed(sides[side]))
                _clear()
    return {"available": True, "times": times, "status": status}


PROBES: dict[str, Callable[..., dict[str, Any]]] = {
    "validate": validate,
    "values": values,
    "build": build,
    "deep": deep,
    "import": import_application,
}


def main() -> None:
    kind, params = sys.argv[1], json.loads(sys.argv[2])
    result = PROBES[kind](**params)
    print(MARK + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
