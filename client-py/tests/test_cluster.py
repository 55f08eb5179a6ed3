"""Through the cluster role: AUTH with a username and password, and --local mode.

Skipped (with the reason) while ``supermassive.roles.cluster`` is not importable.
"""

from __future__ import annotations

import importlib
import inspect
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import smclient
from smclient.testing import Topology, local_topology

USER, PASSWORD = "app", "s3cret pass"
APIS = [smclient.Client, smclient.AsyncClient]


async def call(value: Any) -> Any:
    """Await ``value`` if awaitable: one test body drives both client APIs."""
    return await value if inspect.isawaitable(value) else value


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    try:
        importlib.import_module("supermassive.roles.cluster")
    except ImportError as exc:
        pytest.skip(f"the cluster role is not available yet: {exc}")
    directory: Path = tmp_path_factory.mktemp("cluster")
    with local_topology(directory, primaries=2, cluster=True, local=False, username=USER,
                        password=PASSWORD) as topo:
        yield topo


@pytest.mark.parametrize("api", APIS)
async def test_url_with_credentials_authenticates(
    cluster: Topology, api: type[smclient.Client] | type[smclient.AsyncClient]
) -> None:
    entry = cluster.entry
    client = api.from_url(f"supermassive://{USER}:s3cret%20pass@127.0.0.1:{entry.port}")
    try:
        assert await call(client.put("cl:a", "1")) is True
        assert await call(client.get("cl:a")) == "1"
        assert await call(client.incr("cl:a", 2)) == 3
        assert await call(client.delete("cl:a")) is True
        assert await call(client.get("cl:a")) is None
        stat = await call(client.stat())
        assert stat.sections[0].kind == "CLUSTER"
        assert [s.kind for s in stat.sections].count("PRIMARY") == 2
    finally:
        await call(client.close())


@pytest.mark.parametrize("api", APIS)
async def test_wrong_password_raises_invalid_credentials(
    cluster: Topology, api: type[smclient.Client] | type[smclient.AsyncClient]
) -> None:
    client = api(port=cluster.entry.port, username=USER, password="wrong")
    try:
        with pytest.raises(smclient.InvalidCredentialsError):
            await call(client.get("cl:a"))
    finally:
        await call(client.close())


@pytest.mark.parametrize("api", APIS)
async def test_without_credentials_commands_need_auth(
    cluster: Topology, api: type[smclient.Client] | type[smclient.AsyncClient]
) -> None:
    client = api(port=cluster.entry.port)
    try:
        assert await call(client.ping()) is True
        with pytest.raises(smclient.NotAuthenticatedError):
            await call(client.get("cl:a"))
    finally:
        await call(client.close())


def test_regx_pages_across_shards(cluster: Topology) -> None:
    with cluster.client() as db:
        pipe = db.pipeline()
        for i in range(10):
            pipe.put(f"page:{i}", str(i))
        pipe.execute()
        assert [k for k, _ in db.regx("^page:", 3, 4)] == [f"page:{i}" for i in range(3, 7)]


@pytest.fixture
def small_cluster(tmp_path: Path) -> Iterator[Topology]:
    """A --local cluster in front of one primary, for this test only."""
    try:
        importlib.import_module("supermassive.roles.cluster")
    except ImportError as exc:
        pytest.skip(f"the cluster role is not available yet: {exc}")
    with local_topology(tmp_path, primaries=1, cluster=True) as topo:
        yield topo


@pytest.mark.parametrize("api", ["sync", "async"])
async def test_no_primary_and_unavailable_are_retried_until_the_primary_returns(
    small_cluster: Topology, api: str
) -> None:
    primary = small_cluster.primaries[0]
    retry = smclient.Retry(smclient.ConstantBackoff(0.05), retries=400, total_s=30)
    with small_cluster.client() as setup:
        setup.put("cl:n", 10)
    primary.kill()
    timer = threading.Timer(0.3, primary.start)
    timer.start()
    try:
        if api == "sync":
            with small_cluster.client(retry=retry) as db:
                assert db.incr("cl:n") == 11
                assert db.put("cl:w", "w") is True
        else:
            async with small_cluster.async_client(retry=retry) as adb:
                assert await adb.incr("cl:n") == 11
                assert await adb.put("cl:w", "w") is True
    finally:
        timer.join()


def test_no_primary_raises_once_the_retries_are_spent(small_cluster: Topology) -> None:
    small_cluster.primaries[0].kill()
    retry = smclient.Retry(smclient.NoBackoff(), retries=2)
    with small_cluster.client(retry=retry) as db:
        with pytest.raises(smclient.NoPrimaryError) as info:
            db.put("cl:x", "x")
        assert info.value.retryable and not info.value.indeterminate
        with pytest.raises(smclient.UnavailableError):
            db.get("cl:x")
