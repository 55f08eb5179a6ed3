"""Helpers for the cluster tests: real processes on loopback, and a tiny native client.

A :class:`Topology` is N primaries with their replicas and one cluster, every process started
by :mod:`smclient.testing.process` in its own directory, always torn down. Links use short
timeouts and a short health interval so fault tests stay fast.
"""

from __future__ import annotations

import asyncio
import base64
import os
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smclient.protocol import ReplyReader
from smclient.testing.process import (
    ServerProcess,
    cluster_config,
    free_port,
    node_config,
    replica_config,
)

SHARED_KEY = "test-key"
USER, PASSWORD = "test-user", "test-pass"
HEALTH_INTERVAL_S = 0.3
LINK = {"connect-timeout": 2, "read-timeout": 3, "write-timeout": 3, "max-retries": 1,
        "retry-wait-time": 0.2, "pool-size": 2}
"""Member link settings: generous timeouts (a loaded CI machine must not see false faults);
fault tests that need short ones override them."""
LOOP = os.environ.get("SM_TEST_LOOP", "")
"""Event loop of the server processes: ``uvloop``, ``asyncio`` or ``""`` for the default."""


class Client:
    """A native-protocol connection: send lines, read replies (pipelining allowed)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self._replies = ReplyReader()

    @classmethod
    async def open(
        cls, port: int, *, auth: bool = True, ssl_ctx: ssl.SSLContext | None = None,
        host: str = "127.0.0.1",
    ) -> Client:
        """Connect (and AUTH as the test user unless ``auth`` is false)."""
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=ssl_ctx,
                                    server_hostname=host if ssl_ctx else None), 10)
        client = cls(reader, writer)
        if auth:
            token = base64.b64encode(f"{USER}\0{PASSWORD}".encode()).decode()
            assert await client.cmd(f"AUTH {token}") == b"OK authenticated"
        return client

    async def _next(self, multi: bool, timeout_s: float) -> bytes | list[bytes]:
        async with asyncio.timeout(timeout_s):
            while True:
                reply = self._replies.pop(multi)
                if reply is not None:
                    return reply
                data = await self.reader.read(65536)
                if not data:
                    raise ConnectionError("connection closed by the server")
                self._replies.feed(data)

    async def cmd(self, line: str | bytes, timeout_s: float = 10.0) -> bytes:
        """Send one single-line command and return its reply line."""
        raw = line.encode() if isinstance(line, str) else line
        self.writer.write(raw + b"\r\n")
        reply = await self._next(False, timeout_s)
        assert isinstance(reply, bytes)
        return reply

    async def multi(self, line: str | bytes, timeout_s: float = 10.0) -> list[bytes]:
        """Send a multi-line command (REGX, STAT) and return header + lines."""
        raw = line.encode() if isinstance(line, str) else line
        self.writer.write(raw + b"\r\n")
        reply = await self._next(True, timeout_s)
        return reply if isinstance(reply, list) else [reply]

    async def pipeline(self, lines: list[bytes], timeout_s: float = 20.0) -> list[bytes]:
        """Send every line at once, then read one single-line reply per line."""
        self.writer.write(b"".join(line + b"\r\n" for line in lines))
        out = []
        for _ in lines:
            reply = await self._next(False, timeout_s)
            assert isinstance(reply, bytes)
            out.append(reply)
        return out

    async def close(self) -> None:
        """Close the connection."""
        self.writer.close()
        try:
            await asyncio.wait_for(self.writer.wait_closed(), 5)
        except (OSError, TimeoutError):
            pass


async def node_client(proc: ServerProcess, ssl_ctx: ssl.SSLContext | None = None) -> Client:
    """A connection straight to a node or replica, NAUTH'd with the shared key."""
    import hashlib

    client = await Client.open(proc.port, auth=False, ssl_ctx=ssl_ctx)
    digest = hashlib.sha256(SHARED_KEY.encode()).hexdigest()
    assert await client.cmd(f"NAUTH {digest}") == b"OK authenticated"
    return client


