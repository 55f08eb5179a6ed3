"""pytest fixtures over :mod:`smclient.testing` (optional: needs pytest).

Enable with ``pytest_plugins = ["smclient.testing.pytest_plugin"]`` in a root ``conftest.py``,
or import the fixtures into any ``conftest.py``::

    from smclient.testing.pytest_plugin import sm_fault_proxy, sm_topology  # noqa: F401

    def test_something(sm_topology):
        topo = sm_topology(primaries=2, cluster=True)
        with topo.client() as db:
            ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from smclient.testing.proxy import FaultProxy
from smclient.testing.topology import Topology, start_topology


@pytest.fixture
def sm_topology(tmp_path: Path) -> Iterator[Callable[..., Topology]]:
    """A factory: ``sm_topology(**kwargs)`` starts a topology (see
    :func:`~smclient.testing.start_topology`) under ``tmp_path``; every topology started is
    stopped at teardown."""
    started: list[Topology] = []

    def start(**kwargs: Any) -> Topology:
        topo = start_topology(tmp_path / f"topology-{len(started)}", **kwargs)
        started.append(topo)
        return topo

    yield start
    for topo in reversed(started):
        topo.stop()


@pytest.fixture
def sm_fault_proxy() -> Iterator[Callable[[str, int], FaultProxy]]:
    """A factory: ``sm_fault_proxy(host, port)`` starts a :class:`FaultProxy` to that target;
    every proxy started is stopped at teardown."""
    started: list[FaultProxy] = []

    def start(host: str, port: int) -> FaultProxy:
        proxy = FaultProxy(host, port).start()
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        proxy.stop()
