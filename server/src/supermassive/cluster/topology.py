"""The shards the cluster routes to, and their live replacement on ``RCNF``.

:attr:`Topology.shards` is an immutable tuple replaced in one assignment, so an operation
that took it keeps a consistent view while a reload runs; removed members finish their
in-flight requests (up to their read timeout) before their connections close.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from supermassive.cluster.health import Health
from supermassive.cluster.member import Member
from supermassive.cluster.membership import PRIMARY, REPLICA, MemberKey, diff, members_of
from supermassive.config import LinkConfig, ShardConfig

log = logging.getLogger("supermassive.cluster")


@dataclass(frozen=True, slots=True)
class Shard:
    """A primary and its read replicas."""

    primary: Member
    replicas: tuple[Member, ...]


class Topology:
    """Members by identity, and the shards in config order."""

    def __init__(self, *, auth_line: bytes, max_line_bytes: int, health: Health) -> None:
        self._auth_line = auth_line
        self._max_line_bytes = max_line_bytes
        self.health = health
        self.shards: tuple[Shard, ...] = ()
        self.primaries: tuple[Member, ...] = ()
        self.members: dict[MemberKey, Member] = {}
        self._configs: dict[MemberKey, LinkConfig] = {}
        self._retiring: set[asyncio.Task[None]] = set()

    def all_members(self) -> list[Member]:
        """Every member in config order (each primary, then its replicas)."""
        out: list[Member] = []
        for shard in self.shards:
            out.append(shard.primary)
            out.extend(shard.replicas)
        return out

    async def apply(self, shards: Sequence[ShardConfig]) -> tuple[int, int]:
        """Switch to ``shards``: keep unchanged members, connect new ones, retire the rest.

        New members are connected (one attempt, bounded by their connect timeout) before
        this returns, so a primary added by ``RCNF`` takes writes as soon as it answers.
        Returns ``(added, removed)``. Raises ``ConfigError`` (nothing changed) when a new
        member's TLS settings cannot be loaded.
        """
        change = diff(self._configs, shards)
        new = {
            key: Member(key[0], cfg, auth_line=self._auth_line,
                        max_line_bytes=self._max_line_bytes)
            for key, cfg in change.add
        }
        removed = [self.members.pop(key) for key in change.remove if key in self.members]
        self.members.update(new)
        self._configs = members_of(shards)
        self.shards = tuple(
            Shard(self.members[(PRIMARY, s.node.server_address)],
                  tuple(self.members[(REPLICA, r.server_address)] for r in s.replicas))
            for s in shards
        )
        self.primaries = tuple(s.primary for s in self.shards)
        for member in removed:
            self.health.stop(member)
            task = asyncio.create_task(member.close(member.config.read_timeout))
            self._retiring.add(task)
            task.add_done_callback(self._retiring.discard)
            log.info("%s %s removed", member.kind, member.address)
        if new:
            await asyncio.gather(*(m.connect() for m in new.values()))
        for member in new.values():
            self.health.start(member)
            if not member.up:
                log.warning("%s %s is down: %s", member.kind, member.address, member.reason)
        return len(new), len(removed)

    async def close(self) -> None:
        """Stop health checks and close every member."""
        await self.health.close()
        members = list(self.members.values())
        self.members.clear()
        self.shards = ()
        self.primaries = ()
        await asyncio.gather(*(m.close() for m in members))
        if self._retiring:
            await asyncio.gather(*self._retiring, return_exceptions=True)
