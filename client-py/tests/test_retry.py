"""Retries through the fault proxy: only failures that applied nothing are retried, and
INCR/DECR are never sent twice."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import smclient
from smclient import ConstantBackoff, Retry
from smclient.testing import FaultProxy, ServerProcess

KEY = "test-key"


@pytest.mark.parametrize("api", ["sync", "async"])
async def test_refused_connections_are_retried_until_the_server_accepts(
    node: ServerProcess, api: str
) -> None:
    retry = Retry(ConstantBackoff(0.05), retries=200, total_s=20)
    with FaultProxy("127.0.0.1", node.port) as proxy:
        proxy.reject()
        timer = threading.Timer(0.3, proxy.reject, args=(False,))
        timer.start()
        try:
            if api == "sync":
                with smclient.Client(port=proxy.port, shared_key=KEY, retry=retry) as db:
                    assert db.put("retry:a", "A") is True
            else:
                async with smclient.AsyncClient(port=proxy.port, shared_key=KEY,
                                                retry=retry) as adb:
                    assert await adb.put("retry:a", "A") is True
        finally:
            timer.cancel()


@pytest.mark.parametrize("api", ["sync", "async"])
async def test_refused_without_retries_is_a_determinate_connection_error(
    node: ServerProcess, api: str
) -> None:
    with FaultProxy("127.0.0.1", node.port) as proxy:
        proxy.reject()
        with pytest.raises(smclient.ConnectionError) as info:
            if api == "sync":
                with smclient.Client(port=proxy.port, shared_key=KEY,
                                     retry=Retry.never()) as db:
                    db.get("retry:a")
            else:
                async with smclient.AsyncClient(port=proxy.port, shared_key=KEY,
                                                retry=Retry.never()) as adb:
                    await adb.get("retry:a")
        assert not info.value.indeterminate


@pytest.mark.parametrize("api", ["sync", "async"])
async def test_timed_out_incr_is_never_resent(node: ServerProcess, api: str) -> None:
    retry = Retry(ConstantBackoff(0), retries=5, retry_reads_on_timeout=True)
    key = f"retry:n-{api}"
    with FaultProxy("127.0.0.1", node.port) as proxy:
        opts: dict[str, Any] = {"port": proxy.port, "shared_key": KEY, "retry": retry,
                                "timeout_s": 0.2}
        if api == "sync":
            with smclient.Client(**opts) as db:
                db.put(key, 0)
                proxy.delay(to_client_s=0.5)
                with pytest.raises(smclient.TimeoutError):
                    db.incr(key)
        else:
            async with smclient.AsyncClient(**opts) as adb:
                await adb.put(key, 0)
                proxy.delay(to_client_s=0.5)
                with pytest.raises(smclient.TimeoutError):
                    await adb.incr(key)
        assert proxy.statistics().accepted_total == 1
    with smclient.Client(port=node.port, shared_key=KEY) as check:
        assert check.get(key) == "1"


async def test_timed_out_reads_are_retried_only_when_asked(node: ServerProcess) -> None:
    with FaultProxy("127.0.0.1", node.port) as proxy:
        proxy.delay(to_client_s=0.3)
        asked = Retry(ConstantBackoff(0), retries=2, retry_reads_on_timeout=True)
        async with smclient.AsyncClient(port=proxy.port, shared_key=KEY, retry=asked,
                                        timeout_s=0.1, connect_timeout_s=5) as db:
            with pytest.raises(smclient.TimeoutError):
                await db.get("retry:b")
        # NAUTH handshakes are delayed too (and bounded by connect_timeout_s): one
        # connection per attempt, three attempts.
        assert proxy.statistics().accepted_total == 3
        default = Retry(ConstantBackoff(0), retries=2)
        async with smclient.AsyncClient(port=proxy.port, shared_key=KEY, retry=default,
                                        timeout_s=0.1, connect_timeout_s=5) as db:
            with pytest.raises(smclient.TimeoutError):
                await db.get("retry:b")
        assert proxy.statistics().accepted_total == 4
