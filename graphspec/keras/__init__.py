"""Stage 5, keras: the only folder that imports Keras — emit, compile, save, train, plugins,
and `compat`, the one module that touches Keras internals. Importing this package imports no
Keras; its modules import Keras when a function of theirs needs it."""
