"""The local topology helper starts and always stops real processes."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import pytest

import smclient
from smclient.testing import FaultProxy, Topology, local_topology


def require_role(role: str) -> None:
    try:
        importlib.import_module(f"supermassive.roles.{role}")
    except ImportError as exc:
        pytest.skip(f"server role {role!r} is not available yet: {exc}")


def test_single_node_topology(tmp_path: Path) -> None:
    require_role("node")
    with local_topology(tmp_path) as topo:
        assert topo.cluster is None and len(topo.primaries) == 1
        with topo.client() as db:
            assert db.put("topo:a", "1") and db.get("topo:a") == "1"
    assert not any(p.running for p in topo.processes)


def test_primary_with_a_replica(tmp_path: Path) -> None:
    require_role("node")
    require_role("replica")
    with local_topology(tmp_path, replicas=1) as topo:
        replica = topo.replicas[0][0]
        with topo.client() as db, topo.client(replica) as rdb:
            db.put("topo:r", "v")
            assert rdb.ping()
            with pytest.raises(smclient.ReadOnlyError):
                rdb.put("topo:x", "v")
    assert not any(p.running for p in topo.processes)


def test_local_cluster_topology(tmp_path: Path) -> None:
    require_role("cluster")
    with local_topology(tmp_path, primaries=2, cluster=True) as topo:
        assert topo.entry is topo.cluster
        with topo.client() as db:
            assert db.put("topo:c", "v") and db.get("topo:c") == "v"
    assert not any(p.running for p in topo.processes)


def test_bad_topology_arguments() -> None:
    with pytest.raises(ValueError):
        local_topology(Path("/nonexistent"), primaries=0).__enter__()
    with pytest.raises(ValueError):
        local_topology(Path("/nonexistent"), cluster=True, local=False).__enter__()


def test_pytest_plugin_fixtures_start_and_stop_processes(
    sm_topology: Callable[..., Topology], sm_fault_proxy: Callable[[str, int], FaultProxy]
) -> None:
    require_role("node")
    topo = sm_topology()
    proxy = sm_fault_proxy("127.0.0.1", topo.entry.port)
    with smclient.Client(port=proxy.port, shared_key=topo.shared_key) as db:
        assert db.ping()
    assert proxy.statistics().accepted_total == 1
