"""Round robin, STAT assembly, membership diffs and per-key ordering."""

from __future__ import annotations

import asyncio
from pathlib import Path

from supermassive.cluster.keyorder import KeyOrder
from supermassive.cluster.membership import diff, members_of, problem
from supermassive.cluster.rotation import RoundRobin
from supermassive.cluster.stat import assemble, member_lines
from supermassive.config import ShardConfig, parse_config


def test_round_robin_starts_one_further_each_time_and_skips_unusable() -> None:
    rr = RoundRobin()
    members = ["a", "b", "c"]
    assert rr.order(members, lambda m: True) == ["a", "b", "c"]
    assert rr.order(members, lambda m: True) == ["b", "c", "a"]
    assert rr.order(members, lambda m: m != "c") == ["a", "b"]
    assert rr.sequence == 3
    assert rr.order([], lambda m: True) == []


def test_stat_drops_member_headers_and_shows_down_members() -> None:
    node = [b"OK 3", b"PRIMARY 1.2.3.4:1", b"\tstatus up", b"\tkeys 3"]
    reply = assemble("c:0", [("current_sequence", 4)], [
        ("PRIMARY", "p:1", node), ("REPLICA", "r:2", None), ("REPLICA", "r:3", b"refused"),
    ])
    lines = reply.split(b"\r\n")
    assert lines[0] == b"OK %d" % (len(lines) - 2) and lines[-1] == b""
    assert lines[1:-1] == [
        b"CLUSTER c:0", b"\tcurrent_sequence 4", b"PRIMARY p:1", b"\tstatus up", b"\tkeys 3",
        b"REPLICA r:2", b"\tstatus down", b"REPLICA r:3", b"\tstatus down",
        b"\treason refused",
    ]
    assert member_lines(None) == [b"\tstatus down"]


def _shards(text: str) -> tuple[ShardConfig, ...]:
    return parse_config("cluster", Path("/x/.cluster"), text).node_configs


BASE = """
node-configs:
  - node: {server-address: "h:1"}
    replicas: [{server-address: "h:2"}]
  - node: {server-address: "h:3"}
"""


def test_membership_diff_adds_removes_and_sees_replica_changes() -> None:
    old = members_of(_shards(BASE))
    new = _shards("""
node-configs:
  - node: {server-address: "h:1"}
    replicas: [{server-address: "h:4"}]
  - node: {server-address: "h:3", read-timeout: 1}
  - node: {server-address: "h:5"}
""")
    change = diff(old, new)
    assert change.keep == (("primary", "h:1"),)
    assert [k for k, _ in change.add] == [
        ("replica", "h:4"), ("primary", "h:3"), ("primary", "h:5")]
    assert set(change.remove) == {("replica", "h:2"), ("primary", "h:3")}
    assert diff(old, _shards(BASE)).empty


def test_an_address_listed_twice_is_a_problem() -> None:
    assert problem(_shards(BASE)) is None
    dup = _shards('node-configs: [{node: {server-address: "h:1"}, '
                  'replicas: [{server-address: "h:1"}]}]')
    assert "h:1" in (problem(dup) or "")


async def test_writes_to_one_key_run_in_arrival_order_other_keys_do_not_wait() -> None:
    order = KeyOrder()
    log: list[str] = []
    gate = asyncio.Event()

    async def write(key: bytes, name: str, wait: bool) -> None:
        async with order.hold(key):
            if wait:
                await gate.wait()
            log.append(name)

    first = asyncio.create_task(write(b"k", "k1", True))
    second = asyncio.create_task(write(b"k", "k2", False))
    other = asyncio.create_task(write(b"j", "j1", False))
    await asyncio.wait_for(other, 5)
    assert log == ["j1"]
    gate.set()
    await asyncio.wait_for(asyncio.gather(first, second), 5)
    assert log == ["j1", "k1", "k2"]
    assert len(order) == 0


async def test_a_cancelled_waiter_keeps_later_writes_behind_the_earlier_one() -> None:
    order = KeyOrder()
    log: list[str] = []
    gate = asyncio.Event()

    async def write(name: str, wait: bool) -> None:
        async with order.hold(b"k"):
            if wait:
                await gate.wait()
            log.append(name)

    first = asyncio.create_task(write("a", True))
    await asyncio.sleep(0)
    middle = asyncio.create_task(write("b", False))
    await asyncio.sleep(0)
    last = asyncio.create_task(write("c", False))
    await asyncio.sleep(0)
    middle.cancel()
    await asyncio.sleep(0.01)
    assert log == []
    gate.set()
    await asyncio.wait_for(asyncio.gather(first, last), 5)
    assert log == ["a", "c"]
