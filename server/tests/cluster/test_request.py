"""Validation of client lines at the cluster: nothing malformed reaches a node."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supermassive.cluster.request import Request, parse_request


def parsed(line: bytes, authenticated: bool = True) -> Request | bytes:
    return parse_request(line, authenticated)


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        (b"GET", b"ERR wrong number of arguments for 'GET'\r\n"),
        (b"GET a b", b"ERR wrong number of arguments for 'GET'\r\n"),
        (b"DEL", b"ERR wrong number of arguments for 'DEL'\r\n"),
        (b"PUT", b"ERR wrong number of arguments for 'PUT'\r\n"),
        (b"INCR", b"ERR wrong number of arguments for 'INCR'\r\n"),
        (b"DECR a 1 2", b"ERR wrong number of arguments for 'DECR'\r\n"),
        (b"REGX", b"ERR wrong number of arguments for 'REGX'\r\n"),
        (b"REGX a 1", b"ERR wrong number of arguments for 'REGX'\r\n"),
        (b"STAT x", b"ERR wrong number of arguments for 'STAT'\r\n"),
        (b"RCNF x", b"ERR wrong number of arguments for 'RCNF'\r\n"),
        (b"AUTH", b"ERR wrong number of arguments for 'AUTH'\r\n"),
        (b"AUTH a b", b"ERR wrong number of arguments for 'AUTH'\r\n"),
        (b"FLY me", b"ERR unknown command\r\n"),
        (b"VGET a", b"ERR unknown command\r\n"),
        (b"NAUTH abc", b"ERR unknown command\r\n"),
        (b"GET a\x00b", b"ERR invalid input: NUL byte\r\n"),
        (b"PUT k \xff\xfe", b"ERR invalid input: not UTF-8\r\n"),
        (b"INCR k x", b"ERR invalid value\r\n"),
        (b"INCR k 1e5", b"ERR invalid value\r\n"),
        (b"DECR k nan", b"ERR invalid value\r\n"),
        (b"REGX a x 1", b"ERR invalid input: offset and limit must be non-negative integers\r\n"),
        (b"REGX a 0 -1", b"ERR invalid input: offset and limit must be non-negative integers\r\n"),
    ],
)
def test_malformed_lines_get_their_error(line: bytes, reply: bytes) -> None:
    assert parsed(line) == reply


def test_bad_pattern_is_refused_before_fan_out() -> None:
    reply = parsed(b"REGX (abc")
    assert isinstance(reply, bytes)
    assert reply.startswith(b"ERR invalid pattern: ")
    assert reply.count(b"\n") == 1


@pytest.mark.parametrize("key", [b"", b"a\tb", b"a\x7fb", b"x" * 65537])
def test_bad_keys_are_invalid_input(key: bytes) -> None:
    reply = parsed(b"PUT " + key + b" v")
    assert isinstance(reply, bytes)
    assert reply.startswith(b"ERR invalid input: ")


def test_every_command_but_auth_ping_quit_needs_auth() -> None:
    for line in (b"GET a", b"PUT a b", b"STAT", b"RCNF", b"FLY", b"DEL a", b"REGX a"):
        assert parsed(line, authenticated=False) == b"ERR not authenticated\r\n"
    for line in (b"PING", b"QUIT", b"AUTH eA=="):
        assert isinstance(parsed(line, authenticated=False), Request)


def test_put_value_is_the_rest_of_the_line_spaces_included() -> None:
    assert parsed(b"put k  a b ") == Request("PUT", key=b"k", value=b" a b ")
    assert parsed(b"PUT k") == Request("PUT", key=b"k", value=b"")


def test_decr_sends_a_negated_delta_and_incr_defaults_to_one() -> None:
    assert parsed(b"INCR k") == Request("INCR", key=b"k", delta=b"1")
    assert parsed(b"DECR k 2.5") == Request("DECR", key=b"k", delta=b"-2.5")
    assert parsed(b"DECR k -3") == Request("DECR", key=b"k", delta=b"3")


def test_regx_offset_limit_are_parsed() -> None:
    assert parsed(b"REGX ^a 5 10") == Request("REGX", key=b"^a", offset=5, limit=10)
    assert parsed(b"REGX ^a") == Request("REGX", key=b"^a", offset=0, limit=None)


@given(st.binary(max_size=200))
def test_random_lines_never_raise(line: bytes) -> None:
    for auth in (True, False):
        result = parse_request(line, auth)
        if isinstance(result, bytes):
            assert result.startswith(b"ERR ") and result.endswith(b"\r\n")
            assert result.count(b"\n") == 1


_COMMON_LINES = st.builds(
    lambda verb, key, value: verb + key + value,
    st.sampled_from([b"GET ", b"DEL ", b"PUT ", b"get ", b"PUT", b"GET"]),
    st.binary(max_size=12) | st.text(alphabet=st.characters(max_codepoint=0x7f), max_size=12)
    .map(str.encode),
    st.just(b"") | st.binary(max_size=8).map(lambda b: b" " + b)
    | st.text(max_size=8).map(lambda t: b" " + t.encode()),
)


@given(_COMMON_LINES)
def test_the_shortcut_for_common_lines_agrees_with_the_general_rules(line: bytes) -> None:
    from supermassive.cluster.request import _common, _parse_general

    quick = _common(line)
    if quick is not None:
        assert quick == _parse_general(line, True)
    assert parse_request(line, True) == _parse_general(line, True)
    assert parse_request(line, False) == _parse_general(line, False)
