"""The live replication stream: journaled records leave in coalesced writes, none is left behind."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Callable
from functools import partial
from pathlib import Path
from typing import Any

from node_support import wait_until

from smclient.testing import free_port
from supermassive.config import LinkConfig
from supermassive.replication.stream import ReplicaFeed
from supermassive.storage.store import Store

COALESCE_S = 0.01


async def _until(predicate: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


@contextlib.asynccontextmanager
async def _live_feed(tmp_path: Path, coalesce_s: float, **options: Any) -> AsyncIterator[
        tuple[ReplicaFeed, bytearray]]:
    """A feed with a live link (as after catch-up) to a stand-in replica that keeps every byte
    it receives; the feed, the store and the stand-in are closed afterwards."""
    received = bytearray()

    async def replica(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(1 << 16):
            received.extend(data)

    server = await asyncio.start_server(replica, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    store = Store.open(tmp_path, "node", sync="no")
    link = LinkConfig(server_address=f"127.0.0.1:{port}", use_tls=False, ca_cert_file="",
                      connect_timeout=1.0, write_timeout=1.0, read_timeout=1.0, max_retries=0,
                      retry_wait_time=0.1, buffer_size=65536, pool_size=1)
    feed = ReplicaFeed(store, link, b"digest", 1.0, 1 << 20, coalesce_s=coalesce_s, **options)
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    feed._writer = writer
    feed._live = True
    try:
        yield feed, received
    finally:
        await feed.stop()
        server.close()
        await server.wait_closed()
        await store.close()


async def test_records_leave_only_after_the_journal_write_out_and_coalesce_into_one_write(
    tmp_path: Path,
) -> None:
    async with _live_feed(tmp_path, COALESCE_S) as (feed, received):
        feed.on_record(b"RSET 1 1 a x\r\n", 1)
        await asyncio.sleep(COALESCE_S * 3)
        assert received == b""  # applied, not journaled yet: it must not leave
        feed.flush()  # the journal write-out of the loop iteration
        assert await _until(lambda: received == b"RSET 1 1 a x\r\n")
        feed.on_record(b"RSET 2 2 b y\r\n", 2)
        feed.flush()
        feed.on_record(b"RDEL 3 3 a\r\n", 3)
        feed.flush()  # both within the interval: one later write, after a timer
        feed.on_record(b"RDEL 4 4 b\r\n", 4)  # not journaled: stays behind
        assert await _until(lambda: len(received) > 14)
        await asyncio.sleep(COALESCE_S * 3)
        assert bytes(received) == b"RSET 1 1 a x\r\nRSET 2 2 b y\r\nRDEL 3 3 a\r\n"
        assert feed.sent_position == 4
        feed.flush()
        assert await _until(lambda: bytes(received).endswith(b"RDEL 4 4 b\r\n"))


async def test_without_coalescing_each_journal_write_out_sends_its_records_at_once(
    tmp_path: Path,
) -> None:
    async with _live_feed(tmp_path, 0.0) as (feed, received):  # replication-coalesce-ms: 0
        for n in range(1, 4):
            feed.on_record(b"RSET %d %d k v\r\n" % (n, n), n)
            feed.flush()
            assert feed._timer is None  # nothing deferred: the write happened in flush()
            expected = b"".join(b"RSET %d %d k v\r\n" % (i, i) for i in range(1, n + 1))
            assert await _until(lambda expected=expected: bytes(received) == expected)


async def test_a_rack_replica_is_asked_for_its_position_with_a_write_or_just_after_it(
    tmp_path: Path,
) -> None:
    async with _live_feed(tmp_path, 0.0, ack_interval_s=3600.0) as (feed, received):
        feed._rack = True  # the replica offered ``rack`` in SYNCFROM
        feed.on_record(b"RSET 1 1 k v\r\n", 1)
        feed.flush()  # the first write asks at once
        feed.on_record(b"RSET 2 2 k w\r\n", 2)
        feed.flush()  # within the interval: the record leaves alone, a lone RACK is armed
        assert feed._ack_timer is not None
        assert await _until(lambda: bytes(received) == b"RSET 1 1 k v\r\nRACK\r\n"
                            b"RSET 2 2 k w\r\n")
    async with _live_feed(tmp_path / "short", 0.0, ack_interval_s=0.01) as (feed, received):
        feed._rack = True
        for n in range(1, 4):
            feed.on_record(b"RSET %d %d k v\r\n" % (n, n), n)
            feed.flush()
        assert await _until(lambda: bytes(received).endswith(b"RSET 3 3 k v\r\nRACK\r\n"))
        assert bytes(received).startswith(b"RSET 1 1 k v\r\nRACK\r\nRSET 2 2 k v\r\n")


def _reads(client: Any, line: str, expected: str) -> bool:
    return bool(client.line(line) == expected)


def dump(client: Any) -> list[bytes]:
    reply = client.call("VREGX .*")
    assert isinstance(reply, list), reply
    return sorted(reply[1:])


def test_a_burst_of_writes_then_silence_reaches_the_replica_completely(
    procs: Any, connect: Any,
) -> None:
    """Records coalesced into a later stream write are never left behind when writes stop."""
    rport = free_port()
    node = procs.node(replicas=[f"127.0.0.1:{rport}"])
    replica = procs.replica(port=rport)
    c = connect(node)
    r = connect(replica)
    assert wait_until(lambda: b"\tsynced true" in r.call("STAT"))
    rng = random.Random(3)
    for burst in range(4):
        for i in range(150):
            key = f"k{rng.randrange(40)}"
            c.line(f"DEL {key}" if rng.random() < 0.3 else f"PUT {key} b{burst}.{i}")
        c.line(f"PUT last b{burst}")
        assert wait_until(partial(_reads, r, "GET last", f"OK last b{burst}"))
        assert wait_until(lambda: dump(r) == dump(c)), "replica diverged from its primary"
    assert "replica error" not in node.log_tail(100)


async def test_a_feed_holds_records_only_while_they_wait_in_the_coalescing_interval(
    tmp_path: Path,
) -> None:
    """``holding`` is what lets a primary answer reads at once (``NodeHandler.flushed``): it
    must be true exactly while journaled records have not left."""
    async with _live_feed(tmp_path, COALESCE_S) as (feed, received):
        assert not feed.holding
        feed.on_record(b"RSET 1 1 a x\r\n", 1)
        feed.flush()  # leaves at once (a quiet spell before it)
        assert not feed.holding
        feed.on_record(b"RSET 2 2 b y\r\n", 2)
        feed.flush()  # within the interval: waits for the timer
        assert feed.holding
        assert await _until(lambda: not feed.holding)
        assert await _until(lambda: bytes(received).endswith(b"RSET 2 2 b y\r\n"))
    async with _live_feed(tmp_path / "none", 0.0) as (feed, _):
        feed.on_record(b"RSET 1 1 a x\r\n", 1)
        feed.flush()
        feed.on_record(b"RSET 2 2 b y\r\n", 2)
        feed.flush()
        assert not feed.holding  # without coalescing nothing ever waits
