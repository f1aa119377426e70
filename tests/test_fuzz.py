"""Fuzzing: random valid specs build as checked; mutated specs get located errors, never a crash.

A few hundred cases in the default ("ci") profile; `GRAPHSPEC_FUZZ=10000 python -m pytest -n 2
tests/test_fuzz.py` runs ten thousand (README, Fuzzing). A case that does not answer within
the watchdog (GRAPHSPEC_FUZZ_WATCHDOG seconds, default 30) fails, and is saved with any other
failing mutant under GRAPHSPEC_FUZZ_FINDINGS (default /tmp/fuzz_findings).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import os
import re
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.control import current_build_context

import graphspec
from graphspec.diagnostics import GraphSpecError
from graphspec.files import display_path
from graphspec.ir import LayerIR, Program
from graphspec.syntax.loader import load_text
from graphspec.syntax.schema import Spec
from graphspec.views.expand import expanded
from graphspec.views.spec_yaml import to_yaml
from tests.conftest import FUZZ_CASES
from tests.fuzz_specs import Generated, Mutant, dump, mutants, valid_specs

FINDINGS = Path(os.environ.get("GRAPHSPEC_FUZZ_FINDINGS", "/tmp/fuzz_findings"))
WATCHDOG = float(os.environ.get("GRAPHSPEC_FUZZ_WATCHDOG", "30"))
CI_CASES = {"check": 150, "build": 30, "mutate": 300, "mutate_build": 40, "cli": 40}
"""Cases per test in the "ci" profile; the "fuzz" profile shares GRAPHSPEC_FUZZ among them
in these proportions."""


def cases(test: str) -> settings:
    n = CI_CASES[test]
    if settings.get_current_profile_name() == "fuzz":
        n = max(1, round(n * FUZZ_CASES / sum(CI_CASES.values())))
    return settings(
        max_examples=n,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


class Hang(BaseException):
    """No answer within the watchdog's time (a BaseException: Hypothesis does not shrink it)."""


def save_finding(kind: str, content: bytes) -> Path:
    """Keep a failing case under FINDINGS (while shrinking, only the final, minimal one)."""
    path = FINDINGS / f"{kind}_{hashlib.sha1(content).hexdigest()[:10]}.yaml"
    with contextlib.suppress(Exception):
        if not current_build_context().is_final and kind != "hang":
            return path
    FINDINGS.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@contextlib.contextmanager
def watchdog(content: bytes) -> Iterator[None]:
    """Turn a hang into a failure naming the saved case; never a timing assertion."""

    def fire(signum: int, frame: Any) -> None:
        raise Hang(
            f"no answer within {WATCHDOG:g} s; case saved as {save_finding('hang', content)}"
        )

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, WATCHDOG)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def spec_file(content: bytes, name: str = "fuzzed.yaml") -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        yield path


# ---- located errors -------------------------------------------------------------------------

WHOLE_FILE = re.compile(r"cannot read the file")
"""Messages about the file as a whole, which may have no line (none of the mutants' problems)."""


def assert_located(e: GraphSpecError, path: Path, content: bytes) -> None:
    """Every error names the spec file and a line and column inside it."""
    assert e.errors, f"a {type(e).__name__} without an error: {e.diagnostics}"
    lines = content.decode("utf-8", "replace").splitlines() or [""]
    # columns count characters, or bytes where the file is not valid UTF-8
    width = max(max(map(len, lines)), max(map(len, content.split(b"\n"))))
    for d in e.errors:
        where = f"{d.file}:{d.line}:{d.column}: {d.message}"
        assert d.file == display_path(path), where
        assert d.message.strip(), where
        if WHOLE_FILE.search(d.message):
            continue
        assert 1 <= d.line <= len(lines) + 1, where
        assert 1 <= d.column <= width + 2, where


def outcome(fn: Any, path: Path, content: bytes) -> Any:
    """fn()'s result, or None after a GraphSpecError with located errors; anything else fails
    (the case is saved first)."""
    try:
        with watchdog(content):
            return fn()
    except GraphSpecError as e:
        try:
            assert_located(e, path, content)
        except AssertionError:
            save_finding("unlocated", content)
            raise
        return None
    except Exception:
        save_finding("crash", content)
        raise


# ---- generated valid specs ------------------------------------------------------------------


def as_tuples(tree: Any) -> Any:
    if isinstance(tree, list):
        return [as_tuples(t) for t in tree]
    return tuple(tree) if tree is not None else None


def expand_text(checked: graphspec.Checked) -> str:
    return to_yaml(expanded(checked.spec, checked.program))


