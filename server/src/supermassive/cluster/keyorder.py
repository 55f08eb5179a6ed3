"""Per-key ordering of writes inside one cluster process.

Writes to the same key must not overtake each other (a later PUT must get a later version and
land after the earlier one is acknowledged). Each key has a chain: a write waits for the tail
of its key's chain, then becomes the tail. Writes to different keys never wait for each other,
and there is no global lock. Keys with nothing in flight hold no memory.

A tail is a future (:meth:`KeyOrder.hold`, the general path) or an :class:`InFlight` (the PUT
fast path, :mod:`~supermassive.cluster.write`): a write that claims a key with nothing in
flight and settles by callback; it builds a future only if a later write has to wait for it.
"""

from __future__ import annotations

import asyncio
from types import TracebackType


class KeyOrder:
    """Chains of in-flight writes, by key."""

    __slots__ = ("_tails",)

    def __init__(self) -> None:
        self._tails: dict[bytes, asyncio.Future[None] | InFlight] = {}

    def __len__(self) -> int:
        """Keys with a write in flight."""
        return len(self._tails)

    def hold(self, key: bytes) -> KeyTurn:
        """``async with order.hold(key):`` runs the block after every earlier write of ``key``."""
        return KeyTurn(self, key)

    def claim(self, key: bytes) -> InFlight | None:
        """Become the tail of ``key``'s chain if nothing is in flight for it; else ``None``.
        The caller must call :meth:`InFlight.finish` once its write is over."""
        tails = self._tails
        if key in tails:
            return None
        turn = InFlight(self, key)
        tails[key] = turn
        return turn


class InFlight:
    """A write at the head of its key's chain that needs no future of its own."""

    __slots__ = ("_key", "_order", "_waiter", "finished")

    def __init__(self, order: KeyOrder, key: bytes) -> None:
        self._order = order
        self._key = key
        self._waiter: asyncio.Future[None] | None = None
        self.finished = False

    def waiter(self) -> asyncio.Future[None]:
        """A future done when this write is over (built on the first call)."""
        fut = self._waiter
        if fut is None:
            fut = self._waiter = asyncio.get_running_loop().create_future()
            if self.finished:
                fut.set_result(None)
        return fut

    def finish(self) -> None:
        """The write is over: leave the chain and let the next write of the key go."""
        if self.finished:
            return
        self.finished = True
        tails = self._order._tails
        if tails.get(self._key) is self:
            del tails[self._key]
        fut = self._waiter
        if fut is not None and not fut.done():
            fut.set_result(None)


class KeyTurn:
    """One write's place in its key's chain (an async context manager)."""

    __slots__ = ("_key", "_mine", "_order", "_previous")

    def __init__(self, order: KeyOrder, key: bytes) -> None:
        self._order = order
        self._key = key
        tails = order._tails
        self._previous = tails.get(key)
        self._mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        tails[key] = self._mine

    async def __aenter__(self) -> None:
        tail = self._previous
        if tail is None:
            return
        previous = tail.waiter() if isinstance(tail, InFlight) else tail
        if not previous.done():
            try:
                await asyncio.shield(previous)
            except asyncio.CancelledError:
                # Keep the chain intact: later writes still wait for the earlier one.
                previous.add_done_callback(lambda _: self._release())
                raise

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._release()

    def _release(self) -> None:
        if not self._mine.done():
            self._mine.set_result(None)
        tails = self._order._tails
        if tails.get(self._key) is self._mine:
            del tails[self._key]
