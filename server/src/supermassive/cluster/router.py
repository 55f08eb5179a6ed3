"""The data commands at the cluster: where each one goes and how the answers combine.

* PUT: one primary, chosen by the round robin; the next one is tried only when the write
  certainly did not happen (the member was down or refused it for memory). A write that left
  and got no answer is indeterminate: ``ERR timeout ...``, never resent elsewhere.
* GET / REGX: every shard in parallel (:mod:`~supermassive.cluster.fanout`); the highest
  version wins; live losers are repaired in the background.
* DEL: a tombstone at a new version on every primary that is up; a down primary's replicas are
  read to learn whether a live value existed there.
* INCR / DECR: read the winner, then a conditional ``VINCR`` on the winner's primary, retried
  on ``ERR conflict``; losers are repaired against the new version. Only when every shard's
  primary answered: a read-modify-write based on a lagging replica could drop a write.

Writes of one key are ordered by :class:`~supermassive.cluster.keyorder.KeyOrder`; every write
is stamped by the cluster's :class:`~supermassive.versions.HybridClock`, which also observes
every version read.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from supermassive.cluster.errors import LinkError
from supermassive.cluster.fanout import ask_all, ask_replicas, collect
from supermassive.cluster.keyorder import KeyOrder
from supermassive.cluster.link import LinkReply
from supermassive.cluster.lookup import start_lookup
from supermassive.cluster.member import Member
from supermassive.cluster.merge import (
    BadReply,
    Copy,
    Loser,
    Resolution,
    merge_regx,
    page,
    parse_vget,
    parse_vregx,
    resolve,
)
from supermassive.cluster.repair import Repairs
from supermassive.cluster.rotation import RoundRobin
from supermassive.cluster.topology import Shard, Topology
from supermassive.cluster.write import start_delete, start_put
from supermassive.net.deferred import Deferred
from supermassive.roles.data import ERR_INVALID_VALUE, multi_reply
from supermassive.storage.errors import InvalidValue
from supermassive.storage.numbers import apply_delta
from supermassive.versions import HybridClock

log = logging.getLogger("supermassive.cluster")

OK_WRITTEN = b"OK key-value written"
OK_DELETED = b"OK key-value deleted"
NOT_FOUND = b"ERR key-value not found"
ERR_OOM = b"ERR out of memory"
ERR_CONFLICT = b"ERR conflict"
R_NOT_FOUND = NOT_FOUND + b"\r\n"
R_NO_PRIMARY = b"ERR no primary nodes available\r\n"
ERR_TOO_LONG = b"ERR invalid input: PUT too long once versioned (limit %d bytes)\r\n"
INCR_ATTEMPTS = 5
NOBODY = "neither the primary nor a replica answered"
PRIMARY_DOWN = "the primary is down; counters need it"


def timeout_reply(error: LinkError) -> bytes:
    """``ERR timeout: ...`` for a write whose outcome is unknown (indeterminate)."""
    return (b"ERR timeout: " + error.address.encode() + b": " + error.reason.encode()
            + b"; the write may or may not have been applied\r\n")


def unavailable_reply(shards: Sequence[Shard], why: str = NOBODY) -> bytes:
    """``ERR unavailable: <addr> (<why>)`` naming the first shard concerned."""
    return (b"ERR unavailable: " + shards[0].primary.address.encode()
            + b" (" + why.encode() + b")\r\n")


def _line(reply: LinkReply) -> bytes:
    return reply if isinstance(reply, bytes) else reply[0]


class Router:
    """Runs the data commands against the current topology."""

    def __init__(
        self, topology: Topology, clock: HybridClock, repairs: Repairs,
        max_line_bytes: int = 16 * 1024 * 1024,
    ) -> None:
        self.topology = topology
        self.max_line_bytes = max_line_bytes
        self.clock = clock
        self.repairs = repairs
        self.rotation = RoundRobin()
        self.order = KeyOrder()

    # ---- reads
    async def _read_key(
        self, key: bytes
    ) -> tuple[Resolution[Member], list[Shard], list[Shard]]:
        """Resolve ``key`` across the shards: ``(resolution, unavailable, read from replicas)``."""
        answers = await ask_all(self.topology.shards, b"VGET " + key)
        parsed, unavailable = collect(answers, _parse_vget)
        copies = [(m, c) for m, c in parsed if c is not None]
        res = resolve(key, copies)
        if res.winner is not None:
            self.clock.observe(res.winner.version)
        degraded = [a.shard for a in answers if a.available and not a.from_primary]
        return res, unavailable, degraded

    def get_soon(
        self, key: bytes, on_done: Callable[[], None] | None = None,
    ) -> Deferred | None:
        """GET without a task when every primary is up (:mod:`~supermassive.cluster.lookup`):
        the reply's :class:`~supermassive.net.deferred.Deferred`, or ``None`` when the caller
        must use :meth:`get`. ``on_done`` is called once when the GET is over (only when a
        reply is returned)."""
        shards = self.topology.shards
        if not shards:
            return None
        lookup = start_lookup(self, shards, key, on_done)
        return None if lookup is None else lookup.reply

    async def get(self, key: bytes) -> bytes:
        """GET: the highest version across the shards."""
        fut = self.get_soon(key)
        if fut is not None:
            return await fut
        return await self.get_general(key)

    async def get_general(self, key: bytes) -> bytes:
        """GET through every shard, its replicas standing in for a primary that is down."""
        if not self.topology.shards:
            return R_NO_PRIMARY
        res, unavailable, _ = await self._read_key(key)
        self.repairs.submit(res.losers)
        if res.value is not None:
            return b"OK " + key + b" " + res.value + b"\r\n"
        return unavailable_reply(unavailable) if unavailable else R_NOT_FOUND

    async def regx(self, pattern: bytes, offset: int, limit: int | None) -> bytes:
        """REGX: every shard's matches merged by version, sorted, then paged."""
        if not self.topology.shards:
            return R_NO_PRIMARY
        answers = await ask_all(self.topology.shards, b"VREGX " + pattern, multi=True)
        parsed, unavailable = collect(answers, parse_vregx)
        if unavailable:
            return unavailable_reply(unavailable)
        highest = max((c.version for _, found in parsed for c in found.values()), default=0)
        self.clock.observe(highest)
        live, losers = merge_regx(parsed)
        self.repairs.submit(losers)
        return multi_reply(page(live, offset, limit))

    # ---- writes
    async def put(self, key: bytes, value: bytes) -> bytes:
        """PUT: one primary by round robin; fail over only when the write surely did not land."""
        primaries = self.topology.primaries
        if not primaries:
            return R_NO_PRIMARY
        async with self.order.hold(key):
            return await self._put_unordered(key, value)

    async def _put_unordered(self, key: bytes, value: bytes) -> bytes:
        """The body of PUT; the caller holds the key's write order."""
        primaries = self.topology.primaries
        if not primaries:
            return R_NO_PRIMARY
        line = b"VPUT %d %s %s" % (self.clock.now(), key, value)
        if len(line) > self.max_line_bytes:
            return ERR_TOO_LONG % self.max_line_bytes
        return await self.put_to(line, self.rotation.order(primaries, is_up), None)

    def put_soon(
        self, key: bytes, value: bytes, on_done: Callable[[], None] | None = None,
    ) -> Deferred | None:
        """PUT without a task when nothing of ``key`` is in flight here and its first choice
        of primary is up (:mod:`~supermassive.cluster.write`): the reply's deferred, or
        ``None`` (nothing done) when the caller must use :meth:`put`. ``on_done`` is called
        once when the PUT is over (only when a reply is returned)."""
        return start_put(self, key, value, on_done)

    async def put_to(self, line: bytes, members: Sequence[Member], refused: bytes | None) -> bytes:
        """Send the ``VPUT`` ``line`` to ``members`` in turn until one surely took it or the
        outcome is unknown; ``refused`` is an earlier ``ERR out of memory``, if any."""
        for member in members:
            try:
                reply = _line(await member.request(line))
            except LinkError as exc:
                if exc.sent:
                    return timeout_reply(exc)
                continue
            if reply == OK_WRITTEN:
                return reply + b"\r\n"
            if reply.startswith(ERR_OOM):
                refused = reply
                continue
            return reply + b"\r\n"
        return refused + b"\r\n" if refused is not None else R_NO_PRIMARY

    async def put_after(
        self, line: bytes, primaries: Sequence[Member], start: int,
        outcome: LinkReply | LinkError,
    ) -> bytes:
        """The rest of a fast PUT (:mod:`~supermassive.cluster.write`) whose first primary,
        ``primaries[start]``, did not answer ``OK``: the general path's rules from there."""
        if isinstance(outcome, LinkError):
            if outcome.sent:
                return timeout_reply(outcome)
            refused: bytes | None = None
        else:
            reply = _line(outcome)
            if not reply.startswith(ERR_OOM):
                return reply + b"\r\n"
            refused = reply
        return await self.put_to(line, RoundRobin.after(primaries, start, is_up), refused)

    async def _create_counter(self, key: bytes, delta: bytes) -> bytes:
        """UPINCR of a missing key: write ``0 + delta`` (caller holds the key's order)."""
        try:
            value = apply_delta(b"0", delta, False)
        except InvalidValue:
            return ERR_INVALID_VALUE
        reply = await self._put_unordered(key, value)
        if reply.startswith(OK_WRITTEN):
            return b"OK " + key + b" " + value + b"\r\n"
        return reply

    async def delete(self, key: bytes) -> bytes:
        """DEL: a tombstone everywhere; ``OK`` when a live value existed anywhere."""
        shards = self.topology.shards
        if not shards:
            return R_NO_PRIMARY
        async with self.order.hold(key):
            version = self.clock.now()
            line = b"VDEL %d %s" % (version, key)
            sent: list[tuple[Shard, asyncio.Future[LinkReply] | None]] = []
            for shard in shards:
                try:
                    sent.append((shard, shard.primary.request(line)))
                except LinkError:
                    sent.append((shard, None))
            if all(fut is None for _, fut in sent):
                return R_NO_PRIMARY
            return await self._deleted(key, version, sent)

    def delete_soon(
        self, key: bytes, on_done: Callable[[], None] | None = None,
    ) -> Deferred | None:
        """DEL without a task when nothing of ``key`` is in flight here and every primary is
        up (:mod:`~supermassive.cluster.write`): like :meth:`put_soon`."""
        return start_delete(self, key, on_done)

    async def delete_after(
        self, key: bytes, version: int, shards: Sequence[Shard],
        outcomes: Sequence[LinkReply | LinkError],
    ) -> bytes:
        """The rest of a fast DEL (:mod:`~supermassive.cluster.write`) whose primaries did not
        all answer as expected: the general path's rules on the ``outcomes`` it got."""
        loop = asyncio.get_running_loop()
        sent: list[tuple[Shard, asyncio.Future[LinkReply] | None]] = []
        for shard, outcome in zip(shards, outcomes, strict=True):
            if isinstance(outcome, LinkError) and not outcome.sent:
                sent.append((shard, None))
                continue
            fut: asyncio.Future[LinkReply] = loop.create_future()
            if isinstance(outcome, LinkError):
                fut.set_exception(outcome)
            else:
                fut.set_result(outcome)
            sent.append((shard, fut))
        return await self._deleted(key, version, sent)

    async def _deleted(
        self, key: bytes, version: int,
        sent: list[tuple[Shard, asyncio.Future[LinkReply] | None]],
    ) -> bytes:
        """The reply to a DEL whose ``VDEL``s were sent (``None``: not sent to that shard)."""
        deleted, unknown, other, unseen = await self._await_deletes(sent)
        if len(unseen) == len(sent):  # no primary stored the tombstone for sure
            return timeout_reply(unknown) if unknown is not None else R_NO_PRIMARY
        if not deleted and unseen:
            # Down primaries (and ones that died during the VDEL): their replicas tell
            # whether a live value older than the tombstone existed there.
            deleted = await self._live_on_replicas(unseen, key, version)
        if deleted:
            return OK_DELETED + b"\r\n"
        if unknown is not None:
            return timeout_reply(unknown)
        return (other or NOT_FOUND) + b"\r\n"

    async def _await_deletes(
        self, sent: list[tuple[Shard, asyncio.Future[LinkReply] | None]]
    ) -> tuple[bool, LinkError | None, bytes | None, list[Shard]]:
        """``(a live value was removed, first indeterminate error, first unexpected reply,
        shards whose primary did not answer)``."""
        deleted = False
        unknown: LinkError | None = None
        other: bytes | None = None
        unseen: list[Shard] = []
        for shard, fut in sent:
            if fut is None:
                unseen.append(shard)
                continue
            try:
                reply = _line(await fut)
            except LinkError as exc:
                if exc.sent:
                    unknown = unknown or exc
                unseen.append(shard)
                continue
            if reply == OK_DELETED:
                deleted = True
            elif reply != NOT_FOUND:
                other = other or reply
                log.warning("VDEL on %s: %r", shard.primary.address, reply[:200])
        return deleted, unknown, other, unseen

    async def _live_on_replicas(self, shards: list[Shard], key: bytes, version: int) -> bool:
        """Whether a down primary's replicas hold a live copy older than the tombstone."""
        parsed, _ = collect(await ask_replicas(shards, b"VGET " + key), _parse_vget)
        return any(c is not None and c.live and c.version < version for _, c in parsed)

    async def incr(self, key: bytes, delta: bytes, create: bool = False) -> bytes:
        """INCR/DECR (``delta`` is signed): applied to the winning copy, at a new version.

        With ``create`` (RESP's INCR), a missing key starts at 0: the result is written like a
        PUT, still under this key's write order, so two creators cannot both start at 0."""
        if not self.topology.shards:
            return R_NO_PRIMARY
        async with self.order.hold(key):
            for _ in range(INCR_ATTEMPTS):
                res, unavailable, degraded = await self._read_key(key)
                if unavailable:
                    return unavailable_reply(unavailable)
                if degraded:
                    # A down primary may hold a newer copy its replicas have not received:
                    # adding to an older one would silently drop an acknowledged write.
                    return unavailable_reply(degraded, PRIMARY_DOWN)
                if res.value is None or res.winner is None or res.source is None:
                    if create:
                        return await self._create_counter(key, delta)
                    return R_NOT_FOUND
                target = res.source
                new = self.clock.now()
                line = b"VINCR %d %d %s %s" % (new, res.winner.version, key, delta)
                try:
                    reply = _line(await target.request(line))
                except LinkError as exc:
                    if exc.sent:
                        return timeout_reply(exc)
                    continue
                if reply == ERR_CONFLICT:
                    continue
                if reply.startswith(b"OK "):
                    self.repairs.submit(_rewin(res, new))
                return reply + b"\r\n"
        return b"ERR conflict: the value kept changing; try again\r\n"


def is_up(member: Member) -> bool:
    """Whether ``member`` takes requests (a ``usable`` test for the round robin)."""
    return member.up


def _parse_vget(reply: LinkReply) -> Copy | None:
    if not isinstance(reply, bytes):
        raise BadReply("multi-line reply to VGET")
    return parse_vget(reply)


def _rewin(res: Resolution[Member], new: int) -> list[Loser[Member]]:
    """The losers of ``res`` re-targeted at the INCR's new version."""
    return [Loser(loser.source, loser.key, loser.losing, new) for loser in res.losers]
