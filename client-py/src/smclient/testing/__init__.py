"""Test helpers shipped with the SDK: real server processes on loopback
(:mod:`~smclient.testing.process`), a local topology (:func:`local_topology`), a TCP fault
proxy (:class:`FaultProxy`) and a raw-protocol client (:class:`RawClient`)."""

from smclient.testing.process import (
    ServerProcess,
    client_block,
    cluster_config,
    free_port,
    node_config,
    replica_config,
    start_node,
    start_replica,
    wait_for_port,
)
from smclient.testing.proxy import FaultProxy, ProxyStatistics
from smclient.testing.rawclient import RawClient
from smclient.testing.topology import Topology, local_topology, start_topology

__all__ = [
    "FaultProxy",
    "ProxyStatistics",
    "RawClient",
    "ServerProcess",
    "Topology",
    "client_block",
    "cluster_config",
    "free_port",
    "local_topology",
    "node_config",
    "replica_config",
    "start_node",
    "start_replica",
    "start_topology",
    "wait_for_port",
]
