"""Text as graphspec prints it: control characters escaped, so that nothing a spec says (a
name holding ESC, CR or a newline; a Keras message echoing one) can move the cursor, erase a
line or fake one; and a file's lines as YAML counts them."""

from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
"""C0 and C1 control characters, DEL, and the invisible ones that reorder or break text (the
bidirectional marks, embeddings, overrides and isolates; line and paragraph separators)."""

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
"""What YAML counts as a line break (libyaml's and PyYAML's readers)."""


def _escaped(m: re.Match[str]) -> str:
    c = m.group()
    if c in _NAMED:
        return _NAMED[c]
    return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"


def printable(text: str) -> str:
    """`text` with every control character written as an escape (`\\x1b`, `\\n`, `\\u202e`)."""
    return CONTROL.sub(_escaped, text) if CONTROL.search(text) else text


def source_line(line: str) -> str:
    """A line of a spec as printed under a diagnostic: tabs as one space each (so that the
    caret's column still matches), other control characters escaped."""
    return printable(line.replace("\t", " "))


def lines(text: str) -> list[str]:
    """The lines of a file, split where YAML starts a new line (1-based line N is [N - 1]);
    the end of a file that ends with a line break starts no line of its own."""
    found = LINE_BREAK.split(text)
    if len(found) > 1 and found[-1] == "":
        found.pop()
    return found


def position(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of `offset` in `text`, lines broken where YAML breaks them
    (\r\n, \r, \n, NEL, LS, PS), as libyaml's marks count them."""
    line, start = 1, 0
    for m in LINE_BREAK.finditer(text, 0, offset):
        if m.end() > offset:
            break
        line, start = line + 1, m.end()
    return line, offset - start + 1
