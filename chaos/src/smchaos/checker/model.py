"""Sequential specifications (models) for the linearizability checker.

A model is pure: ``step(state, f, input, output, known)`` says whether the operation, applied
to ``state``, could have returned ``output``, and what the state becomes. ``known`` is false
for an indeterminate (``info``) operation whose output was never seen. States are hashable so
the search can cache them.
"""

from __future__ import annotations

from typing import Any, Protocol


class Model(Protocol):
    """The interface the linearizability search needs."""

    name: str

    def init(self) -> Any:
        """The state before any operation (a missing key)."""

    def step(self, state: Any, f: str, input: Any, output: Any, known: bool) -> tuple[bool, Any]:
        """Apply one operation: ``(legal, new_state)``."""

    def describe(self, state: Any) -> str:
        """A short human-readable form of ``state``."""


class RegisterModel:
    """A register with delete: ``read`` returns the value, ``null`` when the key is missing."""

    name = "register"

    def init(self) -> Any:
        """A missing key."""
        return None

    def step(self, state: Any, f: str, input: Any, output: Any, known: bool) -> tuple[bool, Any]:
        """Reads must see the state; writes set it; deletes clear it."""
        if f == "read":
            return (not known or output == state), state
        if f == "write":
            return True, input
        if f == "delete":
            return True, None
        return False, state

    def describe(self, state: Any) -> str:
        """``null`` or the value."""
        return "null" if state is None else repr(state)


class CounterModel(RegisterModel):
    """A counter key: the register's reads, writes and deletes, plus ``incr``, which adds
    ``input`` and returns the new value.

    An acknowledged ``incr`` of a missing key is illegal (the server answers not found, which
    the client records as ``fail``); an indeterminate one leaves the key missing.
    """

    name = "counter"

    def step(self, state: Any, f: str, input: Any, output: Any, known: bool) -> tuple[bool, Any]:
        """Increments move the state; everything else is the register's."""
        if f != "incr":
            return super().step(state, f, input, output, known)
        if state is None:
            return (not known), None
        new = state + input
        return (not known or output == new), new

    def describe(self, state: Any) -> str:
        """``null`` or the number."""
        return "null" if state is None else str(state)


MODELS: dict[str, Model] = {"register": RegisterModel(), "counter": CounterModel()}
