"""`python -m graphspec`: the same program as the `graphspec` command."""

from graphspec.cli import run

run()
