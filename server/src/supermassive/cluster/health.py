"""Health checks: one watcher task per member, every ``health-check-interval`` seconds.

An *up* member is PINGed on every pooled connection (a real connection, the one requests
use); a failure or a wrong answer marks it down. A *down* member gets a reconnect cycle: up to
``1 + max-retries`` connect attempts (TCP/TLS, then NAUTH), ``retry-wait-time`` apart; the
first success brings it back, without restarting anything. Watchers are independent: a member
that hangs (SIGSTOP) or is black-holed delays only its own watcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from supermassive.cluster.member import Member

log = logging.getLogger("supermassive.cluster.health")


class Health:
    """Starts, runs and stops the per-member watchers."""

    def __init__(self, interval_s: Callable[[], float]) -> None:
        self._interval_s = interval_s
        self._tasks: dict[Member, asyncio.Task[None]] = {}
        self.checks = 0

    def start(self, member: Member) -> None:
        """Watch ``member`` until :meth:`stop`."""
        if member not in self._tasks:
            self._tasks[member] = asyncio.create_task(self._watch(member))

    def stop(self, member: Member) -> None:
        """Stop watching ``member``."""
        task = self._tasks.pop(member, None)
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        """Stop every watcher."""
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _watch(self, member: Member) -> None:
        while not member.retired:
            await asyncio.sleep(self._interval_s())
            try:
                await self.check(member)
            except asyncio.CancelledError:
                raise
            except Exception:  # pragma: no cover - defensive: a watcher never dies
                log.exception("health check of %s failed", member.address)

    async def check(self, member: Member) -> bool:
        """One health check (a ping, or a reconnect cycle); returns whether it is up."""
        self.checks += 1
        if member.up:
            return await member.ping()
        cfg = member.config
        for attempt in range(1 + cfg.max_retries):
            if await member.connect():
                return True
            if member.retired:
                return False
            if attempt < cfg.max_retries:
                await asyncio.sleep(cfg.retry_wait_time)
        log.debug("%s %s still down: %s", member.kind, member.address, member.reason)
        return False
