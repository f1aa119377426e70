"""What graphspec prints cannot be forged by a spec (control characters escaped, wherever they
come from), source lines are found as YAML counts lines, and long chains are shortened."""

from __future__ import annotations

import pytest

from graphspec.cli import main
from graphspec.diagnostics import BlockUse, Diagnostic, Inclusion, codes
from graphspec.diagnostics.text import lines, printable, source_line
from tests.conftest import Write

FORGERY = "relu\x1b[2K\r\nspec.yaml: ok\u202e\x85"


def test_printable_escapes_every_control_character() -> None:
    assert printable(FORGERY) == "relu\\x1b[2K\\r\\nspec.yaml: ok\\u202e\\x85"
    assert printable("plain é ü 漢字") == "plain é ü 漢字"
    assert all(c not in printable("".join(map(chr, range(0x20)))) for c in "\n\r\x1b\x00")


def test_message_file_hint_and_notes_are_escaped() -> None:
    d = Diagnostic(
        f"d: unknown activation '{FORGERY}'",
        "sp\x1bec.yaml",
        4,
        5,
        code=codes.UNKNOWN_ACTIVATION,
        hint="write\rrelu",
        included_from=(Inclusion("ma\nin.yaml", 3),),
    )
    text = d.format()
    assert all(c not in text.replace("\n    hint", "") for c in "\x1b\r\u202e\x85")
    assert text.count("\n") == 1  # only the hint's own line
    assert "sp\\x1bec.yaml:4:5" in text and "included from ma\\nin.yaml:3" in text


def test_source_line_is_escaped_and_the_caret_still_points_at_the_value() -> None:
    source = 'a: 1\nnodes: {d: {activation: "\u202ex\u202c", units: q}}\n'
    d = Diagnostic("m", "s.yaml", 2, 39, code=codes.UNKNOWN_ACTIVATION, end_line=2, end_column=40)
    _, shown, caret = d.format(source).splitlines()
    assert shown == '    nodes: {d: {activation: "\\u202ex\\u202c", units: q}}'
    assert shown[caret.index("^")] == "q"


def test_lines_are_split_as_yaml_counts_them() -> None:
    """NEL and the line/paragraph separators end lines in YAML; a form feed does not."""
    assert lines("a\r\nb\rc\x85d\u2028e\n") == ["a", "b", "c", "d", "e"]
    assert lines("a\n\n") == ["a", ""]  # the end of the file starts no line of its own
    assert source_line("\tkey: value") == " key: value"  # a tab is one column, as YAML's


def test_long_chains_of_uses_and_inclusions_are_shortened() -> None:
    uses = tuple(BlockUse(f"n{i}", f"b{i}") for i in range(10))
    chain = tuple(Inclusion(f"f{i}.yaml", i) for i in range(10))
    d = Diagnostic("m", "f.yaml", 1, 1, code=codes.BLOCKS_TOO_DEEP, uses=uses, included_from=chain)
    text = d.format()
    assert (
        "n0 (block b0) → n1 (block b1) → … 6 more uses … → n8 (block b8) → n9 (block b9) → m"
        in text
    )
    assert (
        "included from f0.yaml:0, included from f1.yaml:1, … 7 more inclusions …, included from f9.yaml:9"
        in text
    )
    assert len(d.to_json()["notes"]) == 10  # JSON keeps the whole chain


def test_a_spec_cannot_erase_a_line_or_fake_one(
    write_spec: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    """ESC, CR and newlines in values (and in Keras's messages that echo them) reach the
    terminal escaped, in validate's and build's text output alike."""
    spec = write_spec(
        "graphspec: 1\ninputs: {x: {shape: [4, 4, 1]}}\nnodes:\n"
        '  d: {layer: Dense, units: 2, activation: "relu\\e[2K\\r\\nok", inputs: x}\n'
        '  c: {layer: Conv2D, filters: 1, kernel_size: 1, padding: "same\\e[1A\\r", inputs: x}\n'
        "outputs: [d, c]\n"
    )
    for argv in (
        ["validate", str(spec)],
        ["build", "-q", str(spec), "-o", str(spec.with_suffix(".keras"))],
    ):
        capsys.readouterr()
        assert main(argv) == 1
        out, err = capsys.readouterr()
        assert not any(c in out + err for c in "\x1b\r"), repr(err)
        assert "relu\\x1b[2K\\r\\nok" in err


def test_usage_errors_are_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "no\x1b[2Kfile.yaml"]) == 2
    assert "no\\x1b[2Kfile.yaml" in capsys.readouterr().err
