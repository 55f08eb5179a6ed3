"""Replicas receive all existing data, exactly what they missed, and snapshots when needed."""

from __future__ import annotations

import random
import time

from smclient.testing import client_block, free_port


def wait_until(predicate, timeout_s=20.0, interval_s=0.05):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return predicate()


def dump(client):
    reply = client.call("VREGX .*")
    assert isinstance(reply, list), reply
    return sorted(reply[1:])


def test_fresh_replica_receives_existing_data(procs, connect):
    rport = free_port()
    node = procs.node(replicas=[f"127.0.0.1:{rport}"])
    c = connect(node)
    for i in range(100):
        c.line(f"PUT hello{i} world{i}")
    replica = procs.replica(port=rport)
    r = connect(replica)
    assert wait_until(lambda: r.line("GET hello99") == "OK hello99 world99")
    assert dump(r) == dump(c)


def test_replica_of_an_empty_primary_syncs_and_then_streams(procs, connect):
    rport = free_port()
    node = procs.node(replicas=[f"127.0.0.1:{rport}"])
    replica = procs.replica(port=rport)
    c = connect(node)
    r = connect(replica)

    def synced() -> bool:
        stat = r.call("STAT")
        return isinstance(stat, list) and b"\tsynced true" in stat

    assert wait_until(synced)
    c.line("PUT later v")
    assert wait_until(lambda: r.line("GET later") == "OK later v")
    assert "replica error" not in node.log_tail(100)


def test_replica_refuses_client_writes(procs, connect):
    replica = procs.replica()
    r = connect(replica)
    assert r.line("PUT k v").startswith("ERR read only")


def test_replica_killed_during_writes_catches_up_exactly(procs, connect):
    rport = free_port()
    node = procs.node(replicas=[f"127.0.0.1:{rport}"])
    replica = procs.replica(port=rport)
    c = connect(node)
    rng = random.Random(7)
    for i in range(1000):
        key = f"k{rng.randrange(200)}"
        op = rng.random()
        if op < 0.6:
            c.line(f"PUT {key} v{i}")
        elif op < 0.8:
            c.line(f"DEL {key}")
        else:
            if c.line(f"INCR {key}") == "ERR key-value not found":
                c.line(f"PUT {key} {i}")
        if i == 400:
            replica.kill()
    replica.start()
    r = connect(replica)
    assert wait_until(lambda: dump(r) == dump(c)), "replica diverged from its primary"


def test_replica_added_with_rcnf_receives_everything(procs, connect):
    node = procs.node()
    c = connect(node)
    for i in range(50):
        c.line(f"PUT a{i} {i}")
    replica = procs.replica()
    node.config["read-replicas"] = [client_block(replica.address)]
    node.write_config()
    assert c.line("RCNF") == "OK configs reloaded"
    r = connect(replica)
    assert wait_until(lambda: dump(r) == dump(c))
    c.line("PUT a50 live")
    assert wait_until(lambda: r.line("GET a50") == "OK a50 live")


def test_compacted_primary_sends_a_snapshot(procs, connect):
    rport = free_port()
    node = procs.node(replicas=[f"127.0.0.1:{rport}"],
                      **{"journal-compaction-min-bytes": 0, "journal-compaction-factor": 1.1})
    replica = procs.replica(port=rport)
    c = connect(node)
    r = connect(replica)
    c.line("PUT first 1")
    assert wait_until(lambda: r.line("GET first") == "OK first 1")
    replica.kill()
    for round_ in range(5):
        for i in range(50):
            c.line(f"PUT x{i} {round_}")
        time.sleep(1.2)  # let the once-a-second compaction check run
    replica.start()
    r2 = connect(replica)
    assert wait_until(lambda: dump(r2) == dump(c))
    assert "snapshot" in node.log_tail(200)


def test_primary_writes_do_not_wait_for_a_down_replica(procs, connect):
    node = procs.node(replicas=[f"127.0.0.1:{free_port()}"])
    c = connect(node)
    for i in range(200):
        assert c.line(f"PUT d{i} v") == "OK key-value written"
