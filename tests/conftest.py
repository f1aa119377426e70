"""Shared fixtures: the repository's paths and a helper that writes a spec to a temp file."""

from __future__ import annotations

import os
import signal
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

# Hypothesis: "ci" (the default) is reproducible: derandomized, no example database.
# "fuzz" (GRAPHSPEC_FUZZ=N, or --hypothesis-profile=fuzz for 10,000) is a long random run:
# tests/test_fuzz.py gives each fuzz test its share of N cases (see README, Fuzzing).
FUZZ_CASES = int(os.environ.get("GRAPHSPEC_FUZZ") or 10_000)
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile(
    "fuzz",
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("fuzz" if os.environ.get("GRAPHSPEC_FUZZ") else "ci")

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
ALL_SPECS = sorted(SPECS.rglob("*.yaml"))

Write = Callable[..., Path]
"""The type of the `write_spec` fixture."""


@pytest.fixture
def write_spec(tmp_path: Path) -> Write:
    """write_spec(text, name='spec.yaml') → path of a dedented spec in a temp dir."""

    def write(text: str, name: str = "spec.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), "utf-8")
        return path

    return write


@pytest.fixture
def hide_package(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """hide_package(name): from now on in this test, `importlib.util.find_spec(name)` finds
    nothing, as on a machine without that optional package."""
    import importlib.util

    real = importlib.util.find_spec

    def hide(name: str) -> None:
        monkeypatch.setattr(
            importlib.util, "find_spec", lambda n, *a: None if n == name else real(n, *a)
        )

    return hide


@contextmanager
def sigint(handler: Callable[..., object] | int) -> Iterator[None]:
    """Run the block with SIGINT's handler set to `handler` (then the one before again): a
    test of Ctrl-C must not depend on how the suite was started (a script's background job,
    or nohup, starts it with SIGINT ignored, and every process it starts inherits that)."""
    before = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
