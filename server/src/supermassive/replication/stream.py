"""Primary side of replication: one feed per replica, catch-up then a live stream.

Each feed connects to its replica, authenticates (NAUTH), asks ``STARTSYNC`` and gets
``SYNCFROM <position> <history-id>``. In one synchronous step (nothing else runs on the loop
meanwhile) it takes what the replica misses — journal records after its position, or a full
snapshot when the journal no longer reaches back that far or the histories differ — and starts
collecting live records; it sends them all, then ``DONESYNC``, then streams every new record.
Writes never wait for a replica: records are appended to the feed's buffer and sent once the
node has written them to its journal: in the same loop iteration, or (with
``replication-coalesce-ms`` set) at most one stream write per that interval under load, records
journaled meanwhile joining the next write; a replica that falls
``replication-backlog-bytes`` behind (slow, paused, partitioned) is disconnected and caught up
again when it answers. A replica that offers ``rack`` in ``SYNCFROM`` answers records only when
they fail; the feed asks for its position with ``RACK`` at most every :data:`ACK_INTERVAL_S`
(appended to a stream write, or alone once records have stopped for that long), so a record
costs neither side an ack line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from supermassive.config import LinkConfig, RoleConfig
from supermassive.net import tls
from supermassive.roles.data import shared_key_digest

if TYPE_CHECKING:
    from supermassive.storage.records import RawRecord, Record
from supermassive.storage.store import Store

log = logging.getLogger("supermassive.replication")

_OP_SET = ord("S")
RACK = b"RACK\r\n"
ACK_INTERVAL_S = 0.01
"""How often, at most, a feed asks a ``rack`` replica for its position (``RACK``): the age of
``acked_position`` in STAT under load; the records themselves never wait for it."""
RETRY_FIRST_S = 0.05
RETRY_MAX_S = 0.25
"""Reconnect delays after a link fails: from :data:`RETRY_FIRST_S`, doubling up to this (or
``health-check-interval`` if shorter). A replica that comes back is caught up within a quarter
of a second; one that stays down costs a refused connect four times a second."""


def encode_record(rec: Record) -> bytes:
    """The stream line of one journal record."""
    if rec.op == "D":
        return b"RDEL %d %d %s\r\n" % (rec.position, rec.version, rec.key)
    return b"RSET %d %d %s %s\r\n" % (rec.position, rec.version, rec.key, rec.value)


def encode_raw_records(batch: list[RawRecord]) -> list[bytes]:
    """Stream lines for raw journal records (the catch-up fast path of :func:`encode_record`)."""
    return [b"RSET %d %d %s %s\r\n" % (position, version, key, value) if op == _OP_SET
            else b"RDEL %d %d %s\r\n" % (position, version, key)
            for position, version, op, key, value in batch]


def encode_snapshot(position: int, history_id: str, records: Iterable[Record]) -> list[bytes]:
    """``RSNAP``, one line per live key or tombstone at ``position``, ``RSNAPEND``."""
    out = [b"RSNAP %d %s\r\n" % (position, history_id.encode())]
    for rec in records:
        if rec.op == "D":
            out.append(b"RDEL %d %d %s\r\n" % (position, rec.version, rec.key))
        else:
            out.append(b"RSET %d %d " % (position, rec.version) + rec.key + b" " + rec.value
                       + b"\r\n")
    out.append(b"RSNAPEND %d\r\n" % position)
    return out


def last_ack(data: bytes) -> int | None:
    """The highest ``OK <position>`` acknowledged in a chunk of replica replies."""
    end = len(data)
    while end > 0:
        start = data.rfind(b"\n", 0, end - 1) + 1
        line = data[start:end].strip()
        if line.startswith(b"OK ") and line[3:].lstrip(b"-").isdigit():
            return int(line[3:])
        end = start
    return None


class ReplicaFeed:
    """The link from this primary to one replica."""

    def __init__(self, store: Store, link: LinkConfig, digest: bytes, interval_s: float,
                 backlog_bytes: int, coalesce_s: float = 0.0,
                 ack_interval_s: float = ACK_INTERVAL_S) -> None:
        self.store = store
        self.link = link
        self.address = link.server_address
        self._digest = digest
        self._interval_s = interval_s
        self._backlog_bytes = backlog_bytes
        self._coalesce_s = coalesce_s
        self._out: list[bytes] = []  #: records applied, not yet written to the journal
        self._ready: list[bytes] = []  #: records in the journal, not yet sent
        self._writer: asyncio.StreamWriter | None = None
        self._live = False
        self.status = "down"
        self.acked_position = -1
        self.sent_position = -1
        self.syncs = 0
        self.snapshots = 0
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._last_write_s = float("-inf")  #: loop time of the last stream write
        self._timer: asyncio.TimerHandle | None = None  #: a coalesced write is due
        self._rack = False  #: the replica acks on request (``RACK``), not per record
        self._ack_interval_s = ack_interval_s
        self._next_ack_s = float("-inf")  #: loop time from which a RACK may be sent again
        self._unasked = False  #: records left since the last RACK
        self._ack_timer: asyncio.TimerHandle | None = None  #: a lone RACK is due

    def start(self) -> None:
        """Start connecting (and reconnecting) in the background."""
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Flush what is buffered, close the link, stop the task."""
        self._ready += self._out
        self._out.clear()
        self._write_out()
        writer = self._writer
        if writer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.drain(), timeout=2)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._drop("stopped")

    def on_record(self, line: bytes, position: int) -> None:
        """Queue one encoded record (only while the link is live)."""
        if self._live:
            self._out.append(line)
            self.sent_position = position

    def flush(self) -> None:
        """The journal has been written out: send its records now, or, with a coalescing
        interval (``replication-coalesce-ms``), that long after the last write (records
        journaled meanwhile join that write; a record after a quiet spell leaves at once)."""
        out = self._out
        if out:
            self._ready += out
            out.clear()
        if not self._ready or self._timer is not None:
            return
        due = self._last_write_s + self._coalesce_s
        if self._loop.time() < due:
            self._timer = self._loop.call_at(due, self._write_out)
            return
        self._write_out()

    @property
    def holding(self) -> bool:
        """Journaled records wait for this feed's coalescing interval."""
        return bool(self._ready)

    def _write_out(self) -> None:
        """Send the journaled records in one write; cut a replica that is too far behind.
        (Only records already in the journal leave: a timer may fire before the journal
        write-out of the current loop iteration.)"""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        ready = self._ready
        if not ready:
            return
        self._last_write_s = now_s = self._loop.time()
        if self._rack:
            if now_s >= self._next_ack_s:
                ready.append(RACK)
                self._next_ack_s = now_s + self._ack_interval_s
                self._unasked = False
            else:
                self._unasked = True
                if self._ack_timer is None:
                    self._ack_timer = self._loop.call_at(self._next_ack_s, self._request_ack)
        writer = self._writer
        data = b"".join(ready)
        ready.clear()
        if writer is None or writer.is_closing():
            return
        writer.write(data)
        if writer.transport.get_write_buffer_size() > self._backlog_bytes:
            log.warning("replica %s is more than %d bytes behind: disconnecting; it will be "
                        "caught up when it answers", self.address, self._backlog_bytes)
            self._drop("backlog")

    def _request_ack(self) -> None:
        """The timer: ask for the position after records that left without a ``RACK``, once
        no record has left for an interval (while they flow, the next write carries it)."""
        self._ack_timer = None
        writer = self._writer
        if not self._unasked or writer is None or writer.is_closing():
            return
        now_s = self._loop.time()
        quiet_s = self._last_write_s + self._ack_interval_s
        if now_s < quiet_s:
            self._ack_timer = self._loop.call_at(quiet_s, self._request_ack)
            return
        self._next_ack_s = now_s + self._ack_interval_s
        self._unasked = False
        writer.write(RACK)

    def _drop(self, reason: str) -> None:
        self._live = False
        self._rack = self._unasked = False
        self._out.clear()
        self._ready.clear()
        for timer in (self._timer, self._ack_timer):
            if timer is not None:
                timer.cancel()
        self._timer = self._ack_timer = None
        if self.status != "down":
            log.warning("replica %s down (%s)", self.address, reason)
        self.status = "down"
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.transport.abort()
        self._wake.set()

    async def _run(self) -> None:
        delay_s = RETRY_FIRST_S
        while True:
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
                if self.status != "down":
                    log.warning("replica %s: %s", self.address, exc)
                else:
                    log.debug("replica %s unreachable: %s", self.address, exc)
            except Exception:
                log.exception("replica %s: unexpected error", self.address)
            if self.status == "up":
                delay_s = RETRY_FIRST_S  # it was up: a restarted replica is retried quickly
            self._drop("disconnected")
            await asyncio.sleep(min(delay_s, self._interval_s))
            delay_s = min(delay_s * 2, RETRY_MAX_S)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        host, port = self.link.host_port
        ctx = tls.client_context(self.link.ca_cert_file, self.address) if self.link.use_tls \
            else None
        return await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=ctx, server_hostname=host if ctx else None,
                                    limit=1 << 20),
            timeout=self.link.connect_timeout,
        )

    async def _ask(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                   line: bytes) -> bytes:
        writer.write(line)
        reply = await asyncio.wait_for(reader.readline(), timeout=self.link.read_timeout)
        if not reply:
            raise OSError("connection closed")
        return reply.rstrip(b"\r\n")

    async def _session(self) -> None:
        reader, writer = await self._connect()
        self._writer = writer
        reply = await self._ask(reader, writer, b"NAUTH " + self._digest + b"\r\n")
        if reply != b"OK authenticated":
            raise ValueError(f"NAUTH refused: {reply[:100]!r}")
        reply = await self._ask(reader, writer, b"STARTSYNC\r\n")
        parts = reply.split(b" ")
        if len(parts) < 2 or parts[0] != b"SYNCFROM" or not parts[1].lstrip(b"-").isdigit():
            raise ValueError(f"unexpected STARTSYNC reply {reply[:100]!r}")
        position = int(parts[1])
        history = parts[2].decode(errors="replace") if len(parts) > 2 else "-"
        self._rack = b"rack" in parts[3:]
        self._catch_up(writer, position, history)
        self.status = "up"
        self.syncs += 1
        await writer.drain()
        self._wake.clear()
        while True:
            data = await reader.read(1 << 16)
            if not data:
                raise OSError("replica closed the link")
            if b"ERR" in data:
                raise ValueError(f"replica error: {data[:200]!r}")
            ack = last_ack(data)
            if ack is not None and ack > self.acked_position:
                self.acked_position = ack

    def _catch_up(self, writer: asyncio.StreamWriter, position: int, history: str) -> None:
        """Send what the replica misses and go live, with no await in between."""
        store = self.store
        chunks: list[bytes] = [RACK] if self._rack else []  # acks on request from here on
        batches = None
        if history == store.history_id and position <= store.position:
            batches = store.record_batches_after(position)
        if batches is None:
            snap_position, snap = store.snapshot_records()
            lines = encode_snapshot(snap_position, store.history_id, snap)
            chunks += lines
            self.snapshots += 1
            log.info("replica %s: sending a snapshot at position %d (%d records)",
                     self.address, snap_position, len(lines) - 2)
            batches = store.record_batches_after(snap_position) or iter(())
        else:
            log.info("replica %s: catching up from position %d to %d", self.address, position,
                     store.position)
        for batch in batches:
            chunks += encode_raw_records(batch)
        chunks.append(b"DONESYNC\r\n")
        if self._rack:
            chunks.append(RACK)
            self._next_ack_s = self._loop.time() + self._ack_interval_s
        self.sent_position = store.position
        self._live = True
        writer.write(b"".join(chunks))

    def stat_items(self) -> list[tuple[str, object]]:
        """Figures for the primary's STAT."""
        prefix = f"replica.{self.address}."
        return [
            (prefix + "status", self.status),
            (prefix + "acked_position", self.acked_position),
            (prefix + "lag_records", max(0, self.store.position - self.acked_position)
             if self.status == "up" else "-"),
        ]


