"""Fixtures for the cluster tests (helpers live in ``cluster_support``)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from cluster_support import SHARED_KEY, Topology, start_topology

from supermassive.cluster.service import Cluster
from supermassive.config import load_config


@pytest.fixture
def topology(tmp_path: Path) -> Iterator[Callable[..., Topology]]:
    """A factory of topologies, all stopped at the end of the test."""
    started: list[Topology] = []

    def make(**kwargs: Any) -> Topology:
        topo = start_topology(tmp_path, **kwargs)
        started.append(topo)
        return topo

    yield make
    for topo in started:
        topo.stop()


@pytest.fixture
async def inproc(topology: Callable[..., Topology]) -> AsyncIterator[tuple[Topology, Cluster]]:
    """Real primaries and replicas; a second cluster, in this process, routing to them."""
    topo = topology(local=True, link={"read-timeout": 1})
    assert topo.cluster is not None
    cluster = Cluster(load_config("cluster", topo.cluster.config_path), shared_key=SHARED_KEY)
    await cluster.start()
    try:
        yield topo, cluster
    finally:
        await cluster.close()
