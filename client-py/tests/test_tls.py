"""TLS: a custom CA, a client certificate, and clear errors when verification fails."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import trustme

import smclient
from smclient.testing import ServerProcess

KEY = "test-key"
APIS = [smclient.Client, smclient.AsyncClient]


async def call(value: Any) -> Any:
    """Await ``value`` if awaitable: one test body drives both client APIs."""
    return await value if inspect.isawaitable(value) else value


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_node(
    tmp_path_factory: pytest.TempPathFactory, ca: trustme.CA,
    start_tls_node: Callable[[Path, Path, Path], ServerProcess],
) -> ServerProcess:
    directory = tmp_path_factory.mktemp("tls")
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_file, key_file = directory / "server.pem", directory / "server.key"
    cert.private_key_pem.write_to_path(str(key_file))
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    for extra in cert.cert_chain_pems[1:]:
        extra.write_to_path(str(cert_file), append=True)
    return start_tls_node(directory / "node", cert_file, key_file)


@pytest.fixture(scope="module")
def ca_file(tmp_path_factory: pytest.TempPathFactory, ca: trustme.CA) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.mark.parametrize("api", APIS)
async def test_tls_with_a_custom_ca_works(
    tls_node: ServerProcess, ca_file: str, api: type[smclient.Client] | type[smclient.AsyncClient]
) -> None:
    client = api(port=tls_node.port, tls=True, ca_file=ca_file, shared_key=KEY)
    try:
        assert await call(client.put("tls:a", "over TLS")) is True
        assert await call(client.get("tls:a")) == "over TLS"
        pipe = client.pipeline()
        pipe.get("tls:a").regx("^tls:")
        assert await call(pipe.execute()) == ["over TLS", [("tls:a", "over TLS")]]
    finally:
        await call(client.close())


@pytest.mark.parametrize("api", APIS)
async def test_tls_url_with_a_client_certificate_works(
    tls_node: ServerProcess, ca_file: str, ca: trustme.CA, tmp_path: Path,
    api: type[smclient.Client] | type[smclient.AsyncClient],
) -> None:
    client_cert = ca.issue_cert("client@example.test")
    cert_file = tmp_path / "client.pem"
    client_cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
    client = api.from_url(f"supermassives://127.0.0.1:{tls_node.port}", ca_file=ca_file,
                          cert_file=str(cert_file), shared_key=KEY)
    try:
        assert await call(client.ping()) is True
    finally:
        await call(client.close())


@pytest.mark.parametrize("api", APIS)
async def test_unknown_ca_is_a_determinate_connection_error(
    tls_node: ServerProcess, api: type[smclient.Client] | type[smclient.AsyncClient]
) -> None:
    client = api(port=tls_node.port, tls=True, shared_key=KEY, retry=smclient.Retry.never())
    try:
        with pytest.raises(smclient.ConnectionError) as info:
            await call(client.ping())
        assert not info.value.indeterminate
        assert "certificate" in str(info.value).lower()
    finally:
        await call(client.close())


@pytest.mark.parametrize("api", APIS)
async def test_plain_client_to_a_tls_port_fails_cleanly(
    tls_node: ServerProcess, api: type[smclient.Client] | type[smclient.AsyncClient]
) -> None:
    client = api(port=tls_node.port, shared_key=KEY, retry=smclient.Retry.never(),
                 connect_timeout_s=2)
    try:
        with pytest.raises(smclient.ConnectionError):
            await call(client.ping())
    finally:
        await call(client.close())


@pytest.mark.parametrize("api", APIS)
async def test_a_long_pipeline_of_big_values_over_tls(
    tls_node: ServerProcess, ca_file: str, api: type[smclient.Client] | type[smclient.AsyncClient]
) -> None:
    value = "z" * 32 * 1024
    client = api(port=tls_node.port, tls=True, ca_file=ca_file, shared_key=KEY, timeout_s=30)
    try:
        pipe = client.pipeline()
        for i in range(60):
            pipe.put(f"tlsbig:{i}", value).get(f"tlsbig:{i}")
        assert await call(pipe.execute()) == [True, value] * 60
    finally:
        await call(client.close())
