"""Handshakes: NAUTH with a shared key on a node; bad keys raise mapped errors."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import smclient
from smclient.testing import ServerProcess


async def call(value: Any) -> Any:
    """Await ``value`` if awaitable: one test body drives both client APIs."""
    return await value if inspect.isawaitable(value) else value


@pytest.mark.parametrize("api", [smclient.Client, smclient.AsyncClient])
async def test_wrong_shared_key_raises_invalid_shared_key(
    node: ServerProcess, api: type[smclient.Client] | type[smclient.AsyncClient]
) -> None:
    client = api(port=node.port, shared_key="wrong-key")
    try:
        with pytest.raises(smclient.InvalidSharedKeyError) as info:
            await call(client.put("k", "v"))
        assert isinstance(info.value, smclient.AuthenticationError)
        assert not info.value.indeterminate
    finally:
        await call(client.close())


@pytest.mark.parametrize("api", [smclient.Client, smclient.AsyncClient])
async def test_without_authentication_commands_are_refused_but_ping_works(
    node: ServerProcess, api: type[smclient.Client] | type[smclient.AsyncClient]
) -> None:
    client = api(port=node.port)
    try:
        assert await call(client.ping()) is True
        with pytest.raises(smclient.NotAuthenticatedError):
            await call(client.get("k"))
    finally:
        await call(client.close())


def test_closed_client_refuses_commands(node: ServerProcess) -> None:
    client = smclient.Client(port=node.port, shared_key="test-key")
    client.close()
    with pytest.raises(smclient.ClientClosedError):
        client.ping()
