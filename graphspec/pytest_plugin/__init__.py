"""The pytest plugin: each YAML spec with an `expect:` block is a test item (`--graphspec`)."""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any

import pytest

from graphspec.pytest_plugin.item import GraphSpecWarning, SpecItem

SUFFIXES = (".yaml", ".yml")
"""The files `--graphspec` looks into; `graphspec_specs` globs may name any."""

_LISTED = pytest.StashKey[frozenset[Path]]()
"""The specs (with `expect:`) that the `graphspec_specs` globs match."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("graphspec")
    group.addoption(
        "--graphspec",
        action="store_true",
        default=False,
        help="collect every YAML file with a `graphspec:` key and an `expect:` block under "
        "the paths pytest collects as a test item: build the spec, verify its facts",
    )
    parser.addini(
        "graphspec_specs",
        "globs (relative to the rootdir, `**` recursive) of graphspec specs to collect as "
        "test items without --graphspec",
        type="args",
        default=[],
    )
    parser.addini(
        "graphspec_plugins",
        "modules whose layer classes specs may use, as graphspec's --plugin",
        type="args",
        default=[],
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "graphspec: a spec's `expect:` facts, checked by graphspec's pytest plugin"
    )


def _listed(config: pytest.Config) -> frozenset[Path]:
    """The files the globs match that are specs with an `expect:` block, resolved."""
    patterns = config.getini("graphspec_specs")
    if not patterns:
        return frozenset()
    from graphspec.syntax.sniff import is_spec

    root = config.rootpath
    found = {
        (root / name).resolve()
        for pattern in patterns
        for name in glob.glob(pattern, root_dir=root, recursive=True)
    }
    return frozenset(p for p in found if p.is_file() and is_spec(p, "expect"))


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> None:
    """Without path arguments, pytest collects the `graphspec_specs` too, as `testpaths`."""
    config = session.config
    listed = config.stash[_LISTED] = _listed(config)
    if listed and config.args_source is not pytest.Config.ArgsSource.ARGS:
        config.args = [*config.args, *sorted(map(str, listed))]


def _nodeid(parent: pytest.Collector, path: Path) -> str:
    """The spec's path relative to the rootdir, as pytest names a file's node."""
    base = parent.nodeid if parent.path == path.parent else ""
    return f"{base}/{path.name}" if base not in ("", ".") else path.name


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> Any:
    """The spec itself is the item (its nodeid the spec's path): a spec states one set of
    facts, so there is no collector between the directory and the test."""
    config = parent.config
    listed = config.stash.get(_LISTED, frozenset())
    flagged = config.getoption("graphspec") and file_path.suffix in SUFFIXES
    if not flagged and not listed:
        return None
    if listed and file_path.resolve() in listed:
        wanted = True
    else:
        from graphspec.syntax.sniff import is_spec

        wanted = flagged and is_spec(file_path, "expect")
    if not wanted:
        return None
    item = SpecItem.from_parent(
        parent, name=file_path.name, path=file_path, nodeid=_nodeid(parent, file_path)
    )
    item.add_marker("graphspec")
    item.extra_keyword_matches.add(item.nodeid)
    return item


__all__ = ["GraphSpecWarning", "SpecItem"]
