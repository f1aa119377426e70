"""Stand-ins for what had errors of its own, so that everything else is still checked: a value
no static rule can use, a layer of unknown output, a reference to nothing."""

from __future__ import annotations

from typing import Any, NoReturn

from graphspec.ir import LayerIR, NodeIR, Origin, Ref


class Invalid:
    """An argument that had errors of its own: any use of it by a static rule (truth, order,
    arithmetic, iteration) raises TypeError, so that the rule's answer is "unknown"."""

    def _refuse(self, *args: Any) -> NoReturn:
        raise TypeError("an argument with errors of its own")

    __bool__ = __lt__ = __le__ = __gt__ = __ge__ = __len__ = __iter__ = _refuse
    __index__ = __int__ = __float__ = __neg__ = __add__ = __radd__ = _refuse
    __mul__ = __rmul__ = __sub__ = __rsub__ = __truediv__ = __floordiv__ = _refuse
    __getitem__ = __contains__ = _refuse

    def __repr__(self) -> str:
        return "<invalid>"


INVALID = Invalid()
"""The one stand-in for an argument with errors (compared by identity: `is INVALID`)."""

UNCHECKED = "<unchecked>"
"""The class name of a stand-in layer: no static rule has it, so its output is unknown."""

UNRESOLVED = Ref("<unresolved>")
"""A reference that did not resolve: no node has this id (never a valid one)."""


def unchecked(origin: Origin) -> LayerIR:
    """A layer whose output is unknown: in place of one that had errors of its own."""
    return LayerIR(UNCHECKED, [], {}, origin)


def is_unchecked(node: NodeIR) -> bool:
    return isinstance(node.callable, LayerIR) and node.callable.class_name == UNCHECKED
