"""The fault proxy on a real loopback echo server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from smchaos.db import AsyncFaultProxy
from smclient.testing import free_port


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(1024):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


@pytest.fixture
async def proxy() -> AsyncIterator[AsyncFaultProxy]:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    p = AsyncFaultProxy(free_port(), "127.0.0.1", port)
    await p.start()
    try:
        yield p
    finally:
        await p.stop()
        server.close()
        await server.wait_closed()


async def _roundtrip(port: int, timeout_s: float) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"ping\n")
        return await asyncio.wait_for(reader.readline(), timeout_s)
    finally:
        writer.close()


async def test_traffic_flows_through_a_healthy_proxy(proxy: AsyncFaultProxy) -> None:
    assert await _roundtrip(proxy.listen_port, 5) == b"ping\n"


async def test_a_blackholed_link_holds_traffic_until_healed(proxy: AsyncFaultProxy) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.listen_port)
    proxy.blackhole(True)
    writer.write(b"held\n")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(reader.readline(), 0.3)
    proxy.blackhole(False)
    assert await asyncio.wait_for(reader.readline(), 5) == b"held\n"
    writer.close()


async def test_a_rejecting_proxy_closes_new_connections(proxy: AsyncFaultProxy) -> None:
    proxy.reject(True)
    with pytest.raises((ConnectionError, asyncio.IncompleteReadError, TimeoutError)):
        line = await _roundtrip(proxy.listen_port, 2)
        if not line:
            raise ConnectionError("closed")
    proxy.reject(False)
    assert await _roundtrip(proxy.listen_port, 5) == b"ping\n"


async def test_cut_aborts_open_connections(proxy: AsyncFaultProxy) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.listen_port)
    writer.write(b"one\n")
    assert await asyncio.wait_for(reader.readline(), 5) == b"one\n"
    proxy.cut()
    try:
        data = await asyncio.wait_for(reader.read(10), 5)
    except ConnectionError:
        data = b""
    assert data == b""
    writer.close()


async def test_delay_slows_but_delivers(proxy: AsyncFaultProxy) -> None:
    proxy.set_delay(0.05)
    assert await _roundtrip(proxy.listen_port, 5) == b"ping\n"
