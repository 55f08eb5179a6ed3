"""PUT and DEL in the common case, driven by callbacks: no task, no key-order future, no future.

When nothing of the key is in flight in this cluster process (its key-order chain is empty)
and the round robin's first choice of primary is up, the PUT claims the key's chain with an
:class:`~supermassive.cluster.keyorder.InFlight` (a future is built only if a later write of
the key has to wait), takes its sequence number, sends ``VPUT <version> <key> <value>`` with a
reply callback (:meth:`~supermassive.cluster.link.LinkConnection.request_cb`) and sets one
:class:`~supermassive.net.deferred.Deferred` to the reply, which the connection layer waits
for in its ordered reply queue.

The common reply (``OK key-value written``) is answered here. Any other outcome (a failure
before or after the line left, ``ERR out of memory``, an unexpected reply) goes to
:meth:`Router.put_after`, the rest of the general path with the same rules: try the next
primaries only when the write certainly did not happen, ``ERR timeout ...`` when it may have.
The key's chain is held until the PUT is over, whichever path finishes it.

A DEL goes the same way when every primary is up: ``VDEL <version> <key>`` to each of them with
a callback, a countdown, and the answer from the replies when each is ``OK key-value
deleted`` or ``ERR key-value not found``; anything else goes to :meth:`Router.delete_after`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from supermassive.cluster.errors import LinkError
from supermassive.cluster.keyorder import InFlight
from supermassive.cluster.link import LinkReply
from supermassive.cluster.member import Member
from supermassive.cluster.topology import Shard
from supermassive.net.deferred import Deferred

if TYPE_CHECKING:
    from supermassive.cluster.router import Router

log = logging.getLogger("supermassive.cluster")

OK_WRITTEN = b"OK key-value written"
R_WRITTEN = OK_WRITTEN + b"\r\n"
OK_DELETED = b"OK key-value deleted"
NOT_FOUND = b"ERR key-value not found"
R_DELETED = OK_DELETED + b"\r\n"
R_NOT_FOUND = NOT_FOUND + b"\r\n"
ERR_INTERNAL = b"ERR internal error\r\n"


def start_put(
    router: Router, key: bytes, value: bytes, on_done: Callable[[], None] | None,
) -> Deferred | None:
    """Send the PUT's ``VPUT`` to its first primary; ``None`` (nothing taken, nothing sent)
    when the general path must do it: a write of ``key`` in flight, no primary, the first
    choice down, a line too long once versioned. ``on_done`` is called once when the PUT is
    over, never when ``None`` is returned."""
    primaries = router.topology.primaries
    if not primaries:
        return None
    rotation = router.rotation
    start = rotation.sequence % len(primaries)
    first = primaries[start]
    if not first.up:
        return None
    turn = router.order.claim(key)
    if turn is None:
        return None
    line = b"VPUT %d %s %s" % (router.clock.now(), key, value)
    put = PendingPut(router, turn, primaries, start, line)
    try:
        if len(line) > router.max_line_bytes:
            raise LinkError(first.address, "too long")  # the general path refuses it
        first.request_cb(line, put.answered)
    except LinkError:  # nothing left, no sequence number taken: the general path starts over
        turn.finish()
        put.reply.cancel()
        return None
    rotation.take()  # the number whose first choice was ``start``
    put.on_done = on_done
    return put.reply


class Pending:
    """A write in flight on the fast path: its key's chain, its reply and its ``on_done``."""

    __slots__ = ("_router", "_turn", "on_done", "reply")

    def __init__(self, router: Router, turn: InFlight) -> None:
        self._router = router
        self._turn = turn
        self.on_done: Callable[[], None] | None = None
        self.reply = Deferred()

    def relay(self, task: asyncio.Future[bytes]) -> None:
        """A done-callback: the general path's answer (``ERR internal error`` if it failed)."""
        if task.cancelled():
            answer = ERR_INTERNAL
        elif task.exception() is not None:
            log.error("write failed", exc_info=task.exception())
            answer = ERR_INTERNAL
        else:
            answer = task.result()
        self.finish(answer)

    def finish(self, answer: bytes) -> None:
        """Leave the key's chain (the next write of the key may go), then answer."""
        self._turn.finish()
        reply = self.reply
        if not reply.done():  # else the client went away
            reply.set_result(answer)
        on_done = self.on_done
        if on_done is not None:
            self.on_done = None
            on_done()


class PendingPut(Pending):
    """One PUT in flight on the fast path; :attr:`reply` resolves with the reply bytes."""

    __slots__ = ("_line", "_primaries", "_start")

    def __init__(
        self, router: Router, turn: InFlight, primaries: Sequence[Member], start: int,
        line: bytes,
    ) -> None:
        super().__init__(router, turn)
        self._primaries = primaries
        self._start = start
        self._line = line

    def answered(self, outcome: LinkReply | LinkError) -> None:
        """The first primary's reply (or error): settle now, or let the general path go on."""
        if outcome == OK_WRITTEN:
            self.finish(R_WRITTEN)
            return
        task = asyncio.ensure_future(
            self._router.put_after(self._line, self._primaries, self._start, outcome))
        task.add_done_callback(self.relay)


def start_delete(
    router: Router, key: bytes, on_done: Callable[[], None] | None,
) -> Deferred | None:
    """Send the DEL's ``VDEL`` to every primary; ``None`` (nothing sent) when the general path
    must do it: a write of ``key`` in flight, no shard, a primary down. ``on_done`` as for
    :func:`start_put`."""
    shards = router.topology.shards
    if not shards:
        return None
    for shard in shards:
        if not shard.primary.up:
            return None
    turn = router.order.claim(key)
    if turn is None:
        return None
    version = router.clock.now()
    line = b"VDEL %d %s" % (version, key)
    pending = PendingDelete(router, turn, shards, key, version)
    sent = 0
    try:
        for i, shard in enumerate(shards):
            shard.primary.request_cb(line, partial(pending.answered, i))
            sent += 1
    except LinkError as exc:
        if not sent:
            turn.finish()
            pending.reply.cancel()
            return None
        for i in range(sent, len(shards)):  # not sent: the general path's "unseen" shards
            pending.answered(i, exc)  # the sent ones are outstanding: no answer yet
    pending.on_done = on_done
    return pending.reply


class PendingDelete(Pending):
    """One DEL in flight on every primary; :attr:`reply` resolves with the reply bytes."""

    __slots__ = ("_key", "_outcomes", "_remaining", "_shards", "_version")

    def __init__(
        self, router: Router, turn: InFlight, shards: Sequence[Shard], key: bytes,
        version: int,
    ) -> None:
        super().__init__(router, turn)
        self._shards = shards
        self._key = key
        self._version = version
        self._outcomes: list[LinkReply | LinkError | None] = [None] * len(shards)
        self._remaining = len(shards)

    def answered(self, index: int, outcome: LinkReply | LinkError) -> None:
        """The reply (or error) of shard ``index``'s primary; the last one settles the DEL."""
        self._outcomes[index] = outcome
        self._remaining -= 1
        if self._remaining:
            return
        deleted = False
        outcomes: list[LinkReply | LinkError] = []
        for got in self._outcomes:
            if got == OK_DELETED:
                deleted = True
            elif got != NOT_FOUND:
                outcomes = [o for o in self._outcomes if o is not None]
                break
        if not outcomes:
            self.finish(R_DELETED if deleted else R_NOT_FOUND)
            return
        task = asyncio.ensure_future(
            self._router.delete_after(self._key, self._version, self._shards, outcomes))
        task.add_done_callback(self.relay)
