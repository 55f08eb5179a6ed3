"""Process faults: SIGKILL and restart, SIGSTOP and SIGCONT, of one random member."""

from __future__ import annotations

import random

from smchaos.client.base import Outcome
from smchaos.db.topology import LocalTopology
from smchaos.generator import Invocation


class KillNemesis:
    """``start-kill`` SIGKILLs a random member; ``stop-kill`` restarts it."""

    faults = ("kill",)

    def __init__(self, db: LocalTopology, rng: random.Random) -> None:
        self.db = db
        self.rng = rng
        self.killed: list[str] = []

    async def invoke(self, invocation: Invocation) -> Outcome:
        """Kill or restart."""
        if invocation.f == "start-kill":
            victim = self.rng.choice(sorted(self.db.members))
            await self.db.kill(victim)
            self.killed.append(victim)
            return Outcome("ok", {"killed": victim})
        if invocation.f == "stop-kill":
            restarted = list(self.killed)
            try:
                await self.heal()
            except Exception as exc:  # a member that cannot restart is a finding
                return Outcome("info", {"restarted": restarted}, f"restart failed: {exc}")
            return Outcome("ok", {"restarted": restarted})
        return Outcome("fail", None, f"unknown nemesis op {invocation.f}")

    async def heal(self) -> None:
        """Restart every killed member."""
        while self.killed:
            name = self.killed[0]
            await self.db.restart(name)
            self.killed.pop(0)


class PauseNemesis:
    """``start-pause`` SIGSTOPs a random member; ``stop-pause`` SIGCONTs it."""

    faults = ("pause",)

    def __init__(self, db: LocalTopology, rng: random.Random) -> None:
        self.db = db
        self.rng = rng
        self.paused: list[str] = []

    async def invoke(self, invocation: Invocation) -> Outcome:
        """Pause or resume."""
        if invocation.f == "start-pause":
            victim = self.rng.choice(sorted(self.db.members))
            self.db.pause(victim)
            self.paused.append(victim)
            return Outcome("ok", {"paused": victim})
        if invocation.f == "stop-pause":
            resumed = list(self.paused)
            await self.heal()
            return Outcome("ok", {"resumed": resumed})
        return Outcome("fail", None, f"unknown nemesis op {invocation.f}")

    async def heal(self) -> None:
        """Resume every paused member."""
        for name in self.paused:
            self.db.resume(name)
        self.paused = []
