"""Asking every shard the same read in parallel, with fail-over to replicas.

For each shard the request goes to its primary; if the primary is down, or fails this very
request (timeout, lost connection), the shard's healthy replicas are asked instead (all of
them, in parallel: they may lag by different amounts and the versions sort it out). A shard
that answers through nobody is *unavailable*; callers then refuse to claim "not found".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from supermassive.cluster.errors import LinkError
from supermassive.cluster.link import LinkReply
from supermassive.cluster.member import Member
from supermassive.cluster.merge import BadReply
from supermassive.cluster.topology import Shard

log = logging.getLogger("supermassive.cluster")

T = TypeVar("T")


@dataclass(slots=True)
class ShardAnswer:
    """What one shard said: replies by member (empty when nobody answered)."""

    shard: Shard
    replies: list[tuple[Member, LinkReply]] = field(default_factory=list)

    @property
    def available(self) -> bool:
        """Whether some member of the shard answered."""
        return bool(self.replies)

    @property
    def from_primary(self) -> bool:
        """Whether the shard's primary itself answered (not its replicas)."""
        return bool(self.replies) and self.replies[0][0] is self.shard.primary


async def _ask_replicas(shard: Shard, line: bytes, multi: bool) -> ShardAnswer:
    answer = ShardAnswer(shard)
    futures: list[tuple[Member, asyncio.Future[LinkReply]]] = []
    for replica in shard.replicas:
        if replica.up:
            try:
                futures.append((replica, replica.request(line, multi)))
            except LinkError:
                continue
    for replica, fut in futures:
        try:
            answer.replies.append((replica, await fut))
        except LinkError:
            continue
    return answer


async def ask_replicas(
    shards: Sequence[Shard], line: bytes, multi: bool = False
) -> list[ShardAnswer]:
    """Send ``line`` to the healthy replicas of ``shards`` only (their primaries are down)."""
    return list(await asyncio.gather(*(_ask_replicas(s, line, multi) for s in shards)))


async def ask_all(shards: Sequence[Shard], line: bytes, multi: bool = False) -> list[ShardAnswer]:
    """Send ``line`` to every shard at once; return one :class:`ShardAnswer` per shard."""
    pending: list[asyncio.Future[LinkReply] | None] = []
    for shard in shards:
        try:
            pending.append(shard.primary.request(line, multi))
        except LinkError:
            pending.append(None)
    fallbacks = {
        i: asyncio.ensure_future(_ask_replicas(shard, line, multi))
        for i, (shard, fut) in enumerate(zip(shards, pending, strict=True)) if fut is None
    }
    answers: list[ShardAnswer] = []
    for i, (shard, fut) in enumerate(zip(shards, pending, strict=True)):
        if fut is not None:
            try:
                answers.append(ShardAnswer(shard, [(shard.primary, await fut)]))
                continue
            except LinkError:
                pass
            answers.append(await _ask_replicas(shard, line, multi))
        else:
            answers.append(await fallbacks[i])
    return answers


def collect(
    answers: Sequence[ShardAnswer], parse: Callable[[LinkReply], T]
) -> tuple[list[tuple[Member, T]], list[Shard]]:
    """Parse every reply; return ``(parsed by member, unavailable shards)``.

    A reply that does not parse (an unexpected ``ERR``) counts as no answer from that member.
    """
    parsed: list[tuple[Member, T]] = []
    unavailable: list[Shard] = []
    for answer in answers:
        ok = False
        for member, reply in answer.replies:
            try:
                parsed.append((member, parse(reply)))
                ok = True
            except BadReply as exc:
                log.warning("unexpected reply from %s: %s", member.address, exc)
        if not ok:
            unavailable.append(answer.shard)
    return parsed, unavailable
