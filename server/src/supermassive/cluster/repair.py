"""Read repair in the background: ``VREPAIR <key> <losing> <winning>`` to each loser.

A repair never blocks the reply that found it. It is conditional on the node (only a copy
still at the losing version becomes a tombstone at the winning version), so it can never
remove a newer write. At most :data:`MAX_PENDING` repairs are in flight; beyond that they are
dropped (a later read finds the same loser again) and counted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from supermassive.cluster.errors import LinkError
from supermassive.cluster.member import Member
from supermassive.cluster.membership import PRIMARY
from supermassive.cluster.merge import Loser

log = logging.getLogger("supermassive.cluster.repair")

MAX_PENDING = 1024


class Repairs:
    """Sends repairs and counts them for STAT."""

    def __init__(self, max_pending: int = MAX_PENDING) -> None:
        self.max_pending = max_pending
        self.sent = 0
        self.applied = 0
        self.unchanged = 0
        self.failed = 0
        self.dropped = 0
        self._pending: set[asyncio.Future[object]] = set()

    @property
    def pending(self) -> int:
        """Repairs sent and not answered yet."""
        return len(self._pending)

    def submit(self, losers: Iterable[Loser[Member]]) -> None:
        """Repair every loser held by a primary (replicas follow their primary)."""
        for loser in losers:
            member = loser.source
            if member.kind != PRIMARY:
                continue
            if len(self._pending) >= self.max_pending:
                self.dropped += 1
                continue
            line = b"VREPAIR %s %d %d" % (loser.key, loser.losing, loser.winning)
            try:
                fut: asyncio.Future[object] = member.request(line)  # type: ignore[assignment]
            except LinkError:
                self.failed += 1
                continue
            self.sent += 1
            self._pending.add(fut)
            fut.add_done_callback(self._done)

    def _done(self, fut: asyncio.Future[object]) -> None:
        self._pending.discard(fut)
        if fut.cancelled():
            self.failed += 1
            return
        exc = fut.exception()
        if exc is not None:
            self.failed += 1
            return
        reply = fut.result()
        if reply == b"OK repaired":
            self.applied += 1
        elif reply == b"OK unchanged":
            self.unchanged += 1
        else:
            self.failed += 1
            log.warning("repair refused: %r", reply)

    def stat_items(self) -> list[tuple[str, object]]:
        """Figures for STAT."""
        return [
            ("repairs_sent", self.sent),
            ("repairs_applied", self.applied),
            ("repairs_unchanged", self.unchanged),
            ("repairs_failed", self.failed),
            ("repairs_dropped", self.dropped),
            ("repairs_pending", self.pending),
        ]
