"""Views: what renders a checked program for people or tools (expand, the JSON Schema)."""
