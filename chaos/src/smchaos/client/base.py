"""The Client interface: run one operation against the system, say what became of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from smchaos.generator import Invocation

OutcomeType = Literal["ok", "fail", "info"]


@dataclass(frozen=True)
class Outcome:
    """How an operation ended: ``ok`` (took effect, ``value`` is its result), ``fail``
    (certainly did not take effect) or ``info`` (indeterminate). ``error`` says why."""

    type: OutcomeType
    value: Any = None
    error: str | None = None


class Client(Protocol):
    """One connection, used by one process at a time."""

    async def invoke(self, invocation: Invocation) -> Outcome:
        """Run the operation; never raises for a failure of the system under test."""

    async def close(self) -> None:
        """Release the connection."""


class ClientFactory(Protocol):
    """Opens a client for a new process id (processes that end ``info`` are replaced)."""

    def open(self, process: int) -> Client:
        """A client for ``process``; it connects lazily on its first operation."""
