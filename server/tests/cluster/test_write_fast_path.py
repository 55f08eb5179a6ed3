"""The PUT and DEL fast paths (``cluster/write.py``) against real nodes, run in-process so the
test can see the command slots and the key-order chains: the answers and the round robin are
the general path's, a write in flight on the same key is waited for, a failing primary gets
the general path's answer, and no slot or chain is ever leaked."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from cluster_support import Topology, node_client, wait_until

from supermassive.cluster.handler import ClusterHandler, FastWrite
from supermassive.cluster.service import Cluster
from supermassive.net.server import Session

WRITTEN = b"OK key-value written\r\n"


def start(handler: ClusterHandler, line: bytes) -> Awaitable[bytes]:
    reply = handler.handle(Session("test"), line)
    assert not isinstance(reply, bytes), reply
    return reply


async def ask(handler: ClusterHandler, line: bytes) -> bytes:
    reply = handler.handle(Session("test"), line)
    if isinstance(reply, bytes):
        return reply
    answer: bytes = await asyncio.wait_for(asyncio.ensure_future(reply), 10)
    return answer


async def idle(handler: ClusterHandler, cluster: Cluster) -> None:
    """Wait until no command slot is taken and no key has a write in flight."""

    async def settled() -> bool:
        return handler._slots.used == 0 and len(cluster.router.order) == 0

    await wait_until(settled, 10, "every slot and key chain released")


def back_up_fn(cluster: Cluster) -> Callable[[], Awaitable[bool]]:
    async def back_up() -> bool:
        return all(m.up for m in cluster.topology.primaries)

    return back_up


async def stored_on(topo: Topology, index: int, key: bytes) -> bytes:
    client = await node_client(topo.primaries[index])
    try:
        return await client.cmd(b"VGET " + key)
    finally:
        await client.close()


async def test_fast_puts_follow_the_round_robin_and_writes_of_one_key_stay_in_order(
    inproc: tuple[Topology, Cluster],
) -> None:
    topo, cluster = inproc
    handler = ClusterHandler(cluster, None)
    rotation = cluster.router.rotation
    first = rotation.sequence % 2
    command = start(handler, b"PUT a 1")
    assert isinstance(command, FastWrite)
    assert await asyncio.wait_for(asyncio.ensure_future(command), 10) == WRITTEN
    assert await ask(handler, b"PUT b 2") == WRITTEN
    assert rotation.sequence == 2
    assert (await stored_on(topo, first, b"a")).endswith(b" 1")
    assert (await stored_on(topo, 1 - first, b"b")).endswith(b" 2")
    assert await ask(handler, b"GET a") == b"OK a 1\r\n"
    # The router's entry point: a future while the key is free, ``None`` while it is not.
    router = cluster.router
    fut = router.put_soon(b"direct", b"x")
    assert fut is not None and len(router.order) == 1
    assert router.put_soon(b"direct", b"y") is None
    assert await asyncio.wait_for(fut, 10) == WRITTEN
    assert len(router.order) == 0
    gone = router.delete_soon(b"direct")
    assert gone is not None and router.delete_soon(b"direct") is None
    assert router.put_soon(b"direct", b"z") is None
    assert await asyncio.wait_for(gone, 10) == b"OK key-value deleted\r\n"
    assert await ask(handler, b"DEL direct") == b"ERR key-value not found\r\n"
    assert len(router.order) == 0
    await idle(handler, cluster)

    # A write behind a write of the same key waits for it.
    for _ in range(5):
        # Started in one loop iteration: the first takes the fast path and claims the key,
        # the others find it in flight and queue behind it on the general path.
        three = await asyncio.wait_for(asyncio.gather(
            start(handler, b"PUT k first"), start(handler, b"PUT k second"),
            start(handler, b"PUT k third")), 10)
        assert list(three) == [WRITTEN] * 3
        assert await ask(handler, b"GET k") == b"OK k third\r\n"
        replies = await asyncio.wait_for(asyncio.gather(
            start(handler, b"PUT k again"), start(handler, b"DEL k")), 10)
        assert list(replies) == [WRITTEN, b"OK key-value deleted\r\n"]
        assert await ask(handler, b"GET k") == b"ERR key-value not found\r\n"
    # And a fast PUT arriving while a general write of the key is in flight waits too.
    last = await asyncio.wait_for(asyncio.gather(
        start(handler, b"DEL k"), start(handler, b"PUT k last")), 10)
    assert last[1] == WRITTEN
    assert await ask(handler, b"GET k") == b"OK k last\r\n"
    await idle(handler, cluster)


async def test_a_failing_primary_or_a_departed_client_leave_no_slot_or_chain_behind(
    inproc: tuple[Topology, Cluster],
) -> None:
    topo, cluster = inproc
    handler = ClusterHandler(cluster, None)
    target = cluster.router.rotation.sequence % 2
    assert await ask(handler, b"PUT kept v") == WRITTEN  # lands on ``target``
    assert await ask(handler, b"PUT other v") == WRITTEN  # lands on the other primary

    # A fast DEL whose other primary does not answer: the general path's rules decide.
    topo.primaries[1 - target].pause()
    try:
        reply = await ask(handler, b"DEL kept")
        assert reply == b"OK key-value deleted\r\n"  # one primary removed it for sure
        assert not cluster.topology.primaries[1 - target].up
        await idle(handler, cluster)
    finally:
        topo.primaries[1 - target].resume()
    await wait_until(back_up_fn(cluster), 15, "the paused primary to be up again")

    # A fast PUT whose primary does not answer: indeterminate.
    target = cluster.router.rotation.sequence % 2
    topo.primaries[target].pause()
    try:
        reply = await ask(handler, b"PUT lost v")
        assert reply.startswith(b"ERR timeout: ")
        assert reply.endswith(b"the write may or may not have been applied\r\n")
        assert not cluster.topology.primaries[target].up
        await idle(handler, cluster)
        # Its first choice is down now: the general path writes to the other primary.
        for i in range(2):
            assert await ask(handler, b"PUT next%d v" % i) == WRITTEN
    finally:
        topo.primaries[target].resume()
    await idle(handler, cluster)

    await wait_until(back_up_fn(cluster), 15, "the paused primary to be up again")

    # A client that goes away while its fast PUT is in flight leaks nothing.
    target = cluster.router.rotation.sequence % 2
    topo.primaries[target].pause()
    try:
        task = asyncio.ensure_future(start(handler, b"PUT gone v"))
        await asyncio.sleep(0.05)
        assert handler._slots.used == 1 and len(cluster.router.order) == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The key stays claimed until the primary's outcome is known (its read timeout).
        await idle(handler, cluster)
    finally:
        topo.primaries[target].resume()
    assert await ask(handler, b"PUT gone w") == WRITTEN
    assert await ask(handler, b"GET gone") == b"OK gone w\r\n"
    await idle(handler, cluster)
