"""Hypothesis strategies for fuzzing: random valid specs (shapes tracked), and spec mutations."""

from tests.fuzz_specs.mutations import Site, ids_of, refs, value_at
from tests.fuzz_specs.text import YAML_BREAK, Mutant, mutants, planted_cycles
from tests.fuzz_specs.valid import Generated, dump, valid_specs

__all__ = [
    "YAML_BREAK",
    "Generated",
    "Mutant",
    "Site",
    "dump",
    "ids_of",
    "mutants",
    "planted_cycles",
    "refs",
    "valid_specs",
    "value_at",
]
