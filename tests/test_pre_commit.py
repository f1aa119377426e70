"""The pre-commit hook, run by pre-commit itself: `pre-commit try-repo` of this checkout on a
scratch repository holding a good spec, a bad spec and a YAML file that is not a spec."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

GOOD = """\
graphspec: 1
inputs: {x: {shape: [4]}}
nodes:
  d: {layer: Dense, units: 2, inputs: x}
outputs: [d]
"""

FILES = {
    "models/good.yaml": GOOD,
    "models/bad.yaml": GOOD.replace("Dense", "Dens"),
    "ci/workflow.yml": "on: push\njobs: {test: {runs-on: ubuntu-latest}}\n",
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git"),
]


def test_the_hook_manifest() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert [h["id"] for h in hooks] == ["graphspec-validate"]
    hook = hooks[0]
    assert (hook["language"], hook["entry"], hook["types"]) == (
        "python",
        "graphspec validate --only-specs -q",
        ["yaml"],
    )


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A git repository with FILES staged, as a user's before a commit."""
    repo = tmp_path / "project"
    for name, text in FILES.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, "utf-8")
    for argv in (["init", "-q"], ["add", "."]):
        subprocess.run(["git", *argv], cwd=repo, check=True, timeout=60)
    return repo


def pre_commit(repo: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m pre_commit ARGV…` in `repo`, with a cache of its own."""
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *argv],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def hook_output(run: subprocess.CompletedProcess[str]) -> list[str]:
    """What the failed hook printed, after pre-commit's own lines about it."""
    out = run.stdout
    return out[out.index("- exit code: 1") :].strip().splitlines()[2:]


BAD_REPORT = [
    "models/bad.yaml:4:14: error: d: unknown layer 'Dens'; did you mean 'Dense'? [GS301]",
    "      d: {layer: Dens, units: 2, inputs: x}",
    "                 ^~~~",
]


def try_repo(repo: Path, *files: str) -> subprocess.CompletedProcess[str]:
    """`pre-commit try-repo` of this checkout (its uncommitted changes too) on `files`.

    pre-commit makes the hook's virtualenv and pip-installs this checkout into it, with this
    machine's pip configuration. The virtualenv sees the system's site-packages, so that pip
    finds TensorFlow installed rather than fetching it again (about 600 MB of wheels; the
    README gives the figures of a first install)."""
    argv = ("try-repo", str(ROOT), "graphspec-validate", "--files", *files)
    return pre_commit(repo, *argv, VIRTUALENV_SYSTEM_SITE_PACKAGES="1")


def test_the_hook_passes_good_specs_and_fails_bad_ones(scratch: Path) -> None:
    run = try_repo(scratch, "models/good.yaml", "ci/workflow.yml")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "graphspec validate" in run.stdout and "Passed" in run.stdout

    run = try_repo(scratch, *FILES)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "- hook id: graphspec-validate" in run.stdout and "Failed" in run.stdout
    assert hook_output(run) == BAD_REPORT


def readme_local_config() -> str:
    """The README's `.pre-commit-config.yaml` for a local hook."""
    blocks = (ROOT / "README.md").read_text("utf-8").split("```yaml\n")[1:]
    return next(b.split("```")[0] for b in blocks if "repo: local" in b)


def test_the_readme_s_local_hook(scratch: Path, tmp_path: Path) -> None:
    """The local hook runs the `graphspec` on PATH: here, a launcher of this checkout's."""
    (scratch / ".pre-commit-config.yaml").write_text(readme_local_config(), "utf-8")
    subprocess.run(["git", "add", "."], cwd=scratch, check=True, timeout=60)
    launcher = tmp_path / "bin" / "graphspec"
    launcher.parent.mkdir()
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m graphspec "$@"\n', "utf-8")
    launcher.chmod(0o755)
    path = f"{launcher.parent}{os.pathsep}{os.environ['PATH']}"
    env = {"PATH": path, "PYTHONPATH": str(ROOT)}
    run = pre_commit(scratch, "run", "--files", "models/good.yaml", "ci/workflow.yml", **env)
    assert run.returncode == 0, run.stdout + run.stderr
    run = pre_commit(scratch, "run", "--all-files", **env)
    assert run.returncode == 1, run.stdout + run.stderr
    assert hook_output(run) == BAD_REPORT
