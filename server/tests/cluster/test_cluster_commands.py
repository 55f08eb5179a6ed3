"""The client commands through a real cluster with two primaries and a replica each."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from cluster_support import (
    Topology,
    node_client,
    start_topology,
    wait_until,
)


@pytest.fixture(scope="module", params=["uvloop", "asyncio"])
def topo(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest,
         ) -> Iterator[Topology]:
    """One topology per event loop, shared by this module's tests."""
    topology = start_topology(tmp_path_factory.mktemp("cluster"), loop=request.param)
    yield topology
    topology.stop()


async def test_put_get_del_round_trip(topo: Topology) -> None:
    c = await topo.client()
    assert await c.cmd("PUT greeting hello  world ") == b"OK key-value written"
    assert await c.cmd("GET greeting") == b"OK greeting hello  world "
    assert await c.cmd("DEL greeting") == b"OK key-value deleted"
    assert await c.cmd("GET greeting") == b"ERR key-value not found"
    assert await c.cmd("DEL greeting") == b"ERR key-value not found"
    assert await c.cmd("PUT empty") == b"OK key-value written"
    assert await c.cmd("GET empty") == b"OK empty "
    await c.close()


async def test_auth_is_required_and_checked(topo: Topology) -> None:
    c = await topo.client(auth=False)
    assert await c.cmd("PING") == b"OK PONG"
    assert await c.cmd("GET x") == b"ERR not authenticated"
    assert await c.cmd("STAT") == b"ERR not authenticated"
    assert await c.cmd("NOPE") == b"ERR not authenticated"
    bad = base64.b64encode(b"test-user\0wrong").decode()
    assert await c.cmd(f"AUTH {bad}") == b"ERR invalid credentials"
    assert await c.cmd("AUTH !!!") == b"ERR invalid credentials"
    good = base64.b64encode(b"test-user\\0test-pass").decode()
    assert await c.cmd(f"AUTH {good}") == b"OK authenticated"
    assert await c.cmd(f"AUTH {good}") == b"ERR already authenticated"
    assert await c.cmd("NOPE") == b"ERR unknown command"
    assert await c.cmd("QUIT") == b"OK see ya later"
    assert await c.reader.read() == b""
    await c.close()


async def test_malformed_commands_get_err_and_the_nodes_stay_up(topo: Topology) -> None:
    c = await topo.client()
    cases = [b"GET", b"PUT", b"DEL a b", b"INCR", b"INCR k abc", b"REGX (unclosed",
             b"REGX a 0", b"REGX a -1 5", b"GET a\x00b", b"PUT k \xff", b"VGET a",
             b"NAUTH x", b"VPUT 1 a b", b"STARTSYNC", b"PUT " + b"k" * 70000 + b" v",
             b"GET \x01", b"AUTH", b""]
    replies = await c.pipeline(cases)
    assert all(r.startswith(b"ERR ") for r in replies), replies
    assert await c.cmd("PUT still fine") == b"OK key-value written"
    for proc in topo.processes():
        assert proc.running, proc.log_tail()
    await c.close()


async def test_incr_and_decr_are_exact_and_carry_a_new_version(topo: Topology) -> None:
    c = await topo.client()
    assert await c.cmd("PUT counter 1.5") == b"OK key-value written"
    assert await c.cmd("INCR counter 1.1") == b"OK counter 2.6"
    assert await c.cmd("DECR counter 1.1") == b"OK counter 1.5"
    assert await c.cmd("INCR counter") == b"OK counter 2.5"
    assert await c.cmd("DECR counter -0.5") == b"OK counter 3"
    assert await c.cmd("PUT big 9223372036854775807") == b"OK key-value written"
    assert await c.cmd("INCR big") == b"OK big 9223372036854775808"
    assert await c.cmd("INCR missing") == b"ERR key-value not found"
    assert await c.cmd("PUT word abc") == b"OK key-value written"
    assert await c.cmd("INCR word") == b"ERR invalid value"
    assert await c.cmd("GET counter") == b"OK counter 3"
    await c.close()


async def test_regx_merges_shards_sorts_and_pages_globally(topo: Topology) -> None:
    c = await topo.client()
    keys = [f"rg:{i:02d}" for i in range(12)]
    assert set(await c.pipeline([f"PUT {k} v{k}".encode() for k in keys])) == {
        b"OK key-value written"}
    lines = await c.multi("REGX ^rg:")
    assert lines[0] == b"OK 12"
    assert lines[1:] == [f"{k} v{k}".encode() for k in keys]
    page = await c.multi("REGX ^rg: 5 3")
    assert page == [b"OK 3"] + [f"{k} v{k}".encode() for k in keys[5:8]]
    assert await c.multi("REGX ^nothing-here") == [b"OK 0"]
    assert await c.cmd("DEL rg:03") == b"OK key-value deleted"
    lines = await c.multi("REGX ^rg:0[0-4]")
    assert lines == [b"OK 4", b"rg:00 vrg:00", b"rg:01 vrg:01", b"rg:02 vrg:02",
                     b"rg:04 vrg:04"]
    await c.close()


