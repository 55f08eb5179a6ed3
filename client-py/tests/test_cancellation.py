"""A request cancelled or timed out mid-flight never hands its reply to the next caller
(the redis-py CWE-404 regression, reproduced with the fault proxy delaying replies)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable

import pytest

import smclient
from smclient.testing import FaultProxy, ServerProcess

KEY = "test-key"


async def wait_until(predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached before the deadline")
        await asyncio.sleep(0.005)


async def test_cancelled_get_never_answers_the_next_get(node: ServerProcess) -> None:
    with FaultProxy("127.0.0.1", node.port) as proxy:
        async with smclient.AsyncClient(port=proxy.port, shared_key=KEY, max_connections=1,
                                        timeout_s=10) as db:
            await db.put("cwe:a", "A")
            await db.put("cwe:b", "B")
            sent = proxy.statistics().bytes_to_server
            proxy.delay(to_client_s=0.5)
            task = asyncio.ensure_future(db.get("cwe:a"))
            await wait_until(lambda: proxy.statistics().bytes_to_server > sent)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            proxy.delay(to_client_s=0)
            for _ in range(3):
                assert await db.get("cwe:b") == "B"
            assert db.statistics().discarded_total >= 1


async def test_timed_out_get_never_answers_the_next_get(node: ServerProcess) -> None:
    with FaultProxy("127.0.0.1", node.port) as proxy:
        async with smclient.AsyncClient(port=proxy.port, shared_key=KEY, max_connections=1,
                                        timeout_s=10) as db:
            await db.put("cwe:c", "C")
            await db.put("cwe:d", "D")
            proxy.delay(to_client_s=0.5)
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(db.get("cwe:c"), 0.1)
            proxy.delay(to_client_s=0)
            assert await db.get("cwe:d") == "D"


async def test_random_cancellations_never_cross_replies(node: ServerProcess) -> None:
    rng = random.Random(404)
    with FaultProxy("127.0.0.1", node.port) as proxy:
        async with smclient.AsyncClient(port=proxy.port, shared_key=KEY, max_connections=2,
                                        timeout_s=10) as db:
            keys = [f"cwe:r{i}" for i in range(8)]
            for key in keys:
                await db.put(key, f"value of {key}")
            proxy.delay(to_client_s=0.02)
            for _ in range(25):
                key = rng.choice(keys)
                task = asyncio.ensure_future(db.get(key))
                for _ in range(rng.randrange(0, 30)):
                    await asyncio.sleep(0)
                if rng.random() < 0.6:
                    task.cancel()
                try:
                    value = await task
                except asyncio.CancelledError:
                    continue
                assert value == f"value of {key}"


def test_sync_timeout_closes_the_connection(node: ServerProcess) -> None:
    with FaultProxy("127.0.0.1", node.port) as proxy, smclient.Client(
        port=proxy.port, shared_key=KEY, max_connections=1, timeout_s=0.2
    ) as db:
        db.put("cwe:e", "E")
        db.put("cwe:f", "F")
        proxy.delay(to_client_s=0.6)
        with pytest.raises(smclient.TimeoutError) as info:
            db.get("cwe:e")
        assert info.value.indeterminate
        proxy.delay(to_client_s=0)
        assert db.get("cwe:f") == "F"
        assert db.statistics().discarded_total >= 1
