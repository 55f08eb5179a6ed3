"""The cluster role: the client-facing router. Holds no data (see ``docs/guide/cluster.md``)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from pathlib import Path
from typing import Any

from supermassive.cluster.auth import Credentials
from supermassive.cluster.handler import ClusterHandler
from supermassive.cluster.service import Cluster
from supermassive.config import RoleConfig
from supermassive.roles.lifecycle import start_listener, stop_event

log = logging.getLogger("supermassive.cluster")


async def run_cluster(
    config: RoleConfig, directory: Path, *, shared_key: str, username: str | None,
    password: str | None, local: bool,
) -> int:
    """Run the cluster until SIGTERM/SIGINT; return the exit code.

    Members are connected once before the listener opens (each bounded by its connect
    timeout), so the first client commands already see the topology.
    """
    credentials = None if local else Credentials(username or "", password or "")
    if local:
        log.warning("--local: clients are not authenticated")
    stop = stop_event()
    cluster = Cluster(config, shared_key=shared_key)
    chores: asyncio.Task[None] | None = None
    try:
        await cluster.start()
        handler = ClusterHandler(cluster, credentials)
        server = await start_listener(config, handler, _resp_factory(shared_key))
        cluster.server = server
        chores = asyncio.create_task(cluster.housekeeping())
        await stop.wait()
        log.info("stopping")
        await server.close()
    finally:
        if chores is not None:
            chores.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await chores
        await cluster.close()
    log.info("stopped")
    return 0


def _resp_factory(shared_key: str) -> Any:
    """The RESP2 reader for connections starting with ``*``, when the adapter is installed."""
    try:
        adapter = importlib.import_module("supermassive.net.resp_adapter")
    except ImportError:
        return None
    return adapter.resp_factory("cluster", shared_key)
