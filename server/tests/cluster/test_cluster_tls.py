"""TLS end to end with a private CA (trustme): client -> cluster -> nodes -> replicas."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trustme
from cluster_support import Topology, node_client, wait_until


def tls_files(tmp_path: Path) -> tuple[trustme.CA, dict[str, Any], dict[str, Any]]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca_file, cert_file, key_file = (tmp_path / n for n in ("ca.pem", "cert.pem", "key.pem"))
    ca.cert_pem.write_to_path(str(ca_file))
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    server = {"use-tls": True, "cert-file": str(cert_file), "key-file": str(key_file)}
    link = {"use-tls": True, "ca-cert-file": str(ca_file)}
    return ca, server, link


async def test_tls_from_client_through_cluster_and_nodes_to_replicas(
    topology: Callable[..., Topology], tmp_path: Path,
) -> None:
    ca, server, link = tls_files(tmp_path)
    topo = topology(link=link, server_tls=server)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    c = await topo.client(ssl_ctx=client_ctx)
    for i in range(6):
        assert await c.cmd(f"PUT tls:{i} secret {i}") == b"OK key-value written"
    for i in range(6):
        assert await c.cmd(f"GET tls:{i}") == f"OK tls:{i} secret {i}".encode()
    for shard, reps in enumerate(topo.replicas):
        replica = await node_client(reps[0], ssl_ctx=client_ctx)
        primary = await node_client(topo.primaries[shard], ssl_ctx=client_ctx)
        on_primary = await primary.multi("REGX ^tls:")

        async def caught_up(replica: Any = replica, want: list[bytes] = on_primary) -> bool:
            return bool(await replica.multi("REGX ^tls:") == want)

        await wait_until(caught_up, 10, "the replica to receive the writes over TLS")
        await replica.close()
        await primary.close()
    await c.close()


async def test_a_member_whose_certificate_is_not_trusted_is_never_used(
    topology: Callable[..., Topology], tmp_path: Path,
) -> None:
    _, server, _ = tls_files(tmp_path)
    other_ca = trustme.CA()
    bad_ca = tmp_path / "other-ca.pem"
    other_ca.cert_pem.write_to_path(str(bad_ca))
    topo = topology(primaries=1, replicas=0, link={"use-tls": True, "ca-cert-file": str(bad_ca)},
                    server_tls=server, cluster_tls=False)
    c = await topo.client()
    assert await c.cmd("PUT a b") == b"ERR no primary nodes available"
    stat = await c.multi("STAT")
    assert b"\tstatus down" in stat
    await c.close()
