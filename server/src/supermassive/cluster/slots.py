"""A cheap limit on the commands forwarded at once (``max-concurrent-requests``).

:class:`asyncio.Semaphore` costs a coroutine, a context manager and (in Python 3.11) a scan of
its waiters on every acquire. The hot path only needs "is a slot free? take it", and a
callback to give it back when a future completes; waiting is the rare case. Waiters are
served first come, first served: while anyone waits, :meth:`Slots.try_take` refuses, so a
burst of new commands cannot overtake the ones already queued.
"""

from __future__ import annotations

import asyncio
from collections import deque


class Slots:
    """``limit`` slots, taken without awaiting when one is free."""

    __slots__ = ("_waiters", "limit", "used")

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a limit of at least one slot is needed")
        self.limit = limit
        self.used = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    def try_take(self) -> bool:
        """Take a slot if one is free and nobody waits; return whether it was taken."""
        if self.used < self.limit and not self._waiters:
            self.used += 1
            return True
        return False

    async def take(self) -> None:
        """Take a slot, waiting for one to be given back when none is free."""
        if self.try_take():
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.give()  # the slot was handed over as we were cancelled: pass it on
            elif fut in self._waiters:
                self._waiters.remove(fut)
            raise

    def give(self, _done: object = None) -> None:
        """Give a slot back (usable as a done-callback); the first waiter gets it."""
        waiters = self._waiters
        while waiters:
            fut = waiters.popleft()
            if not fut.done():
                fut.set_result(None)  # the slot moves to the waiter: ``used`` is unchanged
                return
        self.used -= 1
