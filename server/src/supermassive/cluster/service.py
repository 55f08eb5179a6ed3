"""The cluster as a whole: topology, clock, router, health checks, STAT and RCNF."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable

from supermassive.cluster.errors import LinkError
from supermassive.cluster.health import Health
from supermassive.cluster.link import LinkReply
from supermassive.cluster.member import Member
from supermassive.cluster.membership import PRIMARY, problem
from supermassive.cluster.repair import Repairs
from supermassive.cluster.router import Router
from supermassive.cluster.stat import Section, assemble
from supermassive.cluster.topology import Topology
from supermassive.config import ConfigError, RoleConfig, load_config
from supermassive.net.server import Server
from supermassive.roles.data import shared_key_digest
from supermassive.stats import Counters
from supermassive.versions import HybridClock

log = logging.getLogger("supermassive.cluster")

OK_RELOADED = b"OK configs reloaded"
LINK_LINE_BYTES_MIN = 16 * 1024 * 1024 + 4096
"""Longest reply line accepted from a member (a value of the largest command, plus framing)."""


def wall_ms() -> int:
    """Milliseconds since the Unix epoch (the clock the cluster's versions follow)."""
    return time.time_ns() // 1_000_000


def one_line(text: str) -> bytes:
    """``text`` as one reply-safe line."""
    return " ".join(text.split()).encode(errors="replace")


class Cluster:
    """Everything the client handler needs, with the cluster's lifecycle."""

    def __init__(
        self, config: RoleConfig, *, shared_key: str,
        wall_clock_ms: Callable[[], int] = wall_ms,
    ) -> None:
        self.config = config
        self.counters = Counters()
        self.health = Health(lambda: self.config.health_check_interval)
        self.topology = Topology(
            auth_line=b"NAUTH " + shared_key_digest(shared_key),
            max_line_bytes=max(config.server.max_line_bytes + 4096, LINK_LINE_BYTES_MIN),
            health=self.health,
        )
        self._wall_clock_ms = wall_clock_ms
        self.repairs = Repairs()
        self.router = Router(self.topology, HybridClock(config.cluster_id, wall_clock_ms),
                             self.repairs, config.server.max_line_bytes)
        self.server: Server | None = None
        self._reload_lock = asyncio.Lock()

    async def start(self) -> None:
        """Connect to every member once (in parallel, bounded by connect timeouts)."""
        reason = problem(self.config.node_configs)
        if reason is not None:
            raise ConfigError(f"{self.config.path}: {reason}")
        await self.topology.apply(self.config.node_configs)
        up = sum(m.up for m in self.topology.all_members())
        log.info("%d shard(s), %d of %d member(s) up", len(self.topology.shards), up,
                 len(self.topology.all_members()))

    async def close(self) -> None:
        """Stop health checks and close every link."""
        await self.topology.close()

    async def housekeeping(self) -> None:
        """Once a second: the ops/s figure and memory."""
        while True:
            await asyncio.sleep(1.0)
            self.counters.tick()

    # ---- STAT
    def stat_items(self) -> list[tuple[str, object]]:
        """The cluster's own figures."""
        members = self.topology.all_members()
        up = sum(m.up for m in members)
        clients = len(self.server.connections) if self.server is not None else 0
        items: list[tuple[str, object]] = [
            ("role", "cluster"),
            ("status", "up"),
            ("cluster_id", self.router.clock.writer_id),
            ("current_sequence", self.router.rotation.sequence),
            ("client_connection_count", clients),
            ("ops_per_sec", f"{self.counters.ops_per_sec:.1f}"),
            ("total_commands", self.counters.ops),
            ("shards", len(self.topology.shards)),
            ("members_up", up),
            ("members_down", len(members) - up),
            ("health_check_interval_s", self.config.health_check_interval),
            ("health_checks", self.health.checks),
            ("writes_in_flight", len(self.router.order)),
            ("last_version", self.router.clock.last),
        ]
        items += self.repairs.stat_items()
        items += self.counters.memory_items()
        return items

    async def stat(self) -> bytes:
        """The whole STAT reply: the cluster, then every member in config order."""
        members = self.topology.all_members()
        replies = await asyncio.gather(*(_member_stat(m) for m in members))
        sections: list[Section] = [
            ("PRIMARY" if m.kind == PRIMARY else "REPLICA", m.address, reply)
            for m, reply in zip(members, replies, strict=True)
        ]
        return assemble(self.config.server.address, self.stat_items(), sections)

    # ---- RCNF
    async def reload(self) -> bytes:
        """Reload ``.cluster``, apply the new topology live, then tell every member to reload."""
        async with self._reload_lock:
            try:
                config = load_config("cluster", self.config.path)
                reason = problem(config.node_configs)
                if reason is not None:
                    raise ConfigError(f"{config.path}: {reason}")
                added, removed = await self.topology.apply(config.node_configs)
            except ConfigError as exc:
                log.warning("RCNF failed: %s", exc)
                return b"ERR reload error: " + one_line(str(exc)) + b"\r\n"
            self._adopt(config)
            log.info("configuration reloaded: %d member(s) added, %d removed", added, removed)
            errors = await self._tell_members()
        if errors:
            return b"ERR reload error: " + one_line("; ".join(errors)) + b"\r\n"
        return OK_RELOADED + b"\r\n"

    def _adopt(self, config: RoleConfig) -> None:
        if config.server != self.config.server:
            log.warning("server-config changes take effect at the next start")
        if config.cluster_id != self.router.clock.writer_id:
            clock = HybridClock(config.cluster_id, self._wall_clock_ms)
            clock.observe(self.router.clock.last)
            self.router.clock = clock
        self.config = dataclasses.replace(config, server=self.config.server)

    async def _tell_members(self) -> list[str]:
        members = [m for m in self.topology.all_members() if m.up]
        skipped = [m.address for m in self.topology.all_members() if not m.up]
        if skipped:
            log.warning("RCNF not sent to down member(s): %s", ", ".join(skipped))
        replies = await asyncio.gather(*(_member_rcnf(m) for m in members))
        return [f"{m.address}: {r}" for m, r in zip(members, replies, strict=True) if r]


async def _member_stat(member: Member) -> LinkReply | None:
    if not member.up:
        return member.reason.encode(errors="replace")
    try:
        return await member.request(b"STAT", True)
    except LinkError as exc:
        return exc.reason.encode(errors="replace")


async def _member_rcnf(member: Member) -> str:
    """The member's error, or ``""`` when it reloaded."""
    try:
        reply = await member.request(b"RCNF")
    except LinkError as exc:
        return exc.reason
    if reply == OK_RELOADED:
        return ""
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else "unexpected reply"
    return text.removeprefix("ERR reload error: ")