async def test_pipelined_commands_take_effect_in_order(topo: Topology) -> None:
    c = await topo.client()
    lines = []
    expected = []
    for i in range(50):
        lines += [f"PUT pipe {i}".encode(), b"GET pipe", b"GET other-missing"]
        expected += [b"OK key-value written", f"OK pipe {i}".encode(),
                     b"ERR key-value not found"]
    lines += [b"DEL pipe", b"GET pipe", b"INCR n-pipe", b"PUT n-pipe 0", b"INCR n-pipe 2",
              b"GET n-pipe"]
    expected += [b"OK key-value deleted", b"ERR key-value not found",
                 b"ERR key-value not found", b"OK key-value written", b"OK n-pipe 2",
                 b"OK n-pipe 2"]
    assert await c.pipeline(lines) == expected
    await c.close()


async def test_puts_are_spread_over_the_primaries_by_round_robin(topo: Topology) -> None:
    c = await topo.client()
    before = await c.multi("STAT")
    seq = next(int(x.split()[1]) for x in before if x.startswith(b"\tcurrent_sequence"))
    await c.pipeline([f"PUT spread:{i} x".encode() for i in range(10)])
    after = await c.multi("STAT")
    assert next(int(x.split()[1]) for x in after if x.startswith(b"\tcurrent_sequence")) == \
        seq + 10
    for primary in topo.primaries:
        n = await node_client(primary)
        found = await n.multi("REGX ^spread:")
        assert found[0] == b"OK 5"
        await n.close()
    await c.close()


async def test_stat_lists_the_cluster_then_every_member_in_config_order(topo: Topology) -> None:
    c = await topo.client()
    lines = await c.multi("STAT")
    assert lines[0] == b"OK %d" % (len(lines) - 1)
    headers = [x for x in lines[1:] if not x.startswith(b"\t")]
    expected = [f"CLUSTER {topo.cluster.address}".encode()]  # type: ignore[union-attr]
    for p, reps in zip(topo.primaries, topo.replicas, strict=True):
        expected.append(f"PRIMARY {p.address}".encode())
        expected += [f"REPLICA {r.address}".encode() for r in reps]
    assert headers == expected
    body = set(lines)
    for name in (b"\tcurrent_sequence", b"\tclient_connection_count", b"\tops_per_sec",
                 b"\tmembers_up"):
        assert any(x.startswith(name + b" ") for x in body), name
    assert lines.count(b"\tstatus up") == 1 + len(topo.processes()) - 1
    await c.close()


async def test_a_stale_copy_loses_to_the_newer_version_and_is_repaired(topo: Topology) -> None:
    c = await topo.client()
    # A direct write on primary 0 (writer id 0, an older version), then a cluster write.
    n0 = await node_client(topo.primaries[0])
    n1 = await node_client(topo.primaries[1])
    assert await n0.cmd("VPUT 100 stale old") == b"OK key-value written"
    assert await n1.cmd("VPUT 200 stale new") == b"OK key-value written"
    assert await c.cmd("GET stale") == b"OK stale new"

    async def repaired() -> bool:
        return await n0.cmd("VGET stale") == b"OK D 200"


    await wait_until(repaired, 5, "the repair of the stale copy")
    # Repair is conditional: a newer write on the loser's node is never removed.
    assert await n0.cmd("VPUT 150 cond x") == b"OK key-value written"
    assert await n1.cmd("VPUT 300 cond y") == b"OK key-value written"
    assert await n0.cmd("VPUT 400 cond z") == b"OK key-value written"
    assert await c.cmd("GET cond") == b"OK cond z"
    await asyncio.sleep(0.2)
    assert await n0.cmd("VGET cond") == b"OK V 400 z"
    await n0.close()
    await n1.close()
    await c.close()


async def test_no_primaries_configured_means_no_primary_nodes_available(
    tmp_path: Path,
) -> None:
    topo = start_topology(tmp_path, primaries=0)
    try:
        c = await topo.client()
        for line in ("PUT a b", "GET a", "DEL a", "REGX a", "INCR n 1", "DECR n 1"):
            assert await c.cmd(line) == b"ERR no primary nodes available", line
        await c.close()
    finally:
        topo.stop()



async def test_a_put_too_long_for_the_internal_line_is_refused_without_harm(
    tmp_path: Path,
) -> None:
    topo = start_topology(tmp_path, primaries=1, replicas=0,
                          cluster_server={"max-line-bytes": 1024},
                          node_extra={"server-config": {"max-line-bytes": 1024}})
    try:
        c = await topo.client()
        fits = "PUT k " + "v" * (1024 - 6)
        reply = await c.cmd(fits)
        assert reply.startswith(b"ERR invalid input: PUT too long once versioned")
        assert await c.cmd("PUT k small") == b"OK key-value written"
        assert await c.cmd("GET k") == b"OK k small"
        await c.close()
    finally:
        topo.stop()