def assert_round_trip(spec: Spec, g: Generated) -> None:
    """The spec written as YAML and read back is the same Spec; so is the generator's data."""
    assert Spec.model_validate(g.data).model_dump() == spec.model_dump()
    again = Spec.model_validate(load_text(dump(spec.model_dump(exclude_unset=True))).data)
    assert again.model_dump() == spec.model_dump()


@cases("check")
@given(valid_specs())
def test_generated_specs_check_round_trip_and_expand(g: Generated) -> None:
    with spec_file(g.text.encode()) as path:
        checked = graphspec.check(path)
        assert [d for d in checked.warnings if d.severity != "note"] == []
        for ir_id, shape in g.shapes.items():
            assert as_tuples(checked.shapes.get(ir_id)) == (None, *shape), ir_id
        assert_round_trip(checked.spec, g)
        text = expand_text(checked)
        (path.parent / "expanded.yaml").write_text(text, "utf-8")
        again = graphspec.check(path.parent / "expanded.yaml")
        assert [d for d in again.warnings if d.severity != "note"] == []
        assert expand_text(again) == text


def keras_shapes(model: Any, program: Program) -> dict[str, Any]:
    """Each flat-graph node's output shape in the built model (shared layers: call by call)."""
    calls: dict[str, int] = {}
    found: dict[str, Any] = {}
    for node in program.graph.nodes:
        name = node.id if isinstance(node.callable, LayerIR) else node.callable.shared_id
        k = calls[name] = calls.get(name, -1) + 1
        outputs = model.get_layer(name)._inbound_nodes[k].output_tensors
        shapes = [tuple(t.shape) for t in outputs]
        found[node.id] = shapes[0] if len(shapes) == 1 else shapes
    return found


def layers(model: Any) -> dict[str, tuple[str, list[tuple[int, ...]]]]:
    return {
        layer.name: (type(layer).__name__, [tuple(w.shape) for w in layer.weights])
        for layer in model.layers
    }


@pytest.fixture(scope="module")
def keras() -> Any:
    """Keras imported before Hypothesis starts (TensorFlow's import raises the recursion limit,
    which Hypothesis would warn about inside a test)."""
    from graphspec.keras.compat import keras

    return keras()


def weights(variables: list[Any]) -> int:
    return sum(math.prod(v.shape) for v in variables)


@cases("build")
@given(valid_specs())
def test_generated_specs_build_with_their_static_shapes(keras: Any, g: Generated) -> None:
    with spec_file(g.text.encode()) as path:
        checked = graphspec.check(path)
        model = graphspec.build(path)
        assert model.output_names == list(g.outputs)
        assert [tuple(t.shape) for t in model.outputs] == [(None, *s) for s in g.outputs.values()]
        assert (model.count_params(), weights(model.non_trainable_weights)) == (g.params, g.frozen)
        built = keras_shapes(model, checked.program)
        for ir_id, shape in g.shapes.items():
            assert built[ir_id] == (None, *shape), ir_id
        assert {k: as_tuples(checked.shapes.get(k)) for k in built} == built
        (path.parent / "expanded.yaml").write_text(expand_text(checked), "utf-8")
        twin = graphspec.build(path.parent / "expanded.yaml")
        assert (twin.name, layers(twin)) == (model.name, layers(model))


# ---- mutants --------------------------------------------------------------------------------


@cases("mutate")
@given(mutants())
def test_mutants_check_or_raise_located_errors(m: Mutant) -> None:
    with spec_file(m.content) as path:
        outcome(lambda: graphspec.check(path), path, m.content)


@cases("mutate_build")
@given(mutants(generated_only=True))
def test_mutants_of_small_specs_build_or_raise_located_errors(keras: Any, m: Mutant) -> None:
    with spec_file(m.content) as path:
        if outcome(lambda: graphspec.check(path), path, m.content) is not None:
            outcome(lambda: graphspec.build(path, max_params=10**6), path, m.content)


DIAGNOSTIC_LINE = re.compile(r"^.+:\d+:\d+: (error|warning|note): ")


@cases("cli")
@given(mutants())
def test_cli_validate_on_mutants_exits_0_or_1_without_a_traceback(m: Mutant) -> None:
    from graphspec.cli import main

    out, err = io.StringIO(), io.StringIO()
    with (
        spec_file(m.content) as path,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        watchdog(m.content),
    ):
        status = main(["validate", str(path), "--no-source"])
    assert status in (0, 1), err.getvalue()
    assert "Traceback" not in out.getvalue() + err.getvalue()
    if status == 1:
        assert DIAGNOSTIC_LINE.match(err.getvalue()), err.getvalue()
