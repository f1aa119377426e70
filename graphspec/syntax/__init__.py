"""Stage 1, syntax: YAML with positions → the pydantic spec (schema, sections, templates)."""
