"""Fail-over, health checks and hung members, with real processes killed and stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from cluster_support import (
    HEALTH_INTERVAL_S,
    Client,
    Topology,
    member_status,
    node_client,
    wait_until,
)

OK_WRITTEN = b"OK key-value written"


async def keys_on(proc_client: Client, pattern: str) -> set[str]:
    lines = await proc_client.multi(f"REGX {pattern}")
    return {line.split(b" ", 1)[0].decode() for line in lines[1:]}


async def wait_replicated(topo: Topology, shard: int, keys: set[str]) -> None:
    """Wait until the shard's first replica holds every key of ``keys``."""
    replica = await node_client(topo.replicas[shard][0])

    async def caught_up() -> bool:
        return keys <= await keys_on(replica, "^")

    try:
        await wait_until(caught_up, 10, f"replica of shard {shard} to catch up")
    finally:
        await replica.close()


async def test_killed_primary_is_replaced_by_its_replica_and_used_again_after_restart(
    topology: Callable[..., Topology],
) -> None:
    topo = topology()
    c = await topo.client()
    replies = await c.pipeline([f"PUT fo:{i} v{i}".encode() for i in range(20)])
    assert set(replies) == {OK_WRITTEN}
    p0 = await node_client(topo.primaries[0])
    on_p0 = await keys_on(p0, "^fo:")
    await p0.close()
    assert on_p0, "round robin should have put keys on primary 0"
    await wait_replicated(topo, 0, on_p0)

    topo.primaries[0].kill()
    # Reads of the dead primary's keys are answered by its replica at once.
    for key in sorted(on_p0):
        assert await c.cmd(f"GET {key}") == f"OK {key} v{key[3:]}".encode()
    assert await member_status(c, topo.primaries[0].address) == "down"
    # Writes go to the other primary.
    replies = await c.pipeline([f"PUT after:{i} x".encode() for i in range(6)])
    assert set(replies) == {OK_WRITTEN}
    p1 = await node_client(topo.primaries[1])
    assert len(await keys_on(p1, "^after:")) == 6
    await p1.close()
    # Counters wait for every primary: the dead one may hold a newer copy than its replica.
    assert await c.cmd("PUT ctr 1") == OK_WRITTEN
    assert (await c.cmd("INCR ctr")).startswith(b"ERR unavailable: ")

    topo.primaries[0].start()

    async def back_up() -> bool:
        return await member_status(c, topo.primaries[0].address) == "up"

    await wait_until(back_up, 10 + 4 * HEALTH_INTERVAL_S, "the restarted primary to be used")
    replies = await c.pipeline([f"PUT again:{i} y".encode() for i in range(6)])
    assert set(replies) == {OK_WRITTEN}
    p0 = await node_client(topo.primaries[0])
    assert len(await keys_on(p0, "^again:")) == 3
    await p0.close()
    for key in sorted(on_p0):
        assert await c.cmd(f"GET {key}") == f"OK {key} v{key[3:]}".encode()
    assert await c.cmd("INCR ctr") == b"OK ctr 2"
    await c.close()


async def test_a_hung_primary_slows_only_requests_it_must_answer(
    topology: Callable[..., Topology],
) -> None:
    topo = topology(link={"read-timeout": 1, "connect-timeout": 1})
    c = await topo.client()
    assert set(await c.pipeline([f"PUT h:{i} v{i}".encode() for i in range(10)])) == {
        OK_WRITTEN}
    p1 = await node_client(topo.primaries[1])
    on_p1 = await keys_on(p1, "^h:")
    await p1.close()
    await wait_replicated(topo, 1, on_p1)
    topo.primaries[1].pause()
    try:
        # Every request finishes within the configured timeouts (client bound: 5 s).
        for i in range(10):
            reply = await c.cmd(f"GET h:{i}", timeout_s=5)
            assert reply == f"OK h:{i} v{i}".encode()
        replies = [await c.cmd(f"PUT during:{i} z", timeout_s=5) for i in range(6)]
        assert all(r == OK_WRITTEN or r.startswith(b"ERR timeout") for r in replies)
        assert replies.count(OK_WRITTEN) >= 3
        some = sorted(on_p1)[0]
        assert (await c.cmd(f"INCR {some}", timeout_s=5)).startswith(b"ERR unavailable")
        assert await member_status(c, topo.primaries[1].address) == "down"
        stat = await c.multi("STAT", timeout_s=5)
        assert stat[0].startswith(b"OK ")
    finally:
        topo.primaries[1].resume()

    async def back_up() -> bool:
        return await member_status(c, topo.primaries[1].address) == "up"

    await wait_until(back_up, 10, "the resumed primary to be used again")
    assert await c.cmd(f"GET {sorted(on_p1)[0]}") != b"ERR key-value not found"
    await c.close()


