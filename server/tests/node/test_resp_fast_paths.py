"""The roles' RESP hooks (``resp_fast``: GET/SET straight to the store) answer exactly as the
general RESP path does: translate to native lines, ``handle_general`` each, encode the reply.

Two handlers over two stores with the same fake wall clock receive the same argument lists:
one through the hook (falling back to the general path when it declines, as the adapter
does), one through the general path only. Replies, keyspaces, journal positions and command
counters must match, whatever the bytes, the session (authenticated or not) and the memory
flag.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smclient.protocol.commands import Role
from supermassive.net.resp import RespErrorReply, encode_reply, translate
from supermassive.net.server import Session
from supermassive.roles.data import DataHandler
from supermassive.roles.node import NodeHandler

ROLES = {"node": Role.NODE, "replica": Role.REPLICA}

args_bytes = st.one_of(
    st.sampled_from([b"k", b"key:000000000001", b"K2", b"caf\xc3\xa9", b"a\tb", b"a\x7f", b"",
                     b"a b", b"a\r", b"\n", b"a\x00", b"\xff\xfe", b"x" * 70_000, b"xxx",
                     b"two words", b"~!"]),
    st.binary(max_size=10),
)
names = st.sampled_from([b"GET", b"get", b"Get", b"SET", b"set", b"sEt", b"DEL", b"PING"])


def _general_reply(handler: DataHandler, session: Session, args: list[bytes],
                   role: Role) -> object:
    result = translate(args, role)
    if isinstance(result, RespErrorReply):
        return result.data
    lines, shape = result
    natives = []
    for line in lines:
        handler.counters.ops += 1  # handle() counts every line; handle_general does not
        natives.append(handler.handle_general(session, line))
    return encode_reply(shape, natives[0] if len(lines) == 1 else natives)  # type: ignore[arg-type]


def _fast_reply(handler: DataHandler, session: Session, args: list[bytes], role: Role) -> object:
    hook = handler.resp_fast.get(args[0])
    if hook is not None:
        reply = hook(session, args)
        if reply is not None:
            return reply
    return _general_reply(handler, session, args, role)


def _session(authenticated: bool) -> Session:
    session = Session("test")
    session.authenticated = session.internal = authenticated
    return session


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=st.lists(st.tuples(names, st.lists(args_bytes, max_size=3)), max_size=12),
       role=st.sampled_from(["node", "replica"]), authenticated=st.booleans(),
       over_memory=st.booleans())
def test_resp_hooks_answer_like_the_general_path(
        pairs: dict[str, tuple[DataHandler, DataHandler]], script: list[tuple[bytes, list[bytes]]],
        role: str, authenticated: bool, over_memory: bool) -> None:
    fast, general = pairs[role]
    for handler in (fast, general):
        if isinstance(handler, NodeHandler):
            handler.over_memory = over_memory
    fast_session, general_session = _session(authenticated), _session(authenticated)
    for name, rest in script:
        args = [name, *rest]
        assert _fast_reply(fast, fast_session, args, ROLES[role]) == _general_reply(
            general, general_session, args, ROLES[role])
    assert sorted(fast.store.keyspace.items()) == sorted(general.store.keyspace.items())
    assert fast.store.position == general.store.position
    assert fast.counters.ops == general.counters.ops


def test_the_hooks_take_the_common_requests(
        pairs: dict[str, tuple[DataHandler, DataHandler]]) -> None:
    node, _ = pairs["node"]
    session = _session(True)
    assert node.resp_fast[b"SET"](session, [b"SET", b"key:1", b"xxx"]) == b"+OK\r\n"
    assert node.resp_fast[b"GET"](session, [b"GET", b"key:1"]) == b"$3\r\nxxx\r\n"
    assert node.resp_fast[b"get"](session, [b"get", b"key:2"]) == b"$-1\r\n"
    assert node.resp_fast[b"SET"](session, [b"SET", b"a b", b"x"]) is None
    assert node.resp_fast[b"GET"](_session(False), [b"GET", b"key:1"]) is None


def test_set_declines_under_journal_sync_always(
        pairs: dict[str, tuple[DataHandler, DataHandler]]) -> None:
    node, _ = pairs["node"]
    assert isinstance(node, NodeHandler)
    node._sync_always = True  # the general path then answers after the group-commit fsync
    assert node.resp_fast[b"SET"](_session(True), [b"SET", b"k", b"v"]) is None
    assert node.store.keyspace.get(b"k") is None
