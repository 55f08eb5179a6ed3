"""Start a local SuperMassive topology on free loopback ports, for tests and tools.

``local_topology(tmp_path)`` gives a single node; ``local_topology(tmp_path, primaries=2,
replicas=1, cluster=True)`` gives a cluster (``--local``, or with credentials) in front of two
primaries with one replica each. Every process is stopped when the ``with`` block ends, even
when starting failed half-way::

    with local_topology(tmp_path, primaries=2, cluster=True) as topo:
        with topo.client() as db:
            db.put("k", "v")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smclient._async.client import AsyncClient
from smclient._sync.client import Client
from smclient.options import ClientOptions
from smclient.testing.process import (
    ServerProcess,
    cluster_config,
    free_port,
    node_config,
    replica_config,
)
from smclient.url import ConnectionSettings

DEFAULT_SHARED_KEY = "test-key"


@dataclass
class Topology:
    """The processes of a local topology and how to reach its entry point.

    The entry point is the cluster when there is one, else the first primary (reached with
    NAUTH using the shared key).
    """

    directory: Path
    shared_key: str = DEFAULT_SHARED_KEY
    primaries: list[ServerProcess] = field(default_factory=list)
    replicas: list[list[ServerProcess]] = field(default_factory=list)
    cluster: ServerProcess | None = None
    username: str | None = None
    password: str | None = None

    @property
    def entry(self) -> ServerProcess:
        """The process clients talk to."""
        if self.cluster is not None:
            return self.cluster
        return self.primaries[0]

    @property
    def processes(self) -> list[ServerProcess]:
        """Every process, replicas first, the cluster last (the start order)."""
        out = [r for group in self.replicas for r in group]
        out += self.primaries
        if self.cluster is not None:
            out.append(self.cluster)
        return out

    def settings(self, process: ServerProcess | None = None, **changes: Any) -> ConnectionSettings:
        """Connection settings for ``process`` (default: the entry point)."""
        target = process or self.entry
        if target.role == "cluster":
            base = ConnectionSettings(host=target.host, port=target.port,
                                      username=self.username, password=self.password)
        else:
            base = ConnectionSettings(host=target.host, port=target.port,
                                      shared_key=self.shared_key)
        return base.with_options(**changes) if changes else base

    def client(self, process: ServerProcess | None = None, **options: Any) -> Client:
        """A blocking client to ``process`` (default: the entry point)."""
        return Client.from_settings(self.settings(process), ClientOptions(**options))

    def async_client(self, process: ServerProcess | None = None, **options: Any) -> AsyncClient:
        """An asyncio client to ``process`` (default: the entry point)."""
        return AsyncClient.from_settings(self.settings(process), ClientOptions(**options))

    def stop(self) -> None:
        """Stop every process (cluster first)."""
        for proc in reversed(self.processes):
            proc.stop()


def start_topology(
    directory: Path,
    *,
    primaries: int = 1,
    replicas: int = 0,
    cluster: bool = False,
    local: bool = True,
    username: str | None = None,
    password: str | None = None,
    shared_key: str = DEFAULT_SHARED_KEY,
    journal_sync: str = "everysec",
) -> Topology:
    """Start ``primaries`` primaries with ``replicas`` replicas each and, with ``cluster``,
    a cluster in front (``--local`` unless ``local`` is false, then ``username``/``password``
    are passed through the environment, never on the command line)."""
    if primaries < 1 or replicas < 0:
        raise ValueError("need at least one primary and a non-negative replica count")
    if cluster and not local and not (username and password):
        raise ValueError("a non-local cluster needs username and password")
    topo = Topology(directory, shared_key, username=username, password=password)
    try:
        for i in range(primaries):
            group = []
            for j in range(replicas):
                port = free_port()
                proc = ServerProcess("node-replica", directory / f"replica-{i}-{j}", port,
                                     replica_config(port, journal_sync=journal_sync),
                                     shared_key=shared_key)
                group.append(proc.start())
            topo.replicas.append(group)
            port = free_port()
            proc = ServerProcess(
                "node", directory / f"primary-{i}", port,
                node_config(port, replicas=[r.address for r in group], journal_sync=journal_sync),
                shared_key=shared_key,
            )
            topo.primaries.append(proc.start())
        if cluster:
            topo.cluster = _start_cluster(topo, local)
    except BaseException:
        topo.stop()
        raise
    return topo


def _start_cluster(topo: Topology, local: bool) -> ServerProcess:
    port = free_port()
    shards = [(p.address, [r.address for r in group])
              for p, group in zip(topo.primaries, topo.replicas, strict=True)]
    proc = ServerProcess("cluster", topo.directory / "cluster", port, cluster_config(port, shards),
                         shared_key=topo.shared_key)
    if local:
        proc.extra_args.append("--local")
    else:
        assert topo.username is not None and topo.password is not None
        proc.env.update(SUPERMASSIVE_USERNAME=topo.username, SUPERMASSIVE_PASSWORD=topo.password)
    return proc.start()


@contextmanager
def local_topology(directory: Path, **kwargs: Any) -> Iterator[Topology]:
    """``with local_topology(tmp_path, ...) as topo:`` start (see :func:`start_topology`),
    then always stop every process."""
    topo = start_topology(directory, **kwargs)
    try:
        yield topo
    finally:
        topo.stop()
