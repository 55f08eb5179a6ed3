"""Fixtures for the cluster tests (helpers live in ``cluster_support``)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from cluster_support import Topology, start_topology


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


