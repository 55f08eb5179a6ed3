"""The fault schedule: quiet, start some faults, leave them on, heal them, and again.

A pure generator for the nemesis thread. Each cycle waits ``interval_ns`` (jittered by the
seeded random, 0.5x to 1.5x), starts one fault (or, with ``combine``, a random non-empty set
of the configured faults, in random order), waits again, then stops them in reverse order.
Operations are ``start-<fault>`` and ``stop-<fault>``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from smchaos.generator.core import Context, Generator, Invocation, Pending, Result


@dataclass(frozen=True)
class FaultSchedule(Generator):
    """Cycles through the faults named in ``faults``."""

    faults: tuple[str, ...]
    interval_ns: int
    combine: bool = False
    phase: str = "quiet"
    wake_ns: int | None = None
    queue: tuple[str, ...] = ()
    active: tuple[str, ...] = ()

    def _jitter(self, ctx: Context) -> int:
        return int(self.interval_ns * ctx.rng.uniform(0.5, 1.5))

    def _choose(self, ctx: Context) -> tuple[str, ...]:
        if self.combine and len(self.faults) > 1:
            count = ctx.rng.randint(1, len(self.faults))
            return tuple(ctx.rng.sample(self.faults, count))
        return (ctx.rng.choice(self.faults),)

    def op(self, ctx: Context) -> Result:
        if not self.faults:
            return None, self
        now = ctx.time_ns
        if self.phase in ("quiet", "faulty"):
            wake = self.wake_ns if self.wake_ns is not None else now + self._jitter(ctx)
            if now < wake:
                return Pending(wake), replace(self, wake_ns=wake)
            if self.phase == "quiet":
                chosen = self._choose(ctx)
                return replace(self, phase="starting", queue=chosen, active=(),
                               wake_ns=None).op(ctx)
            return replace(self, phase="stopping", queue=tuple(reversed(self.active)),
                           wake_ns=None).op(ctx)
        if self.queue:
            fault, rest = self.queue[0], self.queue[1:]
            verb = "start" if self.phase == "starting" else "stop"
            active = (*self.active, fault) if verb == "start" else self.active
            return Invocation(f"{verb}-{fault}"), replace(self, queue=rest, active=active)
        if self.phase == "starting":
            return replace(self, phase="faulty", wake_ns=None).op(ctx)
        return replace(self, phase="quiet", active=(), wake_ns=None).op(ctx)
