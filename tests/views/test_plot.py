"""`graphspec plot`: golden .dot and .mmd files, every format on three specs, errors marked,
--depth, and a clear usage error without Graphviz."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest
import yaml

import graphspec
from graphspec.api import check_partially
from graphspec.cli import main
from graphspec.views.plot import picture
from graphspec.views.plot_dot import to_dot
from graphspec.views.plot_mermaid import to_mermaid
from tests.conftest import ROOT

PLOT = ROOT / "tests/data/plot"
CASES: dict[str, dict[str, Any]] = yaml.safe_load((PLOT / "cases.yaml").read_text("utf-8"))


def rendered(case: dict[str, Any]) -> dict[str, str]:
    """The .dot and .mmd texts `graphspec plot` writes for a case of cases.yaml."""
    found = check_partially(ROOT / case["spec"])
    assert found.program is not None and found.inferred is not None
    d = picture(found.program, found.inferred, found.diagnostics, found.document, case.get("depth"))
    return {".dot": to_dot(d), ".mmd": to_mermaid(d)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_pictures(name: str) -> None:
    """Stale after a deliberate change? `python tools/regen_plot_golden.py`, then review."""
    for suffix, text in rendered(CASES[name]).items():
        assert text == (PLOT / f"{name}{suffix}").read_text("utf-8"), f"{name}{suffix}"


def node_ids(spec: Path) -> list[str]:
    program = graphspec.check(spec).program
    graph = program.graph
    return [*(i.id for i in graph.inputs), *(n.id for n in graph.nodes), *graph.output_names]


MAGIC = {
    ".svg": lambda b: b.lstrip().startswith(b"<?xml") and b"<svg" in b[:1000],
    ".png": lambda b: b.startswith(b"\x89PNG\r\n\x1a\n"),
    ".pdf": lambda b: b.startswith(b"%PDF-") and b.rstrip().endswith(b"%%EOF"),
    ".dot": lambda b: b.startswith(b"digraph "),
    ".mmd": lambda b: b.startswith(b"---\ntitle: ") and b"\nflowchart TB\n" in b,
}
THREE = [
    "specs/architectures/resnet50.yaml",
    "specs/examples/unet.yaml",
    "specs/seed/siamese_lstm.yaml",
]


@pytest.mark.parametrize("spec", THREE, ids=lambda s: Path(s).stem)
@pytest.mark.parametrize("suffix", sorted(MAGIC))
def test_every_format(
    spec: str, suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"picture{suffix}"
    assert main(["plot", str(ROOT / spec), "-o", str(out)]) == 0, capsys.readouterr().err
    data = out.read_bytes()
    assert MAGIC[suffix](data), data[:80]
    ids = node_ids(ROOT / spec)
    assert len(data) > 200 * len(ids)  # a box, its label and its edges take more than that
    if suffix == ".png":
        width, height = struct.unpack(">II", data[16:24])
        assert width > 200 and height > 40 * len(ids) ** 0.5
    if suffix in (".svg", ".dot", ".mmd"):
        text = data.decode("utf-8")
        assert [i for i in ids if i not in text] == []
    assert capsys.readouterr().out == f"wrote {out}\n"


def test_an_invalid_spec_is_drawn_with_its_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "broken.dot"
    assert main(["plot", str(PLOT / "broken.yaml"), "-o", str(out), "--no-source"]) == 1
    err = capsys.readouterr().err
    assert "unknown layer 'Dens'" in err and "[GS301]" in err
    text = out.read_text("utf-8")
    assert "GS301: unknown layer 'Dens'" in text
    assert '"hidden" -> "out"' in text  # a node left out behind the error is drawn as written


def test_shape_errors_in_every_copy_are_marked(tmp_path: Path) -> None:
    spec = yaml.safe_load((PLOT / "broken.yaml").read_text("utf-8"))
    spec["nodes"]["hidden"]["layer"] = "Dense"  # only the block's shape error is left
    found = check_partially(spec)
    assert [d.code for d in found.errors] == ["GS501"]
    assert found.program is not None and found.inferred is not None
    d = picture(found.program, found.inferred, found.diagnostics)
    marked = sorted(k for k, b in d.boxes.items() if b.errors)
    assert marked == ["stage_2_c2"]  # the copy Keras would refuse
    assert d.boxes["stage_2_c2"].errors[0].startswith("GS501: Add needs inputs of the same shape")


def test_depth_folds_clusters_into_boxes() -> None:
    found = check_partially(ROOT / "specs/examples/unet.yaml")
    assert found.program is not None and found.inferred is not None
    full = picture(found.program, found.inferred, found.diagnostics)
    folded = picture(found.program, found.inferred, found.diagnostics, depth=0)
    assert folded.clusters == {}
    tops = [k for k, c in full.clusters.items() if c.parent is None]
    assert [b.title for b in folded.boxes.values() if b.kind == "collapsed"] == [
        full.clusters[k].title.split(" · ")[0] for k in tops
    ]
    total = sum(b.params.total for b in folded.boxes.values() if b.counted and b.params)
    assert found.inferred.params.total is not None
    assert total == found.inferred.params.total.total
    one = picture(found.program, found.inferred, found.diagnostics, depth=1)
    assert {c.depth(one.clusters) for c in one.clusters.values()} == {1}


def test_the_format_comes_from_the_suffix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = str(ROOT / "specs/seed/mlp.yaml")
    assert main(["plot", spec, "-o", str(tmp_path / "x.jpeg")]) == 2
    assert (
        "the format comes from the suffix, one of .svg, .png, .pdf, .dot, .mmd"
        in capsys.readouterr().err
    )
    with pytest.raises(SystemExit) as e:  # argparse's own usage error
        main(["plot", spec, "--depth", "-1", "-o", str(tmp_path / "x.svg")])
    assert e.value.code == 2
    assert "--depth: expected a whole number 0 or more, got '-1'" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_without_graphviz_an_image_is_a_usage_error(
    suffix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no `dot` anywhere
    spec = str(ROOT / "specs/seed/mlp.yaml")
    out = tmp_path / f"mlp{suffix}"
    assert main(["plot", spec, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert (
        f"-o {out}: a {suffix} picture is rendered by Graphviz's dot program, which is not on PATH"
        in err
    )
    assert "apt-get install graphviz" in err and "brew install graphviz" in err
    assert not out.exists()
    assert main(["plot", spec, "-o", str(tmp_path / "mlp.mmd")]) == 0  # needs nothing


def test_the_readme_picture_is_made_by_its_command() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    command = "graphspec plot specs/examples/unet.yaml --depth 1 -o docs/unet.svg"
    assert f"`{command}`" in readme and "](docs/unet.svg)" in readme
    svg = (ROOT / "docs/unet.svg").read_text("utf-8")
    assert MAGIC[".svg"](svg.encode())
    found = check_partially(ROOT / "specs/examples/unet.yaml")
    assert found.program is not None and found.inferred is not None
    d = picture(found.program, found.inferred, found.diagnostics, depth=1)
    assert [k for k in d.boxes if f"<title>{k}</title>" not in svg] == []


def test_a_cycle_is_drawn_as_written(write_spec: Any, tmp_path: Path) -> None:
    path = write_spec(
        """
        graphspec: 1
        inputs: {x: {shape: [4]}}
        nodes:
          a: {layer: Dense, units: 4, inputs: [x, c]}
          b: {layer: Dense, units: 4, inputs: a}
          c: {layer: Dense, units: 4, inputs: b}
          d: {layer: Dense, units: 1, inputs: x}
        outputs: [d]
        """
    )
    out = tmp_path / "cycle.dot"
    assert main(["plot", str(path), "-o", str(out), "--no-source"]) == 1
    text = out.read_text("utf-8")
    for edge in ('"x" -> "a"', '"c" -> "a"', '"a" -> "b"', '"b" -> "c"', '"x" -> "d"'):
        assert edge in text
    assert "GS401: cycle: a → c → b → a" in text


def test_an_unreadable_spec_draws_nothing(
    write_spec: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_spec("graphspec: 1\ninputs: [unclosed\n")
    out = tmp_path / "x.svg"
    assert main(["plot", str(path), "-o", str(out), "--no-source"]) == 1
    assert "error:" in capsys.readouterr().err
    assert not out.exists()
