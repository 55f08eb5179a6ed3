"""The Nemesis interface: inject a fault, heal it."""

from __future__ import annotations

from typing import Protocol

from smchaos.client.base import Outcome
from smchaos.generator import Invocation


class Nemesis(Protocol):
    """Runs ``start-<fault>`` and ``stop-<fault>`` operations; ``stop-all`` heals everything."""

    @property
    def faults(self) -> tuple[str, ...]:
        """The fault names this nemesis understands."""

    async def invoke(self, invocation: Invocation) -> Outcome:
        """Start or stop a fault; the outcome's value describes what was done."""

    async def heal(self) -> None:
        """Undo every active fault (called at the end of a run, even after an error)."""
