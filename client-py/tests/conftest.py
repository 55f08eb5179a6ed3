"""Fixtures for the SDK tests: real server processes on loopback, both client APIs, and every
async test run on both asyncio and uvloop."""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import smclient
from smclient.testing import ServerProcess, free_port, local_topology, node_config
from smclient.testing.pytest_plugin import sm_fault_proxy, sm_topology

__all__ = ["sm_fault_proxy", "sm_topology"]  # fixtures offered to every test here

SHARED_KEY = "test-key"
HERE = Path(__file__).resolve().parent


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    """Run every async test on the standard loop and on uvloop (when installed)."""
    factories: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
        "asyncio": asyncio.new_event_loop,
    }
    if importlib.util.find_spec("uvloop") is not None:
        import uvloop

        factories["uvloop"] = uvloop.new_event_loop
    return factories


def _drives_only_the_blocking_client(params: Mapping[str, object]) -> bool:
    return any(v == "sync" or v is smclient.Client for v in params.values())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop the uvloop copy of tests that only drive the blocking client: it does not use
    the test's event loop, so the copy would test nothing new."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        if (callspec is not None and item.path.is_relative_to(HERE) and "uvloop" in callspec.id
                and _drives_only_the_blocking_client(callspec.params)):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def require_role(role: str) -> None:
    """Skip the test when the server role is not importable yet."""
    try:
        importlib.import_module(f"supermassive.roles.{role}")
    except ImportError as exc:
        pytest.skip(f"server role {role!r} is not available yet: {exc}")


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One primary node shared by a test module (tests use their own keys)."""
    require_role("node")
    with local_topology(tmp_path_factory.mktemp("node")) as topo:
        yield topo.primaries[0]


@pytest.fixture
def fresh_node(tmp_path: Path) -> Iterator[ServerProcess]:
    """A primary node of this test only (for restarts and other destructive tests)."""
    require_role("node")
    with local_topology(tmp_path) as topo:
        yield topo.primaries[0]


@pytest.fixture(scope="module")
def start_tls_node() -> Iterator[Callable[[Path, Path, Path], ServerProcess]]:
    """A function that starts a node serving TLS with a given certificate and key file
    (every node started is stopped at teardown)."""
    require_role("node")
    started: list[ServerProcess] = []

    def start(directory: Path, cert_file: Path, key_file: Path) -> ServerProcess:
        port = free_port()
        config = node_config(port)
        config["server-config"].update({"use-tls": True, "cert-file": str(cert_file),
                                        "key-file": str(key_file)})
        proc = ServerProcess("node", directory, port, config, shared_key=SHARED_KEY)
        started.append(proc)
        return proc.start()

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture(params=["sync", "async"])
async def db(
    request: pytest.FixtureRequest, node: ServerProcess
) -> AsyncIterator[smclient.Client | smclient.AsyncClient]:
    """A client of either API to the shared node (tests use ``await call(db.method())``)."""
    kwargs: dict[str, Any] = {"port": node.port, "shared_key": SHARED_KEY, "timeout_s": 10}
    if request.param == "sync":
        with smclient.Client(**kwargs) as client:
            yield client
    else:
        async with smclient.AsyncClient(**kwargs) as aclient:
            yield aclient
