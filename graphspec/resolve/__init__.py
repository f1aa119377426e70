"""Stage 2, resolve: a validated spec → the flat graph IR (references, shared, blocks, catalog)."""

from graphspec.resolve.context import Options
from graphspec.resolve.resolver import resolve, resolve_all

__all__ = ["Options", "resolve", "resolve_all"]
