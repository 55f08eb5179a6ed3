"""Random byte streams, split at random points, never crash, hang or desynchronise the cluster
(or the nodes behind it)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smclient.testing import RawClient
from smclient.testing.topology import start_topology

WORDS = [b"PUT", b"GET", b"DEL", b"INCR", b"DECR", b"REGX", b"STAT", b"PING", b"AUTH",
         b"VPUT", b"VGET", b"NAUTH", b"UPINCR", b"RCNF", b"put", b"k", b"1", b"-1", b"1.5",
         b"[", b".*", b"(a*)*b", b"\x00", b"\xff", b" ", b"  ", b"\t", b"\r\n", b"\n",
         b"99999999999999999999999", b"0 10", b"1e5"]

fragments = st.lists(st.one_of(st.sampled_from(WORDS), st.binary(max_size=12)), max_size=40)


@pytest.fixture(scope="module")
def topo(tmp_path_factory):
    t = start_topology(tmp_path_factory.mktemp("fuzz"), primaries=2, cluster=True)
    yield t
    t.stop()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunks=fragments, cuts=st.lists(st.integers(0, 400), max_size=6))
def test_random_streams_leave_the_cluster_and_nodes_responsive(topo, chunks, cuts):
    data = b"".join(chunks).replace(b"QUIT", b"QUIX").replace(b"quit", b"quix")
    entry = topo.entry
    with RawClient(entry.host, entry.port, timeout_s=15) as c:
        c.send(b"PING\r\n")  # a native connection (a first "*" would make it RESP)
        c.send_split(data, cuts)
        marker = b"fuzz-end-marker"
        c.send(b"\r\nPUT " + marker + b" done\r\nGET " + marker + b"\r\n")
        c.read_until(b"OK " + marker + b" done")
    assert all(p.running for p in topo.processes)