async def test_overwriting_one_key_from_several_clients_returns_the_last_acknowledged_value(
    topology: Callable[..., Topology],
) -> None:
    topo = topology()
    clients = [await topo.client() for _ in range(4)]
    for i in range(200):
        writer, reader = clients[i % 4], clients[(i + 1) % 4]
        assert await writer.cmd(f"PUT hot v{i}") == OK_WRITTEN
        # The first GET repairs the older copy on the other primary; the second must
        # still see the winner (a repair tombstone never hides it).
        assert await reader.cmd("GET hot") == f"OK hot v{i}".encode()
        assert await writer.cmd("GET hot") == f"OK hot v{i}".encode()

    async def burst(j: int, c: Client) -> None:
        for i in range(25):
            assert await c.cmd(f"PUT hot c{j}-{i}") == OK_WRITTEN

    await asyncio.gather(*(burst(j, c) for j, c in enumerate(clients)))
    final = await clients[0].cmd("GET hot")
    assert final in {f"OK hot c{j}-24".encode() for j in range(4)}
    # Both primaries held a copy at some point; after DEL the key is gone everywhere.
    assert await clients[1].cmd("DEL hot") == b"OK key-value deleted"
    for c in clients:
        assert await c.cmd("GET hot") == b"ERR key-value not found"
    for c in clients:
        await c.close()


async def test_del_stays_deleted_after_the_primary_holding_an_old_copy_restarts(
    topology: Callable[..., Topology],
) -> None:
    topo = topology()
    c = await topo.client()
    p0 = await node_client(topo.primaries[0])
    p1 = await node_client(topo.primaries[1])
    # An old copy on primary 0 (low version), the current one on primary 1.
    assert await p0.cmd("VPUT 1000 doomed old") == OK_WRITTEN
    assert await p1.cmd("VPUT 2000 doomed current") == OK_WRITTEN
    await p0.close()
    await p1.close()
    assert await c.cmd("GET doomed") == b"OK doomed current"
    kill = asyncio.to_thread(topo.primaries[0].kill)
    _, reply = await asyncio.gather(kill, c.cmd("DEL doomed"))
    assert reply == b"OK key-value deleted" or reply.startswith(b"ERR timeout"), reply
    assert await c.cmd("GET doomed") == b"ERR key-value not found"
    topo.primaries[0].start()

    async def back_up() -> bool:
        return await member_status(c, topo.primaries[0].address) == "up"

    await wait_until(back_up, 10, "the restarted primary")
    assert await c.cmd("GET doomed") == b"ERR key-value not found"
    assert await c.multi("REGX ^doomed$") == [b"OK 0"]
    p0 = await node_client(topo.primaries[0])

    async def repaired() -> bool:
        return (await p0.cmd("VGET doomed")).startswith(b"OK D ")

    await wait_until(repaired, 5, "the old copy to be repaired into a tombstone")
    await p0.close()
    await c.close()


async def test_one_hundred_concurrent_clients_each_get_their_own_replies(
    topology: Callable[..., Topology],
) -> None:
    topo = topology()

    async def session(i: int) -> None:
        c = await topo.client()
        for j in range(4):
            assert await c.cmd(f"PUT k{i} v{i}-{j}") == OK_WRITTEN
            assert await c.cmd(f"GET k{i}") == f"OK k{i} v{i}-{j}".encode()
            assert await c.cmd(f"PUT n{i} {j}") == OK_WRITTEN
            assert await c.cmd(f"INCR n{i} {i}") == f"OK n{i} {i + j}".encode()
            assert await c.multi(f"REGX ^k{i}$") == [b"OK 1", f"k{i} v{i}-{j}".encode()]
            assert await c.cmd(f"DEL k{i}") == b"OK key-value deleted"
            assert await c.cmd(f"GET k{i}") == b"ERR key-value not found"
        await c.close()

    await asyncio.wait_for(asyncio.gather(*(session(i) for i in range(100))), 60)
