"""The connection pool: a size limit, health checks, recovery after a server restart."""

from __future__ import annotations

import asyncio
import threading

import pytest

import smclient
from smclient.testing import FaultProxy, ServerProcess

KEY = "test-key"


async def test_async_pool_exhaustion_raises_pool_timeout_then_recovers(
    node: ServerProcess,
) -> None:
    with FaultProxy("127.0.0.1", node.port) as proxy:
        async with smclient.AsyncClient(port=proxy.port, shared_key=KEY, max_connections=1,
                                        pool_timeout_s=0.1, timeout_s=10) as db:
            await db.put("pool:a", "A")
            proxy.delay(to_client_s=0.5)
            slow = asyncio.ensure_future(db.get("pool:a"))
            async with asyncio.timeout(10):
                while db.statistics().in_use == 0:
                    await asyncio.sleep(0.001)
            with pytest.raises(smclient.PoolTimeoutError):
                await db.get("pool:a")
            assert await slow == "A"
            proxy.delay(to_client_s=0)
            assert await db.get("pool:a") == "A"
            assert db.statistics().opened_total == 1


def test_sync_pool_exhaustion_raises_pool_timeout_then_recovers(node: ServerProcess) -> None:
    with FaultProxy("127.0.0.1", node.port) as proxy, smclient.Client(
        port=proxy.port, shared_key=KEY, max_connections=1, pool_timeout_s=0.1, timeout_s=10
    ) as db:
        db.put("pool:b", "B")
        proxy.delay(to_client_s=0.5)
        results: list[str | None] = []
        started = threading.Event()

        def slow_get() -> None:
            started.set()
            results.append(db.get("pool:b"))

        thread = threading.Thread(target=slow_get)
        thread.start()
        started.wait(5)
        while db.statistics().in_use == 0 and thread.is_alive():
            thread.join(0.01)
        with pytest.raises(smclient.PoolTimeoutError):
            db.get("pool:b")
        thread.join(10)
        assert results == ["B"]
        proxy.delay(to_client_s=0)
        assert db.get("pool:b") == "B"


@pytest.mark.parametrize("api", ["sync", "async"])
async def test_connections_cut_while_idle_are_replaced_without_an_error(
    node: ServerProcess, api: str
) -> None:
    with FaultProxy("127.0.0.1", node.port) as proxy:
        if api == "sync":
            with smclient.Client(port=proxy.port, shared_key=KEY) as db:
                db.put("pool:c", "C")
                assert proxy.cut() == 1
                assert db.get("pool:c") == "C"
                stats = db.statistics()
        else:
            async with smclient.AsyncClient(port=proxy.port, shared_key=KEY) as adb:
                await adb.put("pool:c", "C")
                assert proxy.cut() == 1
                await asyncio.sleep(0.05)  # let the loop see the reset
                assert await adb.get("pool:c") == "C"
                stats = adb.statistics()
        assert (stats.opened_total, stats.discarded_total) == (2, 1)


async def test_clients_recover_after_the_server_restarts(fresh_node: ServerProcess) -> None:
    """Idle pooled connections the restart closed are dropped, not used (no error)."""
    with smclient.Client(port=fresh_node.port, shared_key=KEY) as db:
        async with smclient.AsyncClient(port=fresh_node.port, shared_key=KEY) as adb:
            assert db.put("restart:a", "1") and await adb.put("restart:b", "2")
            await asyncio.to_thread(fresh_node.restart)
            assert db.ping() and await adb.ping()
            assert db.put("restart:c", "3") and await adb.get("restart:c") == "3"


async def test_idle_connections_are_pinged_after_the_health_check_interval(
    node: ServerProcess,
) -> None:
    with FaultProxy("127.0.0.1", node.port) as proxy:
        async with smclient.AsyncClient(port=proxy.port, shared_key=KEY,
                                        health_check_interval_s=0) as db:
            await db.put("pool:d", "D")
            before = proxy.statistics().bytes_to_server
            await db.get("pool:d")
            sent = proxy.statistics().bytes_to_server - before
            assert sent == len(b"PING\r\nGET pool:d\r\n")


async def test_pool_never_exceeds_its_size(node: ServerProcess) -> None:
    async with smclient.AsyncClient(port=node.port, shared_key=KEY, max_connections=3) as db:
        await asyncio.gather(*(db.put(f"pool:e{i}", str(i)) for i in range(50)))
        stats = db.statistics()
        assert stats.opened_total <= 3
        assert stats.in_use == 0
