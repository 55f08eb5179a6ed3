"""The fault-proxy semantics the proxy-mode nemesis relies on (``smclient.testing.FaultProxy``),
on a real loopback echo server, and the topology's partitions over its links."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from smchaos.db import LocalTopology, TopologySpec
from smclient.testing import FaultProxy

WAIT_S = 5.0
QUIET_S = 0.3


@dataclass
class Echo:
    """A loopback echo server that counts the connections it accepted."""

    port: int = 0
    accepted: int = 0


@pytest.fixture
async def echo() -> AsyncIterator[Echo]:
    state = Echo()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.accepted += 1
        try:
            while data := await reader.read(1024):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        server.close()


@pytest.fixture
async def proxy(echo: Echo) -> AsyncIterator[FaultProxy]:
    p = await asyncio.to_thread(FaultProxy("127.0.0.1", echo.port, name="test").start)
    try:
        yield p
    finally:
        await asyncio.to_thread(p.stop)


async def _connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), WAIT_S)


async def _linked(proxy: FaultProxy, port: int) -> tuple[
        asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect, and wait until the proxy has connected the link onward."""
    before = proxy.statistics().open_connections
    conn = await _connect(port)
    await _until(lambda: proxy.statistics().open_connections > before)
    return conn


async def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "the proxy did not get there in time"
        await asyncio.sleep(0.01)


async def _silent(reader: asyncio.StreamReader) -> bool:
    """Whether nothing arrives for a while (what a partition looks like from outside)."""
    try:
        await asyncio.wait_for(reader.readline(), QUIET_S)
    except TimeoutError:
        return True
    return False


async def test_a_held_link_keeps_the_connection_and_delivers_the_bytes_after_the_heal(
        proxy: FaultProxy) -> None:
    reader, writer = await _linked(proxy, proxy.port)
    writer.write(b"before\n")
    assert await asyncio.wait_for(reader.readline(), WAIT_S) == b"before\n"
    await asyncio.to_thread(proxy.hold, to_server=True, to_client=True)
    writer.write(b"held\n")
    assert await _silent(reader)
    stats = proxy.statistics()
    assert (stats.held_to_server, stats.held_to_client, stats.open_connections) == (
        True, True, 1)
    await asyncio.to_thread(proxy.hold, to_server=False, to_client=False)
    assert await asyncio.wait_for(reader.readline(), WAIT_S) == b"held\n"
    writer.close()


async def test_holding_one_direction_lets_the_request_through_and_keeps_the_reply(
        proxy: FaultProxy, echo: Echo) -> None:
    reader, writer = await _linked(proxy, proxy.port)
    await asyncio.to_thread(proxy.hold, to_client=True)
    writer.write(b"one way\n")
    assert await _silent(reader)
    assert proxy.statistics().bytes_to_server == len(b"one way\n")
    await asyncio.to_thread(proxy.heal)
    assert await asyncio.wait_for(reader.readline(), WAIT_S) == b"one way\n"
    writer.close()


async def test_a_connection_opened_during_a_hold_waits_for_the_heal(
        proxy: FaultProxy, echo: Echo) -> None:
    await asyncio.to_thread(proxy.hold, to_server=True, to_client=True)
    reader, writer = await _connect(proxy.port)  # accepted, like a SYN in a buffer
    writer.write(b"early\n")
    await _until(lambda: proxy.statistics().waiting_connections == 1)
    assert await _silent(reader)
    assert echo.accepted == 0
    await asyncio.to_thread(proxy.heal)
    assert await asyncio.wait_for(reader.readline(), WAIT_S) == b"early\n"
    assert echo.accepted == 1
    writer.close()


async def test_cut_resets_open_and_waiting_connections(proxy: FaultProxy) -> None:
    r1, w1 = await _linked(proxy, proxy.port)
    w1.write(b"one\n")
    assert await asyncio.wait_for(r1.readline(), WAIT_S) == b"one\n"
    await asyncio.to_thread(proxy.hold, to_server=True, to_client=True)
    r2, w2 = await _connect(proxy.port)
    await _until(lambda: proxy.statistics().waiting_connections == 1)
    assert await asyncio.to_thread(proxy.cut) == 1
    for reader in (r1, r2):
        try:
            data = await asyncio.wait_for(reader.read(10), WAIT_S)
        except ConnectionError:
            data = b""
        assert data == b""
    assert proxy.statistics().waiting_connections == 0
    w1.close()
    w2.close()


async def test_reject_with_reset_accepts_then_resets_until_lifted(proxy: FaultProxy) -> None:
    await asyncio.to_thread(proxy.reject, True, reset=True)
    reader, writer = await _connect(proxy.port)
    try:
        data = await asyncio.wait_for(reader.read(10), WAIT_S)
    except ConnectionError:
        data = b""
    assert data == b""
    writer.close()
    await asyncio.to_thread(proxy.reject, False)
    reader, writer = await _connect(proxy.port)
    writer.write(b"back\n")
    assert await asyncio.wait_for(reader.readline(), WAIT_S) == b"back\n"
    writer.close()


async def test_a_partition_holds_exactly_the_links_between_the_two_members(
        tmp_path: Path) -> None:
    topo = LocalTopology(tmp_path, TopologySpec(primaries=2, network="proxy"))
    topo.plan()
    for link in topo.links.values():  # the proxies only: no server process is needed
        await asyncio.to_thread(link.proxy.start)
    try:
        done = await topo.cut([("cluster", "primary-1"), ("primary-0", "replica-0")])
        assert sorted(done) == ["cluster->primary-1", "primary-0->replica-0"]
        held = {name for name, link in topo.links.items() if link.proxy.held}
        assert held == set(done)
        await topo.heal_network()
        assert not any(link.proxy.held for link in topo.links.values())
    finally:
        for link in topo.links.values():
            await asyncio.to_thread(link.proxy.stop)
