"""Which Keras backend a run uses: chosen once per process, before Keras is imported.

Keras reads `KERAS_BACKEND` once, at `import keras`; switching later (keras.config.set_backend)
leaves objects made before the switch on the old backend, so graphspec never switches: it
sets the variable before the first import, and refuses a backend other than the one an
already imported Keras has. Importing this module imports no Keras."""

from __future__ import annotations

import importlib.util
import os
import sys

BACKENDS = ("tensorflow", "jax", "torch")
"""The backends graphspec builds and trains on."""

DEFAULT = "tensorflow"

INSTALL = {
    "tensorflow": "pip install tensorflow",
    "jax": "pip install 'graphspec[jax]'",
    "torch": "pip install 'graphspec[torch]' (the CPU build: see docs/backends.md)",
}
"""What to install for each backend's own package."""


class BackendError(Exception):
    """A backend that cannot be used in this process (unknown, not installed, or not the one
    Keras was imported with)."""


def imported() -> str | None:
    """The backend of the Keras this process has imported, or None before `import keras`."""
    module = sys.modules.get("keras")
    config = getattr(module, "config", None)
    if config is None:
        return None
    return str(config.backend())


def from_environment() -> str | None:
    """`KERAS_BACKEND` when it is set (BackendError when it names no backend of graphspec's)."""
    value = os.environ.get("KERAS_BACKEND") or None
    if value is not None and value not in BACKENDS:
        raise BackendError(
            f"KERAS_BACKEND={value}: graphspec builds on {', '.join(BACKENDS)}; "
            "set it to one of them or give --backend"
        )
    return value


def chosen(explicit: str | None = None) -> str:
    """The backend a run is for, without importing anything: `explicit` (--backend), else
    the imported Keras's, else `KERAS_BACKEND`, else tensorflow."""
    if explicit is not None:
        if explicit not in BACKENDS:
            raise BackendError(f"unknown backend '{explicit}': choose {', '.join(BACKENDS)}")
        return explicit
    return imported() or from_environment() or DEFAULT


def select(explicit: str | None = None) -> str:
    """Make `chosen(explicit)` the backend this process's Keras has or will have, before
    anything imports Keras. BackendError when Keras is already imported with another one,
    or when the backend's package is not installed."""
    name = chosen(explicit)
    active = imported()
    if name not in BACKENDS:
        raise BackendError(
            f"Keras is imported with the {name} backend; graphspec builds on {', '.join(BACKENDS)}"
        )
    if active is not None and active != name:
        raise BackendError(
            f"Keras is already imported in this process with the {active} backend, so it "
            f"cannot build on {name}: Keras reads KERAS_BACKEND once, at `import keras`. "
            f"Set KERAS_BACKEND={name} before Python imports Keras (or run graphspec in a "
            "new process)"
        )
    if active is None and importlib.util.find_spec(name) is None:
        raise BackendError(f"the {name} backend needs the {name} package: {INSTALL[name]}")
    if active is None:
        os.environ["KERAS_BACKEND"] = name
    return name
