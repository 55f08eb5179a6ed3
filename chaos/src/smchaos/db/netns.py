"""Network namespaces: every process in its own namespace, all on one bridge.

Used when the harness runs as root and ``ip netns`` works. Each member gets a namespace
``smc<tag>-<member>`` with a veth pair whose host end sits on a bridge ``smcb<tag>``; the
bridge carries an address too, so the harness (in the root namespace) reaches every member
directly. A partition between two members is a pair of ``iptables -A INPUT -s <peer> -j DROP``
rules, one in each namespace (packets leave and vanish, as on a real network); healing flushes
the ``INPUT`` chains. Everything is removed at teardown.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import subprocess
from dataclasses import dataclass, field


def netns_unavailable() -> str | None:
    """``None`` when namespaces can be used here, else why not."""
    if os.geteuid() != 0:
        return "not running as root"
    for tool in ("ip", "iptables"):
        if shutil.which(tool) is None:
            return f"{tool} not found"
    probe = f"smcprobe{os.getpid() % 100000}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, check=False)
    if made.returncode != 0:
        return f"ip netns add failed: {made.stderr.decode(errors='replace').strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, check=False)
    return None


async def _run(*argv: str, check: bool = True) -> None:
    def call() -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(list(argv), capture_output=True, check=False, timeout=30)
    done = await asyncio.to_thread(call)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {done.stderr.decode(errors='replace').strip()}")


_runs = itertools.count()


def _fresh_tag() -> str:
    """A tag for one run's interface names: unique among the runs of this process, and
    unlikely to meet another process's (a namespace the kernel keeps alive for a while after
    a run can leave its veth end behind, so a per-process tag could collide with it)."""
    return str((os.getpid() * 7919 + next(_runs) * 104729) % 100000)


@dataclass
class NetnsNetwork:
    """The bridge, the namespaces and the partition rules of one run."""

    tag: str = field(default_factory=lambda: _fresh_tag())
    namespaces: dict[str, str] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)
    cut_pairs: set[tuple[str, str]] = field(default_factory=set)
    _up: bool = False

    @property
    def bridge(self) -> str:
        """The bridge interface name (at most 15 characters)."""
        return f"smcb{self.tag}"

    @property
    def prefix(self) -> str:
        """The /24 of this run: ``10.<a>.<b>``, derived from the tag."""
        n = int(self.tag)
        return f"10.{100 + n % 150}.{(n // 150) % 250}"

    @property
    def host_address(self) -> str:
        """The root namespace's address on the bridge."""
        return f"{self.prefix}.1"

    def plan(self, members: list[str]) -> None:
        """Name a namespace and an address for each member."""
        for i, name in enumerate(members):
            self.namespaces[name] = f"smc{self.tag}-{name}"
            self.addresses[name] = f"{self.prefix}.{10 + i}"

    async def setup(self) -> None:
        """Create the bridge, the namespaces and their veth links."""
        self._up = True
        await _run("ip", "link", "add", self.bridge, "type", "bridge")
        await _run("ip", "addr", "add", f"{self.host_address}/24", "dev", self.bridge)
        await _run("ip", "link", "set", self.bridge, "up")
        for i, (name, ns) in enumerate(self.namespaces.items()):
            host_end, ns_end = f"smh{self.tag}x{i}", f"smn{self.tag}x{i}"
            await _run("ip", "netns", "add", ns)
            await _run("ip", "link", "add", host_end, "type", "veth", "peer", "name", ns_end)
            await _run("ip", "link", "set", host_end, "master", self.bridge, "up")
            await _run("ip", "link", "set", ns_end, "netns", ns)
            await _run("ip", "-n", ns, "addr", "add", f"{self.addresses[name]}/24", "dev", ns_end)
            await _run("ip", "-n", ns, "link", "set", ns_end, "up")
            await _run("ip", "-n", ns, "link", "set", "lo", "up")

    async def cut(self, a: str, b: str) -> None:
        """Drop every packet between members ``a`` and ``b``, both ways."""
        if (a, b) in self.cut_pairs or (b, a) in self.cut_pairs:
            return
        self.cut_pairs.add((a, b))
        for here, peer in ((a, b), (b, a)):
            await _run("ip", "netns", "exec", self.namespaces[here], "iptables", "-A", "INPUT",
                       "-s", self.addresses[peer], "-j", "DROP")

    async def heal(self) -> None:
        """Remove every partition rule."""
        touched = {m for pair in self.cut_pairs for m in pair}
        self.cut_pairs.clear()
        for name in touched:
            await _run("ip", "netns", "exec", self.namespaces[name], "iptables", "-F", "INPUT",
                       check=False)

    async def teardown(self) -> None:
        """Delete the namespaces, their veth links and the bridge."""
        if not self._up:
            return
        for i, ns in enumerate(self.namespaces.values()):
            await _run("ip", "netns", "del", ns, check=False)
            # Normally gone with its namespace; not while the kernel keeps that alive.
            await _run("ip", "link", "del", f"smh{self.tag}x{i}", check=False)
        await _run("ip", "link", "del", self.bridge, check=False)
        self._up = False
