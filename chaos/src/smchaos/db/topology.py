"""The local topology: one cluster, N primaries with one replica each, on loopback.

Two network modes:

* ``proxy`` (works anywhere): everything on loopback, every internal link through its own
  :class:`smclient.testing.FaultProxy`: the cluster's ``node-configs`` point at proxies in
  front of the primaries and replicas, and each primary's ``read-replicas`` point at a proxy in
  front of its replica; a partition holds both directions of the proxies between two members
  (:meth:`~smclient.testing.FaultProxy.hold`: connections stay open, bytes wait, new
  connections get no answer until the heal).
* ``netns`` (root with ``ip netns``): every process in its own network namespace on a bridge
  (:class:`~smchaos.db.netns.NetnsNetwork`), configs name the members' own addresses, and a
  partition is iptables rules inside the namespaces.

Clients talk to the cluster directly (started with ``--local``: no client authentication).
Processes are real ``supermassive`` processes started by :mod:`smclient.testing.process`, each
in its own directory under the run's ``db/`` folder.

With ``faketime`` every process runs under libfaketime, reading its clock offset from a file
that the clock nemesis rewrites (``FAKETIME_TIMESTAMP_FILE``; the monotonic clock is left
alone so timers keep working).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smchaos.db.netns import NetnsNetwork
from smclient.testing import (
    FaultProxy,
    ServerProcess,
    client_block,
    free_port,
    node_config,
    replica_config,
)

LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")


def faketime_available() -> str | None:
    """``None`` when libfaketime can be used, else the reason it cannot."""
    if not LIBFAKETIME.exists():
        return f"libfaketime not found at {LIBFAKETIME} (apt package libfaketime)"
    return None


@dataclass
class NetnsServerProcess(ServerProcess):
    """A server process started inside a network namespace (``ip netns exec``)."""

    netns: str = ""

    def command(self) -> list[str]:
        """``ip netns exec <ns>`` followed by the usual command line."""
        return ["ip", "netns", "exec", self.netns, *super().command()]


@dataclass
class Member:
    """One server process of the topology."""

    name: str
    role: str
    shard: int | None
    process: ServerProcess
    clock_file: Path | None = None

    @property
    def address(self) -> str:
        """Its real listen address (not the proxy's)."""
        return self.process.address


@dataclass
class Link:
    """One directed internal link and the proxy on it."""

    source: str
    target: str
    proxy: FaultProxy

    @property
    def name(self) -> str:
        """``source->target``."""
        return f"{self.source}->{self.target}"


@dataclass
class TopologySpec:
    """The shape and settings of the local topology."""

    primaries: int = 3
    shared_key: str = "chaos-shared-key"
    journal_sync: str = "always"
    health_check_interval_s: float = 0.5
    link_timeout_s: float = 1.0
    faketime: bool = False
    network: str = "proxy"


@dataclass
class LocalTopology:
    """Starts, faults and stops the processes; implements the :class:`~smchaos.db.base.DB`."""

    directory: Path
    spec: TopologySpec = field(default_factory=TopologySpec)
    members: dict[str, Member] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)
    netns: NetnsNetwork | None = None

    @property
    def client_address(self) -> tuple[str, int]:
        """The cluster's address."""
        proc = self.members["cluster"].process
        return proc.host, proc.port

    def primaries(self) -> list[Member]:
        """The primaries, by shard."""
        return [m for m in self.members.values() if m.role == "node"]

    def replicas(self) -> list[Member]:
        """The replicas, by shard."""
        return [m for m in self.members.values() if m.role == "node-replica"]

    def _env(self, directory: Path) -> tuple[dict[str, str], Path | None]:
        if not self.spec.faketime:
            return {}, None
        clock = directory / "clock-offset"
        directory.mkdir(parents=True, exist_ok=True)
        clock.write_text("+0\n")
        return {
            "LD_PRELOAD": str(LIBFAKETIME), "FAKETIME_TIMESTAMP_FILE": str(clock),
            "FAKETIME_CACHE_DURATION": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        }, clock

    def _host(self, name: str) -> str:
        return self.netns.addresses[name] if self.netns is not None else "127.0.0.1"

    def _add(self, name: str, role: str, shard: int | None, config: dict[str, Any],
             port: int, args: list[str] | None = None) -> None:
        directory = self.directory / name
        env, clock = self._env(directory)
        proc: ServerProcess
        if self.netns is not None:
            proc = NetnsServerProcess(role, directory, port, config,
                                      shared_key=self.spec.shared_key, extra_args=args or [],
                                      env=env, host=self._host(name),
                                      netns=self.netns.namespaces[name])
        else:
            proc = ServerProcess(role, directory, port, config, shared_key=self.spec.shared_key,
                                 extra_args=args or [], env=env)
        self.members[name] = Member(name, role, shard, proc, clock)

    def _link(self, source: str, target: str, target_port: int) -> str:
        if self.netns is not None:
            return f"{self._host(target)}:{target_port}"
        proxy = FaultProxy("127.0.0.1", target_port, listen_port=free_port(),
                           name=f"{source}->{target}")
        link = Link(source, target, proxy)
        self.links[link.name] = link
        return proxy.address

    def _block(self, address: str) -> dict[str, Any]:
        t = self.spec.link_timeout_s
        return client_block(address, **{"connect-timeout": t, "read-timeout": t,
                                        "write-timeout": t, "retry-wait-time": 0.2})

    def plan(self) -> None:
        """Allocate ports, proxies or namespaces, and configs (no process is started)."""
        if self.spec.network == "netns":
            self.netns = NetnsNetwork()
            names = [f"{r}-{i}" for i in range(self.spec.primaries) for r in ("primary", "replica")]
            self.netns.plan([*names, "cluster"])
        shards: list[dict[str, Any]] = []
        sync = self.spec.journal_sync
        for i in range(self.spec.primaries):
            p_name, r_name = f"primary-{i}", f"replica-{i}"
            r_port, p_port = free_port(), free_port()
            r_cfg = replica_config(r_port, journal_sync=sync, host=self._host(r_name))
            self._add(r_name, "node-replica", i, r_cfg, r_port)
            repl = self._link(p_name, r_name, r_port)
            cfg = node_config(p_port, journal_sync=sync, host=self._host(p_name))
            cfg["read-replicas"] = [self._block(repl)]
            cfg["health-check-interval"] = self.spec.health_check_interval_s
            self._add(p_name, "node", i, cfg, p_port)
            shards.append({"node": self._block(self._link("cluster", p_name, p_port)),
                           "replicas": [self._block(self._link("cluster", r_name, r_port))]})
        c_port = free_port()
        cluster_cfg: dict[str, Any] = {
            "health-check-interval": self.spec.health_check_interval_s,
            "server-config": {"address": f"{self._host('cluster')}:{c_port}"},
            "node-configs": shards,
        }
        self._add("cluster", "cluster", None, cluster_cfg, c_port, ["--local"])

    async def setup(self) -> None:
        """Start the proxies, then replicas, primaries and the cluster."""
        if not self.members:
            self.plan()
        if self.netns is not None:
            await self.netns.setup()
        for link in self.links.values():
            await asyncio.to_thread(link.proxy.start)
        for group in (self.replicas(), self.primaries(), [self.members["cluster"]]):
            await asyncio.gather(*(asyncio.to_thread(m.process.start) for m in group))

    async def teardown(self) -> None:
        """Heal every link, stop every process (SIGTERM, then SIGKILL) and every proxy."""
        for link in self.links.values():
            with contextlib.suppress(Exception):
                await asyncio.to_thread(link.proxy.heal)
        for member in reversed(list(self.members.values())):
            with contextlib.suppress(Exception):
                await asyncio.to_thread(member.process.stop, 5.0)
        for link in self.links.values():
            with contextlib.suppress(Exception):
                await asyncio.to_thread(link.proxy.stop)
        if self.netns is not None:
            await self.netns.teardown()

    def log_files(self) -> dict[str, Path]:
        """Each member's ``server.log``."""
        return {name: m.process.log_path for name, m in self.members.items()}

    def copy_logs(self, target: Path) -> None:
        """Copy every member's log to ``target/<member>.log``."""
        target.mkdir(parents=True, exist_ok=True)
        for name, path in self.log_files().items():
            if path.exists():
                shutil.copyfile(path, target / f"{name}.log")

    # Faults used by the nemeses -------------------------------------------------------

    async def kill(self, name: str) -> None:
        """SIGKILL a member."""
        await asyncio.to_thread(self.members[name].process.kill)

    async def restart(self, name: str) -> None:
        """Start a killed member again on the same port and directory."""
        proc = self.members[name].process
        if proc.running:
            return
        await asyncio.to_thread(proc.start, True, 30.0)

    def pause(self, name: str) -> None:
        """SIGSTOP a member."""
        self.members[name].process.pause()

    def resume(self, name: str) -> None:
        """SIGCONT a member."""
        self.members[name].process.resume()

    def set_clock_offset(self, name: str, offset_s: float) -> None:
        """Skew a member's wall clock by ``offset_s`` (needs ``faketime``)."""
        clock = self.members[name].clock_file
        if clock is None:
            raise RuntimeError("the topology was started without faketime")
        tmp = clock.with_suffix(".tmp")
        tmp.write_text(f"{offset_s:+.3f}s\n" if offset_s else "+0\n")
        os.replace(tmp, clock)

    async def cut(self, pairs: list[tuple[str, str]]) -> list[str]:
        """Partition each pair of members; return what was cut, for the history."""
        done: list[str] = []
        for a, b in pairs:
            if self.netns is not None:
                await self.netns.cut(a, b)
                done.append(f"{a}<->{b}")
                continue
            for link in self.links.values():
                if {link.source, link.target} == {a, b}:
                    await asyncio.to_thread(link.proxy.hold, to_server=True, to_client=True)
                    done.append(link.name)
        return done

    async def heal_network(self) -> None:
        """Undo every partition."""
        if self.netns is not None:
            await self.netns.heal()
        for link in self.links.values():
            await asyncio.to_thread(link.proxy.hold, to_server=False, to_client=False)