class ReplicationManager:
    """All of a primary's feeds; the store calls :meth:`on_record` for every mutation."""

    def __init__(self, store: Store, shared_key: str, config: RoleConfig) -> None:
        self.store = store
        self._digest = shared_key_digest(shared_key)
        self._config = config
        self.feeds: dict[str, ReplicaFeed] = {}
        self._listening = False

    def _listen(self) -> None:
        """Be a journal listener only while there are feeds (writes pay nothing otherwise)."""
        if self.feeds and not self._listening:
            self.store.add_listener(self.on_record)
        elif not self.feeds and self._listening:
            self.store.remove_listener(self.on_record)
        self._listening = bool(self.feeds)

    def on_record(self, rec: Record) -> None:
        """Encode a record once and queue it on every live feed."""
        if not self.feeds:
            return
        line = encode_record(rec)
        for feed in self.feeds.values():
            feed.on_record(line, rec.position)

    def flush(self) -> None:
        """Write every feed's queued records (after the journal write-out)."""
        for feed in self.feeds.values():
            feed.flush()

    def sent(self) -> bool:
        """Whether every record journaled so far has left to every feed's replica, or never
        will without a new write-out (nothing waits in a coalescing interval)."""
        return all(not feed.holding for feed in self.feeds.values())

    def update(self, links: tuple[LinkConfig, ...]) -> None:
        """Add feeds for new replica addresses, stop feeds for removed ones."""
        wanted = {link.server_address: link for link in links}
        for address in list(self.feeds):
            if address not in wanted or wanted[address] != self.feeds[address].link:
                feed = self.feeds.pop(address)
                asyncio.get_running_loop().create_task(feed.stop())
                log.info("replica %s removed", address)
        for address, link in wanted.items():
            if address not in self.feeds:
                feed = ReplicaFeed(self.store, link, self._digest,
                                   self._config.health_check_interval,
                                   self._config.replication_backlog_bytes,
                                   self._config.replication_coalesce_ms / 1000)
                self.feeds[address] = feed
                feed.start()
                log.info("replica %s added", address)
        self._listen()

    async def close(self) -> None:
        """Stop every feed."""
        await asyncio.gather(*(feed.stop() for feed in self.feeds.values()))
        self.feeds.clear()
        self._listen()

    def stat_items(self) -> list[tuple[str, object]]:
        """Per-replica figures."""
        items: list[tuple[str, object]] = [("replicas", len(self.feeds))]
        for feed in self.feeds.values():
            items += feed.stat_items()
        return items
