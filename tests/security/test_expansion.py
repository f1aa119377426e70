"""Bounded expansion, includes, the parameter budget, and never a traceback (SECURITY.md 6 to
8, and 15)."""

from __future__ import annotations

from pathlib import Path

import keras
import pytest

import graphspec
from graphspec.keras.save import save_model
from tests.conftest import Write
from tests.security.common import PEAK_RSS, SMALL, child, run

# ---- expansion: repeat, blocks, includes -------------------------------------------------
# The include side (a file shared twice by a file shared twice, …) is
# test_diagnostics.test_too_many_includes_gs409.

REPEAT_BOMBS = {
    "layer": "nodes: {d: {layer: Dense, units: 4, inputs: x, repeat: 1000000000}}\noutputs: [d]",
    "block": "nodes: {d: {block: b, inputs: x, repeat: 1000000000}}\noutputs: [d]",
    "nested": "nodes: {d: {block: c, inputs: x, repeat: 1000}}\noutputs: [d]",  # 10^9 nodes
}


@pytest.mark.parametrize("bomb", sorted(REPEAT_BOMBS))
def test_repeat_bombs_are_refused_before_they_expand(bomb: str, write_spec: Write) -> None:
    path = write_spec(
        "graphspec: 1\ninputs: {x: {shape: [4]}}\nblocks:\n"
        "  b: {inputs: [h], nodes: {d: {layer: Dense, units: 4, inputs: h, repeat: 1000}},"
        " outputs: [d]}\n"
        "  c: {inputs: [h], nodes: {e: {block: b, inputs: h, repeat: 1000}}, outputs: [e]}\n"
        + REPEAT_BOMBS[bomb]
        + "\n"
    )
    with pytest.raises(graphspec.SpecError) as e:
        graphspec.check(path)
    assert [d.code for d in e.value.diagnostics] == ["GS408"]
    assert "more than 50,000 nodes" in e.value.diagnostics[0].message


# ---- spec: includes ----------------------------------------------------------------------
# Absolute paths, `..`, loops: invalid/include_absolute, include_dotdot, include_loop and
# test_resolve.test_include_relative_loop_and_escape. Here: symlinks and --allow-path.


def test_includes_cannot_escape_through_a_symlink_unless_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "tower.yaml").write_text(SMALL)
    project = tmp_path / "project"
    project.mkdir()
    (project / "link").symlink_to(outside, target_is_directory=True)
    spec = project / "main.yaml"
    spec.write_text(
        "graphspec: 1\ninputs: {x: {shape: [4]}}\nshared: {t: {spec: link/tower.yaml}}\n"
        "nodes: {n: {use: t, inputs: x}}\noutputs: [n]\n"
    )
    code, _, err = run(capsys, "validate", "--no-source", str(spec))
    assert code == 1 and "'link/tower.yaml' leaves the spec's directory" in err
    assert run(capsys, "validate", str(spec), "--allow-path", str(outside))[0] == 0


# ---- parameter budget --------------------------------------------------------------------
# Message and in-process check: test_emit.test_budget_is_enforced_before_weights_are_allocated,
# invalid/parameter_budget.yaml. Here: peak memory of a fresh process, which an earlier
# test cannot have raised already.


BUDGET = (
    PEAK_RSS
    + """
from graphspec.keras.compat import keras as _keras
_keras()
import graphspec
from graphspec.diagnostics import GraphSpecError
spec = {"graphspec": 1, "inputs": {"x": {"shape": [100000]}},
        "nodes": {"huge": {"layer": "Dense", "units": 100000, "inputs": "x"}},
        "outputs": ["huge"]}
before = peak_kib()
try:
    graphspec.build(spec)
except GraphSpecError as e:  # refused statically (GS607) before Keras allocates anything
    print(e.diagnostics[0].message)
print(0, peak_kib() - before)
"""
)


def test_ten_billion_parameters_are_refused_before_allocation() -> None:
    result = child(BUDGET)
    assert result.returncode == 0, result.stderr
    message, figures = result.stdout.strip().splitlines()[-2:]
    assert "would have 10,000,100,000 parameters, over the budget of 1,000,000,000" in message
    _, grown_kib = figures.split()  # (time is measured by benchmarks/, not asserted here)
    assert int(grown_kib) < 100 * 1024  # 10^10 float32 weights would be 40 GB


# ---- never a traceback: depth, recursion, paths (issue 9, item 4) --------------------------


def test_a_repeated_block_of_no_layers_resolves_without_recursion(write_spec: Write) -> None:
    """5,000 copies of a block whose output is its input: each copy's value is computed from
    the one before, in order, never by recursing along the chain."""
    path = write_spec(
        "graphspec: 1\ninputs: {x: {shape: [4]}}\n"
        "blocks:\n  same: {inputs: [h], nodes: {}, outputs: [h]}\n"
        "nodes:\n  r: {block: same, inputs: x, repeat: 5000}\n"
        "  d: {layer: Dense, units: 2, inputs: r}\noutputs: [d]\n"
    )
    (node,) = graphspec.check(path).program.graph.nodes
    assert node.inputs == graphspec.ir.Ref("x")


def test_a_chain_keras_could_not_build_is_refused_before_building(write_spec: Write) -> None:
    from graphspec.caps import MAX_GRAPH_DEPTH

    chain = "graphspec: 1\ninputs: {x: {shape: [4]}}\nnodes:\n  d: {layer: ReLU, repeat: N, inputs: x}\noutputs: [d]\n"
    assert graphspec.check(write_spec(chain.replace("N", str(MAX_GRAPH_DEPTH)))).program
    with pytest.raises(graphspec.SpecError) as e:
        graphspec.check(write_spec(chain.replace("N", str(MAX_GRAPH_DEPTH + 1))))
    assert [d.code for d in e.value.diagnostics] == ["GS413"]


def test_the_deepest_chain_allowed_builds_saves_and_reloads(
    write_spec: Write, tmp_path: Path
) -> None:
    """At the cap, Keras builds the model, and loads it back in safe mode."""
    from graphspec.caps import MAX_GRAPH_DEPTH

    spec = write_spec(
        "graphspec: 1\ninputs: {x: {shape: [4]}}\nnodes:\n"
        f"  d: {{layer: ReLU, repeat: {MAX_GRAPH_DEPTH}, inputs: x}}\noutputs: [d]\n"
    )
    out = save_model(graphspec.build(spec), tmp_path / "deep.keras")
    layers = keras.saving.load_model(out, safe_mode=True).layers
    assert len(layers) == MAX_GRAPH_DEPTH + 2  # the input, the chain, the output's Identity


def test_a_symbolic_link_loop_in_an_include_path_is_located(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "graphspec: 1\ninputs: {x: {shape: [4]}}\nshared: {t: {spec: a/tower.yaml}}\n"
        "nodes: {d: {use: t, inputs: x}}\noutputs: [d]\n"
    )
    with pytest.raises(graphspec.SpecError) as e:
        graphspec.check(spec)
    (d,) = e.value.diagnostics
    assert (d.code, d.line) == ("GS349", 3)
    assert "loop of symbolic links" in d.message


def test_a_spec_argument_too_long_for_the_system_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "validate", "x" * 5_000)
    assert code == 2 and "File name too long" in err and len(err) < 300
