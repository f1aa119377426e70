"""The catalog: the Keras names a spec may use (registry.py over the generated JSON)."""
