"""The handlers' fast paths answer exactly as the general path does (docs/internals/performance.md).

Two handlers over two stores with the same fake wall clock receive the same lines: one through
``handle`` (fast paths first), one through ``handle_general`` (every rule, in order). Replies and
final keyspaces must match, whatever the bytes: control characters, NUL, spaces, non-ASCII,
invalid UTF-8, case, arity.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from node_support import node_handler

from supermassive.net.server import Session
from supermassive.roles.data import DataHandler
from supermassive.roles.node import NodeHandler

key_bytes = st.one_of(
    st.sampled_from([b"k", b"key:000000000001", b"K2", b"caf\xc3\xa9", b"a\tb", b"a\x7f",
                     b"", b"a\x00", b"\xff\xfe", b"x" * 70_000]),
    st.binary(max_size=12),
)
value_bytes = st.one_of(st.sampled_from([b"", b"v", b"two words", b"\xc3\xa9t\xc3\xa9",
                                         b"\xff", b"nul\x00"]), st.binary(max_size=12))
names = st.sampled_from([b"GET", b"PUT", b"get", b"Put", b"RSET", b"DEL", b"VGET", b"vget",
                         b"VPUT", b"NOPE", b"VDEL", b"vdel", b"VREPAIR", b"Vrepair"])
numbers = st.sampled_from([b"1", b"2", b"17", b"x", b"-1", b"9" * 20, b"0", b"7" * 19,
                           b"9223372036854775807", b"9223372036854775808", b"9" * 19])
"""Versions: valid, malformed, and well-formed but out of range (0, above 2**63-1)."""


@st.composite
def lines(draw: st.DrawFn) -> bytes:
    name = draw(names)
    shape = draw(st.integers(0, 4))
    if shape == 0:
        return name
    if shape == 1:
        return name + b" " + draw(key_bytes)
    if name == b"RSET":
        return b" ".join([name, draw(numbers), draw(numbers), draw(key_bytes), draw(value_bytes)])
    if name == b"VPUT":
        return b" ".join([name, draw(numbers), draw(key_bytes), draw(value_bytes)])
    if name.upper() == b"VDEL":
        if draw(st.booleans()):
            return b" ".join([name, draw(numbers), draw(key_bytes)])
        return b" ".join([name, draw(numbers), draw(key_bytes), draw(value_bytes)])
    if name.upper() == b"VREPAIR":
        if draw(st.booleans()):
            return b" ".join([name, draw(key_bytes), draw(numbers), draw(numbers)])
        return name + b" " + draw(key_bytes) + b" " + draw(value_bytes)
    return name + b" " + draw(key_bytes) + b" " + draw(value_bytes)


def _contents(handler: DataHandler) -> list[tuple[bytes, bytes | None, int]]:
    return sorted(handler.store.keyspace.items())


def _outcome(handle: Any, session: Session, line: bytes) -> object:
    """The reply, or the exception type (the connection turns it into ``ERR internal``)."""
    try:
        return handle(session, line)
    except Exception as exc:  # compared, not hidden
        return type(exc)


def _session(internal: bool) -> Session:
    session = Session("test")
    session.authenticated = True
    session.internal = internal
    return session


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=st.lists(lines(), max_size=12), role=st.sampled_from(["node", "replica"]),
       internal=st.booleans())
def test_fast_paths_answer_like_the_general_path(
        pairs: dict[str, tuple[DataHandler, DataHandler]], script: list[bytes], role: str,
        internal: bool) -> None:
    fast, general = pairs[role]
    fast_session, general_session = _session(internal), _session(internal)
    for line in script:
        assert _outcome(fast.handle, fast_session, line) == _outcome(
            general.handle_general, general_session, line)
    assert _contents(fast) == _contents(general)
    assert fast.store.position == general.store.position
    assert fast.store.keyspace.data_bytes == general.store.keyspace.data_bytes


def test_a_stored_key_is_read_by_the_fast_path_and_a_missing_one_by_the_general_path(
        pairs: dict[str, tuple[DataHandler, DataHandler]]) -> None:
    node, _ = pairs["node"]
    session = _session(True)
    assert node.handle(session, b"PUT key:1 hello world") == b"OK key-value written\r\n"
    assert node.handle(session, b"GET key:1") == b"OK key:1 hello world\r\n"
    assert node.handle(session, b"GET key:2") == b"ERR key-value not found\r\n"
    assert node.handle(session, b"GET a\tb").startswith(b"ERR invalid input")


def test_unauthenticated_sessions_never_take_a_fast_path(
        pairs: dict[str, tuple[DataHandler, DataHandler]]) -> None:
    node, _ = pairs["node"]
    assert node.handle(_session(True), b"PUT k v") == b"OK key-value written\r\n"
    anonymous = Session("test")
    assert node.handle(anonymous, b"GET k") == b"ERR not authenticated\r\n"
    assert node.handle(anonymous, b"PUT k w") == b"ERR not authenticated\r\n"
    assert node.store.keyspace.get(b"k") == b"v"


def test_over_memory_refuses_puts_on_the_fast_path_too(
        pairs: dict[str, tuple[DataHandler, DataHandler]]) -> None:
    node, _ = pairs["node"]
    assert isinstance(node, NodeHandler)
    session = _session(True)
    node.handle(session, b"PUT k v")
    node.over_memory = True
    assert node.handle(session, b"PUT k w") == b"ERR out of memory\r\n"
    assert node.handle(session, b"GET k") == b"OK k v\r\n"


def _key_error_by_the_rules(key: bytes) -> bytes | None:
    if not key:
        return b"ERR invalid input: empty key\r\n"
    if len(key) > 64 * 1024:
        return b"ERR invalid input: key longer than 65536 bytes\r\n"
    if any(byte <= 0x20 or byte == 0x7F for byte in key):
        return b"ERR invalid input: key contains a space or control character\r\n"
    return None


@given(st.one_of(key_bytes, st.binary(max_size=40),
                 st.text(max_size=20).map(lambda text: text.encode())))
def test_key_error_fast_proof_agrees_with_the_rules(key: bytes) -> None:
    from supermassive.roles.data import key_error

    assert key_error(key) == _key_error_by_the_rules(key)


def test_the_clusters_delete_and_read_repair_take_the_fast_path_with_the_same_replies(
        pairs: dict[str, tuple[DataHandler, DataHandler]]) -> None:
    node, general = pairs["node"]
    session = _session(True)
    script = [b"VPUT 5 k v", b"VREPAIR k 4 9", b"VREPAIR k 5 9", b"VREPAIR k 5 11",
              b"VPUT 20 k w", b"VDEL 19 k", b"VDEL 21 k", b"VDEL 22 k", b"VDEL 23 missing",
              b"VDEL 24 a\tb", b"VREPAIR a\tb 1 2", b"VDEL 25 k extra", b"VREPAIR k 1"]
    replies = [node.handle(session, line) for line in script]
    assert replies == [general.handle_general(_session(True), line) for line in script]
    assert replies[1:4] == [b"OK unchanged\r\n", b"OK repaired\r\n", b"OK unchanged\r\n"]
    assert replies[5:9] == [b"ERR key-value not found\r\n", b"OK key-value deleted\r\n",
                            b"ERR key-value not found\r\n", b"ERR key-value not found\r\n"]
    assert node.fast[b"VDEL"] == node.fast_vdel  # type: ignore[attr-defined]
    assert _contents(node) == _contents(general)


@pytest.mark.parametrize("line", [b"VPUT 9300000000000000000 k v", b"VDEL 9300000000000000000 k",
                                  b"VINCR 9300000000000000000 0 k 1",
                                  b"VREPAIR k 1 9300000000000000000"])
def test_a_version_beyond_the_clock_is_refused_and_leaves_the_clock_usable(
        tmp_path: Path, line: bytes) -> None:
    handler = node_handler(tmp_path)
    session = _session(internal=True)
    assert handler.handle(session, line) == b"ERR invalid input: bad version\r\n"
    assert handler.handle(session, b"PUT k v") == b"OK key-value written\r\n"
    assert handler.handle(session, b"GET k") == b"OK k v\r\n"
