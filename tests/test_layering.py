"""The layout is the architecture: import-linter's contracts, no import cycle, Keras internals
in one module, and no TensorFlow for `python -m graphspec --help` or `import graphspec`."""

from __future__ import annotations

import ast
import subprocess
import sys

import grimp
import pytest
from importlinter.cli import lint_imports

from tests.conftest import ROOT

PACKAGE = ROOT / "graphspec"


def test_import_linter_contracts_are_kept() -> None:
    """pyproject.toml's [tool.importlinter] contracts: a stage imports only from the stages
    before it; only graphspec.keras imports Keras, TensorFlow, JAX or PyTorch."""
    status = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    assert status == 0, "lint-imports: a contract is broken (run `lint-imports` to see which)"


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph("graphspec")
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back:
                cycles.append(" → ".join([module, *back]))
    assert cycles == []


INTERNALS = ("keras.src", "_keras_history", "uninitialized_variables")
"""What only graphspec/keras/compat.py may name."""


def _names_internals(path: str) -> list[str]:
    tree = ast.parse((ROOT / path).read_text("utf-8"))
    docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}  # docstrings
    found = []
    for node in ast.walk(tree):
        if id(node) in docs:
            continue
        text = None
        if isinstance(node, ast.ImportFrom):
            text = node.module
        elif isinstance(node, ast.Import):
            text = " ".join(a.name for a in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.Attribute):
            text = node.attr
        if text and any(i in text for i in INTERNALS):
            found.append(f"{path}:{node.lineno}: {text}")
    return found


def test_only_compat_touches_keras_internals() -> None:
    files = sorted(p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*.py"))
    offenders = [f for p in files if p != "graphspec/keras/compat.py" for f in _names_internals(p)]
    assert offenders == []
    assert _names_internals("graphspec/keras/compat.py"), "compat names what it relies on"


def _imported(*argv: str) -> set[str]:
    """Top-level modules a fresh `python ARGV…` imports (from -X importtime's report)."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1800,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    lines = [line.rsplit("|", 1)[-1] for line in run.stderr.splitlines() if "|" in line]
    return {line.strip().split(".")[0] for line in lines}


@pytest.mark.parametrize(
    "argv",
    [("-m", "graphspec", "--help"), ("-c", "import graphspec"), ("-m", "graphspec", "schema")],
    ids=["python -m graphspec --help", "import graphspec", "graphspec schema"],
)
def test_light_commands_import_no_backend(argv: tuple[str, ...]) -> None:
    imported = _imported(*argv)
    assert "graphspec" in imported
    assert imported & {"tensorflow", "keras", "jax", "torch"} == set()
