"""The pytest plugin, run by pytest itself (pytester): which YAML files become items, what a
passing and a failing item print, -k, the ini options, and the entry point."""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytest_plugins = ["pytester"]

PLUGIN = ("-p", "graphspec.pytest_plugin", "--assert=plain")
"""The plugin loaded by name: its entry point exists only once graphspec is installed. (Plain
asserts: the module may be imported already, which assertion rewriting would warn about.)"""

GOOD = """\
graphspec: 1
inputs:
  x: {shape: [4]}
nodes:
  d: {layer: Dense, units: 2, inputs: x}
outputs: [d]
expect:
  params: 10
  output_shapes: {d: [null, 2]}
"""

FILES = {
    "specs/good.yaml": GOOD,
    "specs/sub/deeper.yml": GOOD,
    "specs/wrong.yaml": GOOD.replace("params: 10", "params: 12"),
    "specs/bad.yaml": GOOD.replace("Dense", "Dens"),
    "specs/no_expect.yaml": GOOD.split("expect:")[0],
    "specs/not_a_spec.yaml": "expect: {params: 10}\nsteps: [build, test]\n",
    "specs/not_yaml.yaml": "expect: [unclosed\n",
    "specs/broken.yaml": "graphspec: 1\nexpect: [unclosed\n",
    "specs/good.txt": GOOD,
    "tests/test_plain.py": "def test_plain():\n    pass\n",
}

SPECS = [
    "specs/bad.yaml",
    "specs/broken.yaml",
    "specs/good.yaml",
    "specs/sub/deeper.yml",
    "specs/wrong.yaml",
]
"""What `--graphspec` collects from FILES: YAML, a `graphspec:` key and an `expect:` block."""


PRELOADED = (
    "numpy",
    "tensorflow",
    "keras",
    "graphspec.keras.emit",
    "graphspec.keras.expect",
    "graphspec.keras.plugins",
    "graphspec.pytest_plugin",
    "graphspec.syntax.sniff",
)
"""pytester's in-process runs drop the modules they import when they end: what the plugin
imports is imported here, once, so that no run imports numpy, TensorFlow or graphspec's YAML
loader (whose resolvers PyYAML keeps) a second time."""


@pytest.fixture(scope="module", autouse=True)
def _imported_once() -> None:
    for name in PRELOADED:
        importlib.import_module(name)


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A user's project: FILES under pytester's directory; plugins only the ones named."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    for name, text in FILES.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    yield pytester.path


def collected(result: pytest.RunResult) -> list[str]:
    """The nodeids `--collect-only -q` lists."""
    return sorted(line for line in result.outlines if line.startswith(("specs/", "tests/")))


def report(result: pytest.RunResult, first: str) -> list[str]:
    """The lines of a failure's report, from the one that starts with `first`."""
    lines = result.outlines
    start = next(i for i, line in enumerate(lines) if line.startswith(first))
    end = next(i for i, line in enumerate(lines[start:], start) if line.startswith("="))
    return lines[start:end]


def assert_no_traceback(text: str) -> None:
    for sign in ("Traceback", "raise ", "graphspec/pytest_plugin", "site-packages", ".py:"):
        assert sign not in text


def test_graphspec_collects_each_spec_with_expect_as_one_item(
    pytester: pytest.Pytester, project: Path
) -> None:
    result = pytester.runpytest(*PLUGIN, "--graphspec", "--collect-only", "-q", "specs")
    assert collected(result) == SPECS
    assert result.ret == 0


def test_without_the_flag_nothing_more_is_collected(
    pytester: pytest.Pytester, project: Path
) -> None:
    result = pytester.runpytest(*PLUGIN, "--collect-only", "-q")
    assert collected(result) == ["tests/test_plain.py::test_plain"]
    assert pytester.runpytest(*PLUGIN, "specs").ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_without_paths_pytest_walks_what_it_always_does(
    pytester: pytest.Pytester, project: Path
) -> None:
    """`--graphspec` alone: the rootdir (here, no `testpaths`), every spec and test in it."""
    result = pytester.runpytest(*PLUGIN, "--graphspec", "--collect-only", "-q")
    assert collected(result) == [*SPECS, "tests/test_plain.py::test_plain"]
    pytester.makeini("[pytest]\ntestpaths = tests\n")
    result = pytester.runpytest(*PLUGIN, "--graphspec", "--collect-only", "-q")
    assert collected(result) == ["tests/test_plain.py::test_plain"]


