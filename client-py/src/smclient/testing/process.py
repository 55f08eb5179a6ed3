"""Start and control real ``supermassive`` server processes for tests and tools.

Every process runs in its own working directory with its own config file (written as JSON,
which is valid YAML), listens on a free loopback port, and logs to ``<dir>/server.log``.
Faults are real: :meth:`ServerProcess.kill` is SIGKILL, :meth:`ServerProcess.pause` SIGSTOP.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_NAMES = {"cluster": ".cluster", "node": ".node", "node-replica": ".nodereplica"}


PORT_RANGE_START = 20000
"""Test ports come from 20000-31999: below the ephemeral ranges of Linux (32768-60999), macOS
and Windows (49152-65535), so no outgoing connection can be using a port between the moment
:func:`free_port` hands it out and the moment a server binds it."""
PORT_BLOCK = 1000
"""Ports per process block: each pytest-xdist worker (and each other process, by pid) cycles
through its own block, so two workers are never handed the same port."""
_PORT_BLOCKS = 12
_next_port: int | None = None


def _block_start() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    index = int(worker[2:]) if worker[:2] == "gw" and worker[2:].isdigit() else os.getpid()
    return PORT_RANGE_START + (index % _PORT_BLOCKS) * PORT_BLOCK


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on ``host`` right now, from this process's own block of
    ports outside the system's ephemeral range (see :data:`PORT_RANGE_START`); the system's
    choice of a free port if the whole block is taken."""
    global _next_port
    start = _block_start()
    if _next_port is None or not start <= _next_port < start + PORT_BLOCK:
        _next_port = start
    for _ in range(PORT_BLOCK):
        port = _next_port
        _next_port = start + (port + 1 - start) % PORT_BLOCK
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_for_port(host: str, port: int, timeout_s: float = 15.0) -> None:
    """Wait until something accepts TCP connections on ``host:port``."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listening on {host}:{port} after {timeout_s}s")
            time.sleep(0.02)


def client_block(address: str, **overrides: Any) -> dict[str, Any]:
    """A client-link config block (``node-configs[].node``, ``read-replicas[]``)."""
    block: dict[str, Any] = {
        "server-address": address,
        "use-tls": False,
        "ca-cert-file": "",
        "connect-timeout": 2,
        "write-timeout": 2,
        "read-timeout": 2,
        "max-retries": 1,
        "retry-wait-time": 1,
        "buffer-size": 65536,
    }
    block.update(overrides)
    return block


@dataclass
class ServerProcess:
    """One ``supermassive`` process: its role, directory, port and config."""

    role: str
    directory: Path
    port: int
    config: dict[str, Any]
    shared_key: str = "test-key"
    extra_args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        """``host:port`` of the listener."""
        return f"{self.host}:{self.port}"

    @property
    def config_path(self) -> Path:
        """The role's config file."""
        return self.directory / CONFIG_NAMES[self.role]

    @property
    def log_path(self) -> Path:
        """Where the process's stdout and stderr go."""
        return self.directory / "server.log"

    def write_config(self) -> None:
        """(Re)write the config file from :attr:`config`."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(json.dumps(self.config, indent=2))

    def command(self) -> list[str]:
        """The command line that starts this process."""
        return [
            sys.executable, "-m", "supermassive",
            "--instance-type", self.role,
            "--shared-key", self.shared_key,
            "--dir", str(self.directory),
            *self.extra_args,
        ]

    def start(self, wait: bool = True, timeout_s: float = 20.0) -> ServerProcess:
        """Write the config (if missing) and start the process; wait until it listens."""
        if not self.config_path.exists():
            self.write_config()
        env = {**os.environ, **self.env}
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        try:
            self.proc = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, env=env,
                stdin=subprocess.DEVNULL,
            )
        finally:
            log.close()
        if wait:
            try:
                self.wait_ready(timeout_s)
            except TimeoutError:
                self.kill()
                raise TimeoutError(
                    f"{self.role} on {self.address} did not start:\n{self.log_tail()}"
                )
        return self

    def wait_ready(self, timeout_s: float = 20.0) -> None:
        """Wait until the listener accepts connections (fails early if the process exits)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise TimeoutError(f"process exited with {self.proc.returncode}")
            try:
                wait_for_port(self.host, self.port, timeout_s=0.2)
                return
            except TimeoutError:
                continue
        raise TimeoutError(f"not listening after {timeout_s}s")

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the process log."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: int) -> None:
        """Send a signal to the process if it runs."""
        if self.running and self.proc is not None:
            self.proc.send_signal(sig)

    def kill(self) -> None:
        """SIGKILL the process and reap it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def pause(self) -> None:
        """SIGSTOP: the process hangs with its sockets open."""
        self.signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT after :meth:`pause`."""
        self.signal(signal.SIGCONT)

    def stop(self, timeout_s: float = 10.0) -> int | None:
        """SIGTERM and wait; SIGKILL if it does not exit in time. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.resume()
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.proc.returncode

    def restart(self, wait: bool = True) -> ServerProcess:
        """Stop (SIGTERM) if running, then start again on the same port and directory."""
        self.stop()
        return self.start(wait=wait)


def node_config(
    port: int, *, replicas: list[str] | None = None, journal_sync: str = "everysec",
    host: str = "127.0.0.1", **extra: Any,
) -> dict[str, Any]:
    """A ``.node`` config for a primary on ``host:port`` streaming to ``replicas``."""
    cfg: dict[str, Any] = {
        "health-check-interval": 1,
        "max-memory-threshold": 90,
        "journal-sync": journal_sync,
        "server-config": {"address": f"{host}:{port}"},
        "read-replicas": [client_block(r) for r in (replicas or [])],
    }
    cfg.update(extra)
    return cfg


def replica_config(
    port: int, *, journal_sync: str = "everysec", host: str = "127.0.0.1", **extra: Any,
) -> dict[str, Any]:
    """A ``.nodereplica`` config for a replica on ``host:port``."""
    cfg: dict[str, Any] = {
        "max-memory-threshold": 90,
        "journal-sync": journal_sync,
        "server-config": {"address": f"{host}:{port}"},
    }
    cfg.update(extra)
    return cfg


def cluster_config(
    port: int, primaries: list[tuple[str, list[str]]], *, host: str = "127.0.0.1",
    health_check_interval: float = 1, **extra: Any,
) -> dict[str, Any]:
    """A ``.cluster`` config routing to ``primaries``: ``[(primary, [replica, ...]), ...]``."""
    cfg: dict[str, Any] = {
        "health-check-interval": health_check_interval,
        "server-config": {"address": f"{host}:{port}"},
        "node-configs": [
            {"node": client_block(p), "replicas": [client_block(r) for r in reps]}
            for p, reps in primaries
        ],
    }
    cfg.update(extra)
    return cfg


def start_node(directory: Path, **kwargs: Any) -> ServerProcess:
    """Start a primary in ``directory`` on a free port (kwargs go to :func:`node_config`)."""
    port = free_port()
    return ServerProcess("node", directory, port, node_config(port, **kwargs)).start()


def start_replica(directory: Path, **kwargs: Any) -> ServerProcess:
    """Start a replica in ``directory`` on a free port."""
    port = free_port()
    return ServerProcess("node-replica", directory, port, replica_config(port, **kwargs)).start()
