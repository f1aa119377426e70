"""Did-you-mean in bounded work: candidates by length, each name once, a budget per run."""

from __future__ import annotations

import difflib
import importlib
from typing import Any

import pytest

from graphspec.diagnostics.suggest import MAX_COMPARISONS, bounded, suggest

suggestions = importlib.import_module("graphspec.diagnostics.suggest")


def test_suggests_the_closest_name_ignoring_case_too() -> None:
    assert suggest("Dens", ["Dense", "Dropout"]) == "; did you mean 'Dense'?"
    assert suggest("DENSE", ["Dense"]) == "; did you mean 'Dense'?"
    assert suggest("zzz", ["Dense"]) == ""
    assert suggest("x" * 1000, ["x" * 1000]) == ""  # too long to compare


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many candidates each call of difflib compares."""
    sizes: list[int] = []
    close = difflib.get_close_matches

    def counting(word: str, possibilities: Any, *args: Any, **kwargs: Any) -> list[str]:
        sizes.append(len(possibilities))
        return close(word, possibilities, *args, **kwargs)

    monkeypatch.setattr(suggestions.difflib, "get_close_matches", counting)
    return sizes


def test_only_candidates_of_a_length_that_could_match_are_compared(compared: list[int]) -> None:
    """A ratio of 0.6 needs the shorter length to be at least 3/7 of the longer."""
    pool = ["ab", "abcd", "a" * 40]
    assert suggest("abcx", pool) == "; did you mean 'abcd'?"
    assert compared[0] == 2


def test_a_run_compares_a_bounded_number_of_candidates(compared: list[int]) -> None:
    ids = {f"node{i:05d}": i for i in range(2_000)}
    with bounded():
        found = [suggest(f"nade{i:05d}", ids) for i in range(2_000)]  # 4,000,000 pairs
    assert sum(compared) <= 2 * MAX_COMPARISONS  # (each call may look twice: ignoring case)
    assert found[0] and not found[-1]  # the first ones get a suggestion, the rest none


def test_the_same_name_is_compared_once_per_run(compared: list[int]) -> None:
    ids = {f"node{i:05d}": i for i in range(1_000)}
    with bounded():
        found = {suggest("nade00007", ids) for _ in range(1_000)}
    assert found == {"; did you mean 'node00007'?"} and len(compared) == 1
