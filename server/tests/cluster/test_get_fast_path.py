"""The GET fast path (``cluster/lookup.py``) against real nodes, run in-process so the test can
see the command slots: the answer is the general path's, and no slot is ever leaked."""

from __future__ import annotations

import asyncio

from cluster_support import Topology, node_client, wait_until

from supermassive.cluster.handler import ClusterHandler
from supermassive.cluster.service import Cluster
from supermassive.net.deferred import Deferred
from supermassive.net.server import Session


async def ask(handler: ClusterHandler, line: bytes) -> bytes:
    session = Session("test")
    reply = handler.handle(session, line)
    if isinstance(reply, bytes):
        return reply
    return await asyncio.wait_for(reply, 10)


async def test_fast_gets_answer_like_the_general_path_and_give_their_slots_back(
    inproc: tuple[Topology, Cluster],
) -> None:
    _, cluster = inproc
    handler = ClusterHandler(cluster, None)
    slots = handler._slots
    assert await ask(handler, b"PUT k v1") == b"OK key-value written\r\n"
    assert await ask(handler, b"PUT k v2") == b"OK key-value written\r\n"  # other primary
    assert await ask(handler, b"GET k") == b"OK k v2\r\n"  # and the v1 copy is repaired
    assert await cluster.router.get_general(b"k") == b"OK k v2\r\n"
    assert await ask(handler, b"GET nope") == b"ERR key-value not found\r\n"
    assert await ask(handler, b"DEL k") == b"OK key-value deleted\r\n"
    assert await ask(handler, b"GET k") == b"ERR key-value not found\r\n"
    assert slots.used == 0

    # A client that goes away while its GET is in flight: the slot comes back anyway.
    gone = handler.handle(Session("gone"), b"GET k")
    assert isinstance(gone, Deferred) and slots.used == 1
    gone.cancel()

    async def released() -> bool:
        return slots.used == 0

    await wait_until(released, 10, "the slot of the abandoned GET")


async def test_a_primary_failing_a_fast_get_hands_it_to_its_replica(
    inproc: tuple[Topology, Cluster],
) -> None:
    topo, cluster = inproc
    handler = ClusterHandler(cluster, None)
    for i in range(6):
        assert await ask(handler, b"PUT f%d v%d" % (i, i)) == b"OK key-value written\r\n"
    replica = await node_client(topo.replicas[1][0])

    async def replicated() -> bool:
        lines = await replica.multi("REGX ^f")
        return len(lines) > 1

    await wait_until(replicated, 10, "the replica of shard 1 to catch up")
    await replica.close()
    on_p1 = [line.split(b" ", 1)[0] for line in (await replica_keys(topo))]
    topo.primaries[1].pause()
    try:
        # Primary 1 still counts as up: the fast path asks it, its read timeout (1 s) fails
        # the request, and the general path answers from its replica.
        key = on_p1[0]
        reply = await ask(handler, b"GET " + key)
        assert reply.startswith(b"OK " + key + b" v")
        assert not cluster.topology.shards[1].primary.up
    finally:
        topo.primaries[1].resume()
    assert handler._slots.used == 0


async def replica_keys(topo: Topology) -> list[bytes]:
    client = await node_client(topo.replicas[1][0])
    try:
        return (await client.multi("REGX ^f"))[1:]
    finally:
        await client.close()
