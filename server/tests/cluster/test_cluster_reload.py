"""RCNF: live changes of the topology, under load, and reload errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from cluster_support import Topology, member_status, new_shard, node_client, start_all

OK_WRITTEN = b"OK key-value written"


def rewrite_config(topo: Topology) -> None:
    assert topo.cluster is not None
    topo.cluster.config = topo.cluster_config()
    topo.cluster.config_path.write_text(json.dumps(topo.cluster.config))


async def test_rcnf_adds_a_third_primary_under_load_and_loses_nothing(
    topology: Callable[..., Topology],
) -> None:
    topo = topology()
    primary, replicas = new_shard(topo, 2)
    start_all([*replicas, primary])
    acked: dict[str, str] = {}
    stop = asyncio.Event()

    async def load(w: int) -> None:
        c = await topo.client()
        i = 0
        while not stop.is_set() or i < 30:
            key, value = f"load:{w}:{i}", f"v{i}"
            assert await c.cmd(f"PUT {key} {value}") == OK_WRITTEN
            acked[key] = value
            i += 1
        await c.close()

    writers = [asyncio.create_task(load(w)) for w in range(4)]
    await asyncio.sleep(0.3)
    topo.primaries.append(primary)
    topo.replicas.append(replicas)
    rewrite_config(topo)
    admin = await topo.client()
    assert await admin.cmd("RCNF") == b"OK configs reloaded"
    assert await member_status(admin, primary.address) == "up"
    await asyncio.sleep(0.5)
    stop.set()
    await asyncio.wait_for(asyncio.gather(*writers), 30)

    third = await node_client(primary)
    found = await third.multi("REGX ^load:")
    assert int(found[0].split()[1]) > 0, "the new primary received no writes"
    await third.close()
    lines = await admin.multi("REGX ^load:")
    assert lines[0] == b"OK %d" % len(acked)
    got = dict(line.decode().split(" ", 1) for line in lines[1:])
    assert got == acked
    headers = [x for x in await admin.multi("STAT") if x.startswith(b"PRIMARY ")]
    assert headers[-1] == f"PRIMARY {primary.address}".encode()
    await admin.close()


async def test_rcnf_removes_a_replica_and_a_primary_and_reports_errors_in_one_reply(
    topology: Callable[..., Topology],
) -> None:
    topo = topology()
    c = await topo.client()
    assert await c.cmd("PUT stays here") == OK_WRITTEN
    removed_replica = topo.replicas[0].pop()
    rewrite_config(topo)
    assert await c.cmd("RCNF") == b"OK configs reloaded"
    headers = [x for x in (await c.multi("STAT"))[1:] if not x.startswith(b"\t")]
    assert f"REPLICA {removed_replica.address}".encode() not in headers
    assert len(headers) == 1 + 2 + 1

    assert topo.cluster is not None
    topo.cluster.config_path.write_text("node-configs: [not a mapping")
    reply = await c.cmd("RCNF")
    assert reply.startswith(b"ERR reload error: ")
    assert await c.cmd("PING") == b"OK PONG"  # exactly one reply came back
    rewrite_config(topo)
    assert await c.cmd("RCNF") == b"OK configs reloaded"

    topo.primaries.pop()
    topo.replicas.pop()
    rewrite_config(topo)
    assert await c.cmd("RCNF") == b"OK configs reloaded"
    headers = [x for x in await c.multi("STAT") if x.startswith(b"PRIMARY ")]
    assert headers == [f"PRIMARY {topo.primaries[0].address}".encode()]
    for i in range(4):
        assert await c.cmd(f"PUT one:{i} x") == OK_WRITTEN
    await c.close()
