"""The settings of one smbench invocation, as a frozen (picklable) record."""

from __future__ import annotations

import dataclasses
import ssl
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """A server to benchmark."""

    host: str
    port: int

    @property
    def label(self) -> str:
        """``host:port``."""
        return f"{self.host}:{self.port}"

    @classmethod
    def parse(cls, text: str) -> Target:
        """Read ``host:port`` (``[v6]:port`` too). Raises ``ValueError``."""
        host, sep, port = text.rpartition(":")
        if not sep or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{text!r} is not host:port")
        return cls(host.strip("[]") or "127.0.0.1", int(port))


@dataclass(frozen=True)
class BenchOptions:
    """Everything a run needs; the worker processes receive it whole."""

    target: Target
    protocol: str = "native"
    workload: str = "mix"
    connections: int = 50
    processes: int = 1
    duration_s: float = 10.0
    pipeline: int = 1
    keyspace: int = 10_000
    value_size: int | None = None
    tls: bool = False
    cacert: str | None = None
    user: str | None = None
    password: str | None = None
    shared_key: str | None = None
    local: bool = False
    seed: int = 1
    compare: Target | None = None
    rounds: int = 3
    json_path: str | None = None
    progress: bool = False
    connect_timeout_s: float = 10.0
    compare_local: bool = False
    compare_shared_key: str | None = None

    def for_compare(self) -> BenchOptions:
        """The options for the ``--compare`` target: its own login when one was given."""
        if self.compare_local:
            return dataclasses.replace(self, local=True, shared_key=None, user=None)
        if self.compare_shared_key is not None:
            return dataclasses.replace(self, local=False, shared_key=self.compare_shared_key,
                                       user=None)
        return self

    def tls_context(self) -> ssl.SSLContext | None:
        """The client TLS context (verifying against ``cacert`` or the system roots)."""
        if not self.tls:
            return None
        return ssl.create_default_context(cafile=self.cacert)

    def describe(self) -> dict[str, object]:
        """The options worth recording with the results (no secrets)."""
        return {
            "target": self.target.label,
            "compare": self.compare.label if self.compare else None,
            "protocol": self.protocol, "workload": self.workload,
            "connections": self.connections, "processes": self.processes,
            "duration_s": self.duration_s, "pipeline": self.pipeline,
            "keyspace": self.keyspace, "value_size": self.value_size, "tls": self.tls,
            "auth": ("password" if self.password is not None else
                     "shared-key" if self.shared_key is not None else "none"),
            "rounds": self.rounds if self.compare else 1, "seed": self.seed,
        }
