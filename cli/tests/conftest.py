"""Fixtures: real server processes on loopback, and a way to run ``smcli`` as users do."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from smclient.testing import ServerProcess, cluster_config, free_port, start_node

SHARED_KEY = "test-key"
RUN_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Result:
    """What one ``smcli`` run did."""

    code: int
    stdout: str
    stderr: str


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment ``smcli`` runs with in tests: no user settings leak in."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SUPERMASSIVE_", "SMCLI_")) and k != "NO_COLOR"}
    env.update(extra)
    return env


def run_smcli(*args: str, stdin: bytes | str | None = None, **env: str) -> Result:
    """Run ``python -m smcli ARGS`` with stdin from ``stdin`` (``/dev/null`` when ``None``)."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run(
        [sys.executable, "-m", "smcli", *args],
        input=data if data is not None else b"",
        capture_output=True,
        timeout=RUN_TIMEOUT_S,
        env=_clean_env(**env),
        start_new_session=True,  # no controlling terminal: never prompts
    )
    return Result(proc.returncode, proc.stdout.decode(errors="replace"),
                  proc.stderr.decode(errors="replace"))


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A primary node on a free loopback port (shared key ``test-key``), one per test module:
    tests use their own keys."""
    proc = start_node(tmp_path_factory.mktemp("node"))
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def node_args(node: ServerProcess) -> list[str]:
    """The ``smcli`` flags that reach :func:`node` directly."""
    return ["-p", str(node.port), "--shared-key", SHARED_KEY]


def cluster_available() -> bool:
    """Whether the cluster role exists yet."""
    try:
        return importlib.util.find_spec("supermassive.roles.cluster") is not None
    except ImportError:
        return False


@pytest.fixture
def clean_env() -> dict[str, str]:
    """The environment ``smcli`` runs with in tests: no user settings leak in."""
    return _clean_env()


@pytest.fixture
def smcli() -> Callable[..., Result]:
    """Run ``python -m smcli ARGS`` (see :func:`run_smcli`)."""
    return run_smcli


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, node: ServerProcess
) -> Iterator[ServerProcess]:
    """A cluster over :func:`node` that wants user ``ada`` with password ``lovelace``."""
    if not cluster_available():
        pytest.skip("the cluster role (supermassive.roles.cluster) is not there yet")
    port = free_port()
    proc = ServerProcess(
        "cluster", tmp_path_factory.mktemp("cluster"), port,
        cluster_config(port, [(node.address, [])]),
        extra_args=["--username", "ada", "--password", "lovelace"],
    ).start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def local_cluster(
    tmp_path_factory: pytest.TempPathFactory, node: ServerProcess
) -> Iterator[ServerProcess]:
    """A cluster over :func:`node` started with ``--local`` (no client authentication)."""
    if not cluster_available():
        pytest.skip("the cluster role (supermassive.roles.cluster) is not there yet")
    port = free_port()
    proc = ServerProcess(
        "cluster", tmp_path_factory.mktemp("local-cluster"), port,
        cluster_config(port, [(node.address, [])]), extra_args=["--local"],
    ).start()
    try:
        yield proc
    finally:
        proc.stop()
