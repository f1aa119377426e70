"""Did-you-mean suggestions for a misspelt name, with difflib, in bounded work: only names of a
length that could match are compared, each name once, and a run compares so many names at most."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

MAX_COMPARISONS = 20_000
"""Candidates a run may look at for suggestions in all; past it, errors come without one."""

MAX_NAME = 100
"""Names longer than this get no suggestion, and are suggested for none."""

CUTOFF = 0.6
"""difflib's similarity a suggestion needs."""


@dataclass
class Budget:
    """What one run may still spend on suggestions, and what it found already."""

    left: int = MAX_COMPARISONS
    found: dict[tuple[str, int, int], tuple[object, str]] = field(default_factory=dict)
    """(name, id of the choices, their number) → (the choices, kept alive, so that their id is
    not reused while this lives; the suggestion)."""

    def spend(self, n: int) -> bool:
        if n > self.left:
            self.left = 0
            return False
        self.left -= n
        return True


_budget: ContextVar[Budget | None] = ContextVar("graphspec_suggestions", default=None)


@contextmanager
def bounded() -> Iterator[Budget]:
    """Bound the suggestions made inside (one run: a check, a build) by one Budget."""
    budget = Budget()
    token = _budget.set(budget)
    try:
        yield budget
    finally:
        _budget.reset(token)


def _closest(name: str, pool: list[str]) -> str:
    """The closest of `pool` to `name` (also ignoring case), or the empty string."""
    close = difflib.get_close_matches(name, pool, n=1, cutoff=CUTOFF)
    if not close:
        lowered = {c.lower(): c for c in pool}
        found = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=CUTOFF)
        close = [lowered[m] for m in found]
    return close[0] if close else ""


def suggest(name: str, choices: Iterable[str]) -> str:
    """'; did you mean X?' for the closest choice, or the empty string.

    difflib's ratio 2M/(a+b) reaches 0.6 only if the shorter length is at least 3/7 of the
    longer, so only such candidates are compared."""
    if len(name) > MAX_NAME:
        return ""
    pool = choices if isinstance(choices, Collection) else list(choices)
    budget = _budget.get()
    key = (name, id(choices), len(pool))
    if budget is not None:
        seen = budget.found.get(key)
        if seen is not None and seen[0] is choices:
            return seen[1]
        if not budget.spend(len(pool)):
            return ""
    low, high = len(name) * 3 / 7, len(name) * 7 / 3
    fitting = [c for c in pool if isinstance(c, str) and low <= len(c) <= high]
    best = _closest(name, fitting)
    text = f"; did you mean '{best}'?" if best else ""
    if budget is not None:
        budget.found[key] = (choices, text)
    return text
