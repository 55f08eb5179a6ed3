"""GET in the common case, driven by callbacks: no task, no ``gather``, no per-shard objects.

Every primary is up, so ``VGET <key>`` goes to each of them at once with a reply callback
(:meth:`~supermassive.cluster.link.LinkConnection.request_cb`: no future per member, no extra
loop iteration); the callbacks count the answers down, and the last one sets the GET's
:class:`~supermassive.net.deferred.Deferred` to the reply bytes. The connection layer waits for
it in its ordered reply queue (per-connection order is the same as with a coroutine), and the
deferred's callback writes the reply inside the link's I/O callback that read the last answer.
Nothing about the answer changes: the highest version wins
(:func:`~supermassive.cluster.merge.pick`, the rules of
:func:`~supermassive.cluster.merge.resolve` without a ``Copy`` per copy, whenever more than one
copy is found), the clock observes the winner, live losers go to read repair.

Anything unusual (a primary that fails this very request, an unexpected reply) hands the GET
to the general path (:meth:`Router.get_general`), which asks the shard's replicas and says
*unavailable* when nobody answers. A down primary is seen before anything is sent, and
:meth:`Router.get_soon` returns ``None`` so the caller takes the general path at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from supermassive.cluster.errors import LinkError
from supermassive.cluster.link import LinkReply
from supermassive.cluster.member import Member
from supermassive.cluster.merge import BadReply, pick, vget_fields
from supermassive.cluster.topology import Shard
from supermassive.net.deferred import Deferred

if TYPE_CHECKING:
    from supermassive.cluster.router import Router

log = logging.getLogger("supermassive.cluster")

R_NOT_FOUND = b"ERR key-value not found\r\n"
ERR_INTERNAL = b"ERR internal error\r\n"


def start_lookup(
    router: Router, shards: Sequence[Shard], key: bytes, on_done: Callable[[], None] | None,
) -> Lookup | None:
    """Send ``VGET key`` to every primary; ``None`` when one is down (use the general path).

    ``on_done`` is called once when the lookup is over (answered, failed over and answered,
    or abandoned by a client that went away), never when ``None`` is returned."""
    for shard in shards:
        if not shard.primary.up:
            return None
    lookup = Lookup(router, shards, key, None)
    line = b"VGET " + key
    try:
        for i, shard in enumerate(shards):
            shard.primary.request_cb(line, partial(lookup.answered, i))
    except LinkError:
        lookup.abandon()  # replies of the requests already sent are read and dropped
        return None
    lookup.on_done = on_done
    return lookup


class Lookup:
    """One GET in flight on the primaries; :attr:`reply` resolves with the reply bytes."""

    __slots__ = ("_abandoned", "_key", "_outcomes", "_remaining", "_router", "_shards",
                 "on_done", "reply")

    def __init__(
        self, router: Router, shards: Sequence[Shard], key: bytes,
        on_done: Callable[[], None] | None,
    ) -> None:
        self._router = router
        self._shards = shards
        self._key = key
        self._outcomes: list[LinkReply | LinkError | None] = [None] * len(shards)
        self._remaining = len(shards)
        self._abandoned = False
        self.on_done = on_done
        self.reply = Deferred()

    def abandon(self) -> None:
        """Forget this lookup (it could not be sent to every primary)."""
        self._abandoned = True
        self.reply.cancel()

    def answered(self, index: int, outcome: LinkReply | LinkError) -> None:
        """The reply (or error) of shard ``index``; the last one settles :attr:`reply`."""
        self._outcomes[index] = outcome
        self._remaining -= 1
        if self._remaining or self._abandoned:
            return
        reply = self.reply
        if reply.done():  # the client went away
            answer: bytes | None = b""
        else:
            try:
                answer = self._answer()
            except Exception:
                log.exception("GET failed")
                answer = ERR_INTERNAL
        if answer is None:
            task = asyncio.ensure_future(self._router.get_general(self._key))
            task.add_done_callback(_relay(reply, self.on_done))
            return
        if answer:
            reply.set_result(answer)
        if self.on_done is not None:
            self.on_done()

    def _answer(self) -> bytes | None:
        """The reply, or ``None`` when some primary did not answer as expected."""
        found: list[tuple[Member, int, bytes | None]] = []
        for shard, raw in zip(self._shards, self._outcomes, strict=True):
            if not isinstance(raw, bytes):
                return None  # an error (or a multi-line reply): the general path decides
            try:
                fields = vget_fields(raw)
            except BadReply:
                return None
            if fields is not None:
                found.append((shard.primary, fields[0], fields[1]))
        if not found:
            return R_NOT_FOUND
        router = self._router
        key = self._key
        if len(found) == 1:
            version, value = found[0][1], found[0][2]
        else:
            version, value, losers = pick(key, found)
            if losers:
                router.repairs.submit(losers)
        router.clock.observe(version)
        if value is None:
            return R_NOT_FOUND
        return b"OK " + key + b" " + value + b"\r\n"


def _relay(
    reply: Deferred, on_done: Callable[[], None] | None,
) -> Callable[[asyncio.Future[bytes]], None]:
    """A done-callback copying a task's outcome into ``reply`` (unless it is done already),
    then calling ``on_done``."""

    def relay(task: asyncio.Future[bytes]) -> None:
        try:
            _copy(task, reply)
        finally:
            if on_done is not None:
                on_done()

    return relay


def _copy(task: asyncio.Future[bytes], reply: Deferred) -> None:
    if task.cancelled():
        if not reply.done():
            reply.cancel()
        return
    exc = task.exception()
    if reply.done():
        return
    if exc is not None:
        log.error("GET failed", exc_info=exc)
        reply.set_result(ERR_INTERNAL)
    else:
        reply.set_result(task.result())
