"""Clock skew: move one member's wall clock by tens of seconds (libfaketime), then back.

Versions are hybrid logical clocks stamped by the cluster from its wall clock, so a skewed
cluster clock is the interesting case: a clock that jumps back must not make versions go
backwards, and one that jumps forward must not let a later write lose to an earlier one.
"""

from __future__ import annotations

import random

from smchaos.client.base import Outcome
from smchaos.db.topology import LocalTopology
from smchaos.generator import Invocation


class ClockNemesis:
    """``start-clock`` skews a random member by 5 to 60 s either way; ``stop-clock`` resets."""

    faults = ("clock",)

    def __init__(self, db: LocalTopology, rng: random.Random, max_skew_s: float = 60.0) -> None:
        self.db = db
        self.rng = rng
        self.max_skew_s = max_skew_s
        self.skewed: list[str] = []

    async def invoke(self, invocation: Invocation) -> Outcome:
        """Skew or reset."""
        if invocation.f == "start-clock":
            victim = self.rng.choice(sorted(self.db.members))
            offset = self.rng.uniform(5.0, self.max_skew_s) * self.rng.choice((-1, 1))
            self.db.set_clock_offset(victim, round(offset, 3))
            self.skewed.append(victim)
            return Outcome("ok", {"skewed": victim, "offset_s": round(offset, 3)})
        if invocation.f == "stop-clock":
            reset = list(self.skewed)
            await self.heal()
            return Outcome("ok", {"reset": reset})
        return Outcome("fail", None, f"unknown nemesis op {invocation.f}")

    async def heal(self) -> None:
        """Reset every skewed clock."""
        for name in self.skewed:
            self.db.set_clock_offset(name, 0.0)
        self.skewed = []
