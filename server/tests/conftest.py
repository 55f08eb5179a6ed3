"""Fixtures that start real server processes on loopback ports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from smclient.testing import RawClient, ServerProcess, free_port, node_config, replica_config

LOOPS = ["uvloop", "asyncio"]


class Processes:
    """Starts processes and always stops them at teardown."""

    def __init__(self, base: Path, loop: str = "uvloop") -> None:
        self.base = base
        self.loop = loop
        self.started: list[ServerProcess] = []

    def node(self, name: str = "node", *, replicas: list[str] | None = None,
             wait: bool = True, **cfg: Any) -> ServerProcess:
        """Start a primary in ``base/name``."""
        port = free_port()
        server = cfg.pop("server-config", {})
        config = node_config(port, replicas=replicas, **cfg)
        config["server-config"].update(server)
        proc = ServerProcess("node", self.base / name, port, config,
                             env={"SUPERMASSIVE_LOOP": self.loop})
        self.started.append(proc)
        return proc.start(wait=wait)

    def replica(self, name: str = "replica", port: int | None = None, **cfg: Any) -> ServerProcess:
        """Start a replica in ``base/name``."""
        port = port or free_port()
        server = cfg.pop("server-config", {})
        config = replica_config(port, **cfg)
        config["server-config"].update(server)
        proc = ServerProcess("node-replica", self.base / name, port, config,
                             env={"SUPERMASSIVE_LOOP": self.loop})
        self.started.append(proc)
        return proc.start()

    def stop_all(self) -> None:
        """Kill everything that still runs."""
        for proc in self.started:
            proc.resume()
            proc.kill()


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Processes]:
    """A process starter bound to this test's temporary directory."""
    p = Processes(tmp_path)
    yield p
    p.stop_all()


@pytest.fixture(params=LOOPS)
def loop_procs(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Processes]:
    """Like ``procs`` but parametrized over uvloop and plain asyncio in the server."""
    p = Processes(tmp_path, request.param)
    yield p
    p.stop_all()


@pytest.fixture
def connect() -> Iterator[Callable[..., RawClient]]:
    """Open raw clients (closed at teardown); ``connect(proc, auth=True)``."""
    clients: list[RawClient] = []

    def _connect(proc: ServerProcess, auth: bool = True, **kw: Any) -> RawClient:
        client = RawClient(proc.host, proc.port, **kw)
        clients.append(client)
        if auth:
            assert client.nauth(proc.shared_key) == "OK authenticated"
        return client

    yield _connect
    for c in clients:
        c.close()


@pytest.fixture(scope="module")
def module_procs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Processes]:
    """A process starter shared by one test module (for hypothesis tests)."""
    p = Processes(tmp_path_factory.mktemp("procs"))
    yield p
    p.stop_all()
