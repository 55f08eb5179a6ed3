"""Random byte streams, split at random points, never crash, hang or desynchronise a node."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smclient.testing import RawClient

WORDS = [b"PUT", b"GET", b"DEL", b"INCR", b"DECR", b"REGX", b"STAT", b"PING", b"NAUTH",
         b"VPUT", b"VGET", b"VDEL", b"VINCR", b"VREPAIR", b"VREGX", b"RCNF", b"put", b"k",
         b"1", b"-1", b"1.5", b"[", b".*", b"\x00", b"\xff", b" ", b"  ", b"\t", b"\r\n", b"\n",
         b"99999999999999999999999", b"RSET", b"STARTSYNC"]

fragments = st.lists(st.one_of(st.sampled_from(WORDS), st.binary(max_size=12)), max_size=40)


@pytest.fixture(scope="module")
def fuzz_node(module_procs):
    return module_procs.node()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunks=fragments, cuts=st.lists(st.integers(0, 400), max_size=6))
def test_random_streams_leave_node_responsive(fuzz_node, chunks, cuts):
    data = b"".join(chunks).replace(b"QUIT", b"QUIX")
    with RawClient(fuzz_node.host, fuzz_node.port, timeout_s=10) as c:
        c.nauth()
        c.send_split(data, cuts)
        marker = b"fuzz-end-marker"
        c.send(b"\r\nPUT " + marker + b" done\r\nGET " + marker + b"\r\n")
        c.read_until(b"OK " + marker + b" done")
    assert fuzz_node.running
