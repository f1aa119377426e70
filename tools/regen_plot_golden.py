"""Rewrite the golden pictures tests/data/plot/NAME.dot and NAME.mmd from what plot draws now.

    python tools/regen_plot_golden.py [NAME ...]

Each case of tests/data/plot/cases.yaml is drawn as tests/views/test_plot.py draws it. Review
the diff, and look at the pictures (`dot -Tpng tests/data/plot/NAME.dot -o NAME.png`), before
committing: a changed golden file means a changed picture.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(names: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    from tests.views.test_plot import CASES, PLOT, rendered

    for name in names or sorted(CASES):
        for suffix, text in rendered(CASES[name]).items():
            target = PLOT / f"{name}{suffix}"
            old = target.read_text("utf-8") if target.exists() else None
            if old != text:
                target.write_text(text, "utf-8")
                print(f"{'wrote' if old is None else 'changed'} {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
