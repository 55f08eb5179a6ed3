"""The three roles. :func:`run_role` starts one and runs until SIGTERM/SIGINT."""

from __future__ import annotations

from pathlib import Path

from supermassive.config import RoleConfig


async def run_role(
    role: str, config: RoleConfig, directory: Path, *, shared_key: str,
    username: str | None = None, password: str | None = None, local: bool = False,
) -> int:
    """Run ``role`` until a stop signal; return the exit code."""
    if role == "cluster":
        from supermassive.roles.cluster import run_cluster

        return await run_cluster(config, directory, shared_key=shared_key, username=username,
                                 password=password, local=local)
    if role == "node":
        from supermassive.roles.node import run_node

        return await run_node(config, directory, shared_key=shared_key)
    from supermassive.roles.replica import run_replica

    return await run_replica(config, directory, shared_key=shared_key)