def test_a_passing_spec_is_named_by_its_path(pytester: pytest.Pytester, project: Path) -> None:
    result = pytester.runpytest(*PLUGIN, "--graphspec", "-v", "specs/good.yaml")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["specs/good.yaml PASSED*"])


def test_a_failing_expect_shows_each_fact_and_the_line(
    pytester: pytest.Pytester, project: Path
) -> None:
    result = pytester.runpytest(*PLUGIN, "--graphspec", "specs/wrong.yaml")
    result.assert_outcomes(failed=1)
    lines = report(result, "specs/wrong.yaml:7: expect:")
    assert lines == [
        "specs/wrong.yaml:7: expect: 1 of 2 facts differ",
        "  line  fact             expected   actual",
        "     8  params           12         10         <- differs",
        "     9  output_shapes.d  [null, 2]  [null, 2]",
        "",
        "specs/wrong.yaml:8:11: error: expected params 12, the model has 10 [GS701]",
        "      params: 12",
        "              ^~",
    ]
    result.stdout.fnmatch_lines(["*_ graphspec specs/wrong.yaml _*"])  # the failure's title
    assert_no_traceback("\n".join(lines))


def test_an_invalid_spec_shows_graphspec_s_diagnostics(
    pytester: pytest.Pytester, project: Path
) -> None:
    result = pytester.runpytest(*PLUGIN, "--graphspec", "specs/bad.yaml")
    result.assert_outcomes(failed=1)
    lines = report(result, "specs/bad.yaml: the spec is invalid")
    assert lines == [
        "specs/bad.yaml: the spec is invalid (1 error)",
        "specs/bad.yaml:5:14: error: d: unknown layer 'Dens'; did you mean 'Dense'? [GS301]",
        "      d: {layer: Dens, units: 2, inputs: x}",
        "                 ^~~~",
    ]
    assert_no_traceback("\n".join(lines))
    result = pytester.runpytest(*PLUGIN, "--graphspec", "specs/broken.yaml")
    assert report(result, "specs/broken.yaml: ") == [
        "specs/broken.yaml: the spec is invalid (1 error)",
        "specs/broken.yaml:3:1: error: invalid YAML: while parsing a flow sequence (opened at "
        "line 2, column 9), did not find expected ',' or ']' [GS101]",
    ]


def test_k_selects_specs_by_name_and_path(pytester: pytest.Pytester, project: Path) -> None:
    select = ("--graphspec", "--collect-only", "-q")
    result = pytester.runpytest(*PLUGIN, *select, "-k", "good or deeper", "specs")
    assert collected(result) == ["specs/good.yaml", "specs/sub/deeper.yml"]
    result = pytester.runpytest(*PLUGIN, *select, "-k", "specs/sub/deeper.yml", "specs")
    assert collected(result) == ["specs/sub/deeper.yml"]
    result = pytester.runpytest(*PLUGIN, *select, "-m", "not graphspec")
    assert collected(result) == ["tests/test_plain.py::test_plain"]


def test_the_ini_option_collects_its_globs_without_the_flag(
    pytester: pytest.Pytester, project: Path
) -> None:
    pytester.makeini(
        "[pytest]\ntestpaths = tests\n"
        "graphspec_specs = specs/good.yaml specs/**/*.yml specs/not_a_spec.yaml specs/*.txt\n"
    )
    result = pytester.runpytest(*PLUGIN, "--collect-only", "-q")
    assert collected(result) == [
        "specs/good.txt",
        "specs/good.yaml",
        "specs/sub/deeper.yml",
        "tests/test_plain.py::test_plain",
    ]
    result = pytester.runpytest(*PLUGIN, "--collect-only", "-q", "tests")
    assert collected(result) == ["tests/test_plain.py::test_plain"]
    result = pytester.runpytest(*PLUGIN, "-q")
    result.assert_outcomes(passed=4)


