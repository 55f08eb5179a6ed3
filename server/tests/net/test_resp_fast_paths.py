"""The RESP fast paths for GET and SET give exactly what the general path gives.

The adapter tries :func:`fast_get` / :func:`fast_set` before :func:`translate`, and encodes
their replies with :func:`value_reply` / :func:`ok_reply` instead of :func:`encode_reply`. For
any argument list and any native reply bytes, the two routes must agree byte for byte.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from supermassive.net.resp_reply import OK, VALUE, encode_reply, ok_reply, value_reply
from supermassive.net.resp_translate import fast_get, fast_set, translate

special = st.sampled_from([b"", b"k", b"key:000000000001", b"a b", b"a\r", b"\n", b"a\x00",
                           b"caf\xc3\xa9", b"\xff\xfe", b"\t", b"x" * 300])
arg = st.one_of(special, st.binary(max_size=10))
name = st.sampled_from([b"GET", b"get", b"Get", b"SET", b"set", b"sEt", b"PUT", b"DEL", b""])
natives = st.one_of(
    st.builds(lambda k, v, end: b"OK " + k + b" " + v + end, arg, arg,
              st.sampled_from([b"\r\n", b"\n", b"", b"\r\r\n", b"\n\r\n"])),
    st.sampled_from([b"OK\r\n", b"OK", b"OK k\r\n", b"OK \r\n", b"OK  \r\n",
                     b"ERR key-value not found\r\n", b"ERR key-value not found",
                     b"ERR not authenticated\r\n", b"NOPE\r\n", b"",
                     b"\r\n", b"O\n", b"OK k v\r\r\n"]),
    st.binary(max_size=16),
)


@given(name, st.lists(arg, max_size=3))
def test_fast_get_and_set_translate_as_the_general_path(command: bytes, rest: list[bytes]) -> None:
    args = [command, *rest]
    general = translate(args)
    get_line, set_line = fast_get(args), fast_set(args)
    assert get_line is None or set_line is None
    if get_line is not None:
        assert general == ([get_line], VALUE)
    if set_line is not None:
        assert general == ([set_line], OK)


@given(natives)
def test_fast_encoders_give_the_general_encoders_bytes(native: bytes) -> None:
    assert value_reply(native) == encode_reply(VALUE, native)
    assert ok_reply(native) == encode_reply(OK, native)


def test_fast_paths_take_the_common_requests() -> None:
    assert fast_get([b"GET", b"key:1"]) == b"GET key:1"
    assert fast_get([b"get", b"k"]) == b"GET k"
    assert fast_set([b"SET", b"key:1", b"a value"]) == b"PUT key:1 a value"
    assert fast_set([b"set", b"k", b""]) == b"PUT k "
    assert value_reply(b"OK key:1 some value\r\n") == b"$10\r\nsome value\r\n"
    assert value_reply(b"OK k \r\n") == b"$0\r\n\r\n"
    assert ok_reply(b"OK\r\n") == b"+OK\r\n"


def test_fast_paths_leave_everything_else_to_the_general_path() -> None:
    assert fast_get([b"GET", b"a b"]) is None
    assert fast_get([b"GET"]) is None
    assert fast_get([b"GeT", b"k"]) is None
    assert fast_set([b"SET", b"k", b"v\r"]) is None
    assert fast_set([b"SET", b"k", b"v", b"EX", b"10"]) is None
    assert value_reply(b"ERR key-value not found\r\n") == b"$-1\r\n"
