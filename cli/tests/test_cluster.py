"""Through the cluster: ``--local`` (no auth) and the cluster's STAT sections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smclient.testing import ServerProcess

Smcli = Callable[..., Any]


def test_local_cluster_needs_no_credentials(smcli: Smcli, local_cluster: ServerProcess) -> None:
    args = ["-p", str(local_cluster.port), "--local"]
    assert smcli(*args, "PUT", "via-cluster", "1.5").stdout == "OK key-value written\n"
    incr = smcli(*args, "INCR", "via-cluster", "1.1")
    assert (incr.code, incr.stdout) == (0, "OK via-cluster 2.6\n")


def test_cluster_stat_lists_the_cluster_then_its_members(
    smcli: Smcli, local_cluster: ServerProcess, node: ServerProcess,
) -> None:
    result = smcli("-p", str(local_cluster.port), "--local", "STAT")
    lines = result.stdout.splitlines()
    assert result.code == 0 and lines[0] == f"OK {len(lines) - 1}"
    headers = [line for line in lines[1:] if not line.startswith("\t")]
    assert headers == [f"CLUSTER {local_cluster.address}", f"PRIMARY {node.address}"]


def test_local_flag_ignores_credentials_in_the_environment(
    smcli: Smcli, local_cluster: ServerProcess,
) -> None:
    result = smcli("-p", str(local_cluster.port), "--local", "PING",
                   SUPERMASSIVE_USERNAME="ada", SUPERMASSIVE_PASSWORD="nope")
    assert (result.code, result.stdout) == (0, "OK PONG\n")
