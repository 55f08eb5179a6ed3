"""Test helpers shipped with the SDK: real server processes on loopback (and, later, a fault
proxy and a local topology fixture)."""

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

__all__ = [
    "ServerProcess",
    "client_block",
    "cluster_config",
    "free_port",
    "node_config",
    "replica_config",
    "start_node",
    "start_replica",
    "wait_for_port",
]
