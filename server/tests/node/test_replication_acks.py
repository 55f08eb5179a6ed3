"""Acks on request: a replica that offered ``rack`` answers records only when they fail, and
answers ``RACK`` with its position; a primary that never sends ``RACK`` gets one ack per record.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from node_support import replica_handler, wait_until

from smclient.testing import free_port
from supermassive.net.server import Session
from supermassive.roles.replica import ReplicaHandler

HISTORY = b"0123456789abcdef" * 2


def _internal_session() -> Session:
    session = Session("primary")
    session.authenticated = session.internal = True
    return session


@pytest.fixture
def replica(tmp_path: Path) -> Iterator[ReplicaHandler]:
    handler = replica_handler(tmp_path)
    yield handler
    asyncio.run(handler.store.close())


def test_syncfrom_offers_acks_on_request(replica: ReplicaHandler) -> None:
    reply = replica.handle(_internal_session(), b"STARTSYNC")
    assert isinstance(reply, bytes) and reply.split()[0::3] == [b"SYNCFROM", b"rack"], reply


def test_records_are_acked_one_by_one_until_the_primary_asks_with_rack(
        replica: ReplicaHandler) -> None:
    session = _internal_session()
    replica.handle(session, b"STARTSYNC")
    assert replica.handle(session, b"RSET 1 5 a x") == b"OK 1\r\n"
    assert replica.handle(session, b"RDEL 2 6 a") == b"OK 2\r\n"
    assert replica.handle(session, b"RACK") == b"OK 2\r\n"
    assert replica.handle(session, b"RSET 3 7 b y") == b""
    assert replica.handle(session, b"RSET 4 8 b \xc3\xa9") == b""  # the general path
    assert replica.handle(session, b"RDEL 5 9 b") == b""
    assert replica.handle(session, b"RACK") == b"OK 5\r\n"
    assert replica.store.position == 5
    assert replica.store.keyspace.get(b"a") is None and replica.store.keyspace.get(b"b") is None


def test_a_bad_record_is_still_answered_after_rack(replica: ReplicaHandler) -> None:
    session = _internal_session()
    assert replica.handle(session, b"RACK") == b"OK -1\r\n"
    for line in (b"RSET 1 x k v", b"RDEL 1 1", b"RACK extra"):
        reply = replica.handle(session, line)
        assert isinstance(reply, bytes) and reply.startswith(b"ERR "), (line, reply)


def test_startsync_returns_the_link_to_acks_per_record(replica: ReplicaHandler) -> None:
    session = _internal_session()
    assert replica.handle(session, b"RACK") == b"OK -1\r\n"
    assert replica.handle(session, b"RSET 1 1 k v") == b""
    replica.handle(session, b"STARTSYNC")
    assert replica.handle(session, b"RSET 2 2 k w") == b"OK 2\r\n"


def test_rack_from_a_client_is_refused(replica: ReplicaHandler) -> None:
    session = Session("client")
    session.authenticated = True
    reply = replica.handle(session, b"RACK")
    assert isinstance(reply, bytes) and reply.startswith(b"ERR read only"), reply


def test_a_snapshot_after_rack_stages_quietly_and_acks_its_end(replica: ReplicaHandler) -> None:
    session = _internal_session()
    replica.handle(session, b"RACK")
    assert replica.handle(session, b"RSNAP 7 " + HISTORY) == b"OK 7\r\n"
    assert replica.handle(session, b"RSET 7 3 k v") == b""
    assert replica.handle(session, b"RDEL 7 4 gone") == b""
    assert replica.store.keyspace.get(b"k") is None  # staged, not served yet
    assert replica.handle(session, b"RSNAPEND 7") == b"OK 7\r\n"
    assert replica.store.keyspace.get(b"k") == b"v"
    assert replica.handle(session, b"RACK") == b"OK 7\r\n"


numbers = st.sampled_from([b"1", b"2", b"9", b"x", b"-1", b"0", b"9" * 20])
fields = st.one_of(st.sampled_from([b"k", b"a\tb", b"\xff", b"", b"caf\xc3\xa9", b"n\x00"]),
                   st.binary(max_size=6))


@st.composite
def records(draw: st.DrawFn) -> bytes:
    name = draw(st.sampled_from([b"RSET", b"RDEL", b"RACK"]))
    if name == b"RACK":
        return name
    words = [draw(numbers), draw(numbers), draw(fields)]
    if name == b"RSET" or draw(st.booleans()):
        words.append(draw(fields))
    return b" ".join([name, *words])


def _outcome(handle: Any, session: Session, line: bytes) -> object:
    """The reply, or the exception type (the connection turns it into ``ERR internal``)."""
    try:
        return handle(session, line)
    except Exception as exc:  # compared, not hidden
        return type(exc)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=st.lists(records(), max_size=10))
def test_after_rack_the_fast_path_answers_like_the_general_path(
        pairs: dict[str, tuple[Any, Any]], script: list[bytes]) -> None:
    fast, general = pairs["replica"]
    fast_session, general_session = _internal_session(), _internal_session()
    assert fast.handle(fast_session, b"RACK") == general.handle_general(general_session, b"RACK")
    for line in script:
        assert _outcome(fast.handle, fast_session, line) == _outcome(
            general.handle_general, general_session, line)
    assert fast.store.position == general.store.position
    assert sorted(fast.store.keyspace.items()) == sorted(general.store.keyspace.items())


def _replica_figures(client: Any) -> tuple[int, dict[str, str]]:
    reply = client.call("STAT")
    figures = dict(line.decode().strip().split(" ", 1) for line in reply[2:] if b" " in line)
    return int(figures["journal_position"]), {
        name.rpartition(".")[2]: value for name, value in figures.items()
        if name.startswith("replica.")}


@pytest.mark.parametrize("journal_sync", ["everysec", "always"])
def test_stat_shows_the_replica_acked_up_to_the_last_write(loop_procs: Any, connect: Any,
                                                           journal_sync: str) -> None:
    """Records no longer carry acks, yet the position the replica acked reaches the last
    record (a lone RACK follows records sent without one), also when the replica answers
    RACK only after its fsync; with uvloop and with plain asyncio."""
    rport = free_port()
    node = loop_procs.node(replicas=[f"127.0.0.1:{rport}"])
    loop_procs.replica(port=rport, journal_sync=journal_sync)
    c = connect(node)
    for round_ in range(3):
        for i in range(40):
            c.line(f"PUT k{i} r{round_}")
        c.line(f"DEL k{round_}")

        def caught_up() -> bool:
            position, replica = _replica_figures(c)
            return replica.get("status") == "up" and replica.get("lag_records") == "0" \
                and replica.get("acked_position") == str(position)
        assert wait_until(caught_up), _replica_figures(c)
    assert "replica error" not in node.log_tail(100)


def test_a_primary_that_never_sends_rack_gets_an_ack_per_record(procs: Any,
                                                                 connect: Any) -> None:
    """An older primary (no RACK) reads one ``OK <position>`` per record, as before."""
    replica = procs.replica()
    link = connect(replica)
    assert link.line("STARTSYNC").split()[0::3] == ["SYNCFROM", "rack"]
    link.send(b"RSET 1 1 a x\r\nRDEL 2 2 a\r\nRSET 3 3 b y\r\nDONESYNC\r\n")
    assert link.read_until(b"OK synced\r\n") == b"OK 1\r\nOK 2\r\nOK 3\r\nOK synced\r\n"
    link.send(b"RACK\r\nRSET 4 4 c z\r\nRSET 5 5 d w\r\nRACK\r\n")
    assert link.read_until(b"OK 5\r\n") == b"OK 3\r\nOK 5\r\n"
    assert connect(replica).line("GET d") == "OK d w"


def test_a_paused_replica_is_cut_at_the_backlog_and_caught_up_after(procs: Any,
                                                                    connect: Any) -> None:
    """Acks no longer follow each record, and the backlog limit does not depend on them: a
    replica that stops reading is disconnected once the stream it has not taken exceeds
    ``replication-backlog-bytes``, and caught up exactly once it reads again."""
    rport = free_port()
    node = procs.node(replicas=[f"127.0.0.1:{rport}"], **{"replication-backlog-bytes": 65536})
    replica = procs.replica(port=rport)
    c = connect(node)
    c.line("PUT first 1")
    assert wait_until(lambda: _replica_figures(c)[1].get("lag_records") == "0")
    replica.pause()
    try:
        value = "v" * 60_000
        for i in range(600):  # 36 MB: more than the kernel's socket buffers take
            c.line(f"PUT big{i % 50} {i}{value}")
            if i % 50 == 49 and "bytes behind: disconnecting" in node.log_tail(200):
                break
        assert "bytes behind: disconnecting" in node.log_tail(200)
        c.line("PUT last done")
    finally:
        replica.resume()

    def caught_up() -> bool:
        position, figures = _replica_figures(c)
        return figures.get("status") == "up" and figures.get("acked_position") == str(position)
    assert wait_until(caught_up), _replica_figures(c)
    r = connect(replica)
    assert r.line("GET last") == "OK last done"
    assert r.call("GET big7") == c.call("GET big7")