def test_the_ini_option_in_pyproject_as_a_list(pytester: pytest.Pytester, project: Path) -> None:
    pytester.makepyprojecttoml(
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'
        'graphspec_specs = ["specs/good.yaml", "specs/wrong.yaml"]\n'
    )
    result = pytester.runpytest(*PLUGIN, "-q")
    result.assert_outcomes(passed=2, failed=1)


def test_collection_does_not_import_tensorflow(pytester: pytest.Pytester, project: Path) -> None:
    pytester.makeconftest(
        "import sys\n\n\ndef pytest_collection_finish(session):\n"
        "    loaded = sorted({'tensorflow', 'keras'} & set(sys.modules))\n"
        "    print('backend modules loaded:', loaded)\n"
    )
    result = pytester.runpytest_subprocess(*PLUGIN, "--graphspec", "--collect-only", "-q")
    assert collected(result) == [*SPECS, "tests/test_plain.py::test_plain"]
    result.stdout.fnmatch_lines(["backend modules loaded: []"])


UNUSED = GOOD.replace("nodes:\n", "nodes:\n  spare: {layer: ReLU, inputs: x}\n")


def test_a_spec_s_warnings_go_to_pytest_s_warnings_summary(
    pytester: pytest.Pytester, project: Path
) -> None:
    (project / "specs/unused.yaml").write_text(UNUSED, "utf-8")
    result = pytester.runpytest(*PLUGIN, "--graphspec", "specs/unused.yaml")
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "specs/unused.yaml",
            "  specs/unused.yaml:5: GraphSpecWarning: specs/unused.yaml:5:10: warning: "
            "spare: no output depends on this node [GS404]",
            "      hint: make it an output, or remove it",
            "    spare: {layer: ReLU, inputs: x}",
        ]
    )
    strict = ("-W", "error::graphspec.pytest_plugin.GraphSpecWarning")
    result = pytester.runpytest(*PLUGIN, *strict, "--graphspec", "specs/unused.yaml")
    result.assert_outcomes(failed=1)
    assert_no_traceback(result.stdout.str().split("FAILURES")[1])


PLUGIN_MODULE = """\
import keras


class Doubled(keras.layers.Layer):
    def call(self, x):
        return x * 2
"""


def test_the_plugins_ini_option_admits_user_layers(
    pytester: pytest.Pytester, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(my_layers=PLUGIN_MODULE)
    monkeypatch.syspath_prepend(str(project))
    spec = GOOD.replace("outputs: [d]", "  twice: {layer: Doubled, inputs: d}\noutputs: [twice]")
    spec = spec.replace("{d: [null, 2]}", "{twice: [null, 2]}")
    (project / "specs/custom.yaml").write_text(spec, "utf-8")
    result = pytester.runpytest(*PLUGIN, "--graphspec", "specs/custom.yaml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*unknown layer 'Doubled'*"])
    pytester.makeini("[pytest]\ngraphspec_plugins = my_layers\n")
    result = pytester.runpytest(*PLUGIN, "--graphspec", "specs/custom.yaml")
    result.assert_outcomes(passed=1)


def test_the_entry_point_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["entry-points"]["pytest11"] == {"graphspec": "graphspec.pytest_plugin"}


def _installed_from_this_checkout() -> bool:
    """Whether graphspec's installed metadata is this checkout's (`pip install -e .`)."""
    for dist in importlib.metadata.distributions(name="graphspec"):
        url = json.loads(dist.read_text("direct_url.json") or "{}").get("url", "")
        where = Path(str(dist.locate_file(""))).resolve()  # an egg-info in the checkout
        if url.removeprefix("file://") == str(ROOT) or where == ROOT:
            return True
    return False


@pytest.mark.skipif(
    not _installed_from_this_checkout(),
    reason="graphspec is not installed from this checkout (`pip install -e .`, as .ci/run does)",
)
def test_the_installed_entry_point_loads_the_plugin(
    pytester: pytest.Pytester, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = importlib.metadata.entry_points(group="pytest11", name="graphspec")
    assert [ep.value for ep in found] == ["graphspec.pytest_plugin"]
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    result = pytester.runpytest("--graphspec", "--collect-only", "-q", "specs")
    assert collected(result) == SPECS
