"""Several nemeses as one: routes ``start-X``/``stop-X`` to the nemesis owning fault ``X``;
``stop-all`` heals everything."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from typing import Protocol

from smchaos.client.base import Outcome
from smchaos.db.topology import LocalTopology, faketime_available
from smchaos.generator import Invocation
from smchaos.nemesis.clock import ClockNemesis
from smchaos.nemesis.partition import PartitionNemesis
from smchaos.nemesis.process import KillNemesis, PauseNemesis

FAULTS = ("partition", "kill", "pause", "clock")


class _Part(Protocol):
    @property
    def faults(self) -> tuple[str, ...]: ...

    async def invoke(self, invocation: Invocation) -> Outcome: ...

    async def heal(self) -> None: ...


def unavailable_reason(fault: str) -> str | None:
    """Why ``fault`` cannot run on this machine, or ``None``."""
    if fault not in FAULTS:
        return f"unknown fault {fault!r} (known: {', '.join(FAULTS)})"
    if fault == "clock":
        return faketime_available()
    return None


class CompositeNemesis:
    """The nemesis of a run: the named faults over one topology."""

    def __init__(self, db: LocalTopology, names: list[str], rng: random.Random) -> None:
        makers: dict[str, Callable[[LocalTopology, random.Random], _Part]] = {
            "partition": PartitionNemesis, "kill": KillNemesis, "pause": PauseNemesis,
            "clock": ClockNemesis}
        self.parts: dict[str, _Part] = {n: makers[n](db, rng) for n in names}

    @property
    def faults(self) -> tuple[str, ...]:
        """The fault names, in the order given."""
        return tuple(self.parts)

    async def invoke(self, invocation: Invocation) -> Outcome:
        """Route one nemesis operation."""
        if invocation.f == "stop-all":
            await self.heal()
            return Outcome("ok", {"healed": list(self.parts)})
        _, _, fault = invocation.f.partition("-")
        part = self.parts.get(fault)
        if part is None:
            return Outcome("fail", None, f"no nemesis for {invocation.f}")
        return await part.invoke(invocation)

    async def heal(self) -> None:
        """Heal every fault, each independently of the others' errors."""
        for part in self.parts.values():
            with contextlib.suppress(Exception):
                await part.heal()
