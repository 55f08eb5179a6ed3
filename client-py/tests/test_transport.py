"""The transports move big values and long pipelines, and refuse over-long reply lines."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import smclient
from smclient.testing import ServerProcess

KEY = "test-key"
APIS = [smclient.Client, smclient.AsyncClient]


async def call(value: Any) -> Any:
    """Await ``value`` if awaitable: one test body drives both client APIs."""
    return await value if inspect.isawaitable(value) else value


@pytest.mark.parametrize("api", APIS)
async def test_a_four_mebibyte_value_round_trips(
    node: ServerProcess, api: type[smclient.Client] | type[smclient.AsyncClient]
) -> None:
    value = ("0123456789abcdef " * (4 * 1024 * 1024 // 17 + 1))[: 4 * 1024 * 1024]
    client = api(port=node.port, shared_key=KEY, timeout_s=30)
    try:
        assert await call(client.put(f"big:{api.__name__}", value)) is True
        assert await call(client.get(f"big:{api.__name__}")) == value
    finally:
        await call(client.close())


@pytest.mark.parametrize("api", APIS)
async def test_a_long_pipeline_of_big_values_does_not_deadlock(
    node: ServerProcess, api: type[smclient.Client] | type[smclient.AsyncClient]
) -> None:
    value = "x" * 64 * 1024
    client = api(port=node.port, shared_key=KEY, timeout_s=30)
    try:
        pipe = client.pipeline()
        for i in range(100):
            pipe.put(f"bigp:{i}", value).get(f"bigp:{i}")
        results = await call(pipe.execute())
        assert results == [True, value] * 100
    finally:
        await call(client.close())


@pytest.mark.parametrize("api", APIS)
async def test_reply_lines_over_the_client_limit_close_the_connection(
    node: ServerProcess, api: type[smclient.Client] | type[smclient.AsyncClient]
) -> None:
    client = api(port=node.port, shared_key=KEY, max_line_bytes=1024)
    try:
        await call(client.put("long:a", "y" * 2048))
        with pytest.raises(smclient.UnexpectedReplyError):
            await call(client.get("long:a"))
        assert await call(client.put("long:b", "short")) is True
        assert await call(client.get("long:b")) == "short"
        assert client.statistics().discarded_total == 1
    finally:
        await call(client.close())
