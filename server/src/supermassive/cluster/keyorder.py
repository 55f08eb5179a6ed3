"""Per-key ordering of writes inside one cluster process.

Writes to the same key must not overtake each other (a later PUT must get a later version and
land after the earlier one is acknowledged). Each key has a chain of futures: a write waits for
the tail of its key's chain, then becomes the tail. Writes to different keys never wait for
each other, and there is no global lock. Keys with nothing in flight hold no memory.
"""

from __future__ import annotations

import asyncio
from types import TracebackType


class KeyOrder:
    """Chains of in-flight writes, by key."""

    __slots__ = ("_tails",)

    def __init__(self) -> None:
        self._tails: dict[bytes, asyncio.Future[None]] = {}

    def __len__(self) -> int:
        """Keys with a write in flight."""
        return len(self._tails)

    def hold(self, key: bytes) -> KeyTurn:
        """``async with order.hold(key):`` runs the block after every earlier write of ``key``."""
        return KeyTurn(self, key)


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
        previous = self._previous
        if previous is not None and not previous.done():
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
