"""In-process node and replica handlers over real stores, for tests that compare a fast path
with the general path (no sockets: the handlers are called directly)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from supermassive.config import load_config
from supermassive.replication.stream import ReplicationManager
from supermassive.roles.node import NodeHandler
from supermassive.roles.replica import ReplicaHandler
from supermassive.storage.store import Store

WALL_MS = 1_700_000_000_000
"""The stores' fixed wall clock, so that versions repeat from one handler to its twin."""


def role_config(directory: Path, role: str) -> Any:
    """A minimal config of ``role`` (``node`` or ``node-replica``) written in ``directory``."""
    name = ".node" if role == "node" else ".nodereplica"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(json.dumps({
        "journal-sync": "no", "server-config": {"address": "127.0.0.1:1"}}))
    return load_config(role, directory / name)


def open_store(directory: Path, name: str) -> Store:
    """A store in ``directory`` with ``journal-sync: no`` and the fixed wall clock."""
    return Store.open(directory, name, sync="no", wall_ms=lambda: WALL_MS)


def node_handler(directory: Path) -> NodeHandler:
    """A primary's handler (shared key ``key``) with its replication manager."""
    config = role_config(directory, "node")
    store = open_store(directory, "node")
    return NodeHandler(store, "key", config, ReplicationManager(store, "key", config))


def replica_handler(directory: Path) -> ReplicaHandler:
    """A replica's handler (shared key ``key``)."""
    return ReplicaHandler(open_store(directory, "replica"), "key",
                          role_config(directory, "node-replica"))


def wait_until(predicate: Callable[[], bool], timeout_s: float = 20.0) -> bool:
    """Poll ``predicate`` every 20 ms until it holds or ``timeout_s`` passes; its last value."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