@dataclass
class Topology:
    """Primaries with replicas, and a cluster routing to them."""

    base: Path
    primaries: list[ServerProcess] = field(default_factory=list)
    replicas: list[list[ServerProcess]] = field(default_factory=list)
    cluster: ServerProcess | None = None
    extra: list[ServerProcess] = field(default_factory=list)
    """Processes to stop at the end too (added or removed by a test)."""

    @property
    def port(self) -> int:
        """The cluster's port."""
        assert self.cluster is not None
        return self.cluster.port

    def processes(self) -> list[ServerProcess]:
        """Every process (cluster first)."""
        out = [self.cluster] if self.cluster is not None else []
        out += self.primaries
        for reps in self.replicas:
            out += reps
        return out + [p for p in self.extra if p not in out]

    def stop(self) -> None:
        """SIGTERM everything (SIGKILL what does not stop)."""
        for proc in self.processes():
            proc.stop(timeout_s=5)

    async def client(self, auth: bool = True, ssl_ctx: ssl.SSLContext | None = None) -> Client:
        """A client connection to the cluster."""
        return await Client.open(self.port, auth=auth, ssl_ctx=ssl_ctx)

    def cluster_config(self, link: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        """The ``.cluster`` for the current primaries and replicas."""
        overrides = {**LINK, **(link or {})}
        cfg = cluster_config(
            self.port if self.cluster else 0,
            [(p.address, [r.address for r in reps])
             for p, reps in zip(self.primaries, self.replicas, strict=True)],
            health_check_interval=HEALTH_INTERVAL_S, **extra,
        )
        for shard in cfg["node-configs"]:
            shard["node"].update(overrides)
            for rep in shard["replicas"]:
                rep.update(overrides)
        return cfg


def _env(loop: str = "") -> dict[str, str]:
    loop = loop or LOOP
    return {"SUPERMASSIVE_LOOP": loop} if loop else {}


def new_shard(
    topo: Topology, index: int, replicas: int = 1, *, link: dict[str, Any] | None = None,
    server_tls: dict[str, Any] | None = None, node_extra: dict[str, Any] | None = None,
    replica_extra: dict[str, Any] | None = None, loop: str = "",
) -> tuple[ServerProcess, list[ServerProcess]]:
    """Create (not start) primary ``index`` and its replicas; ``link`` also applies to the
    primary's links to its replicas, ``server_tls`` to every listener."""
    reps = []
    for j in range(replicas):
        port = free_port()
        cfg = replica_config(port, **(replica_extra or {}))
        cfg["server-config"].update(server_tls or {})
        reps.append(ServerProcess("node-replica", topo.base / f"r{index}-{j}", port, cfg,
                                  env=_env(loop)))
    port = free_port()
    extra = dict(node_extra or {})
    node_cfg = node_config(port, replicas=[r.address for r in reps])
    node_cfg["health-check-interval"] = 0.3
    node_cfg["server-config"].update({**(server_tls or {}), **extra.pop("server-config", {})})
    node_cfg.update(extra)
    for rep in node_cfg["read-replicas"]:
        rep.update({**LINK, **(link or {})})
    primary = ServerProcess("node", topo.base / f"p{index}", port, node_cfg, env=_env(loop))
    topo.extra += [primary, *reps]
    return primary, reps


def start_all(procs: list[ServerProcess]) -> None:
    """Start processes in parallel and wait until each listens."""
    for proc in procs:
        proc.start(wait=False)
    for proc in procs:
        try:
            proc.wait_ready(20)
        except TimeoutError:
            raise TimeoutError(f"{proc.role} did not start:\n{proc.log_tail()}") from None


def start_topology(
    base: Path, primaries: int = 2, replicas: int = 1, *, local: bool = False,
    cluster_extra: dict[str, Any] | None = None, link: dict[str, Any] | None = None,
    node_extra: dict[str, Any] | None = None, replica_extra: dict[str, Any] | None = None,
    server_tls: dict[str, Any] | None = None, cluster_tls: bool = True, loop: str = "",
    cluster_server: dict[str, Any] | None = None,
) -> Topology:
    """Start ``primaries`` primaries with ``replicas`` replicas each, then the cluster.

    ``link`` overrides every link block (cluster -> members, primary -> replicas);
    ``server_tls`` (``use-tls``, ``cert-file``, ``key-file``) every listener, the cluster's
    too unless ``cluster_tls`` is false. ``loop`` picks the processes' event loop;
    ``cluster_server`` adds keys to the cluster's ``server-config``.
    """
    topo = Topology(base)
    for i in range(primaries):
        primary, reps = new_shard(topo, i, replicas, link=link, server_tls=server_tls,
                                  node_extra=node_extra, replica_extra=replica_extra, loop=loop)
        topo.primaries.append(primary)
        topo.replicas.append(reps)
    try:
        start_all([r for reps in topo.replicas for r in reps] + topo.primaries)
        port = free_port()
        args = ["--local"] if local else ["--username", USER, "--password", PASSWORD]
        topo.cluster = ServerProcess("cluster", base / "cluster", port, {}, extra_args=args,
                                     env=_env(loop))
        cfg = topo.cluster_config(link, **(cluster_extra or {}))
        if cluster_tls:
            cfg["server-config"].update(server_tls or {})
        cfg["server-config"].update(cluster_server or {})
        topo.cluster.config = cfg
        topo.cluster.start()
    except BaseException:
        topo.stop()
        raise
    return topo


async def wait_until(
    check: Callable[[], Awaitable[bool]], timeout_s: float = 10.0, what: str = "condition"
) -> None:
    """Poll ``check`` every 50 ms until it is true; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def member_status(client: Client, address: str) -> str:
    """``up`` / ``down`` for a member, from the cluster's STAT."""
    lines = await client.multi("STAT")
    for i, line in enumerate(lines):
        if line.endswith(b" " + address.encode()) and not line.startswith(b"\t"):
            for follow in lines[i + 1:]:
                if not follow.startswith(b"\t"):
                    break
                if follow.startswith(b"\tstatus "):
                    return follow.split(b" ", 1)[1].decode()
    return "?"
