"""RESP2 request readers: the pure-Python one and the hiredis one pass the same suite."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supermassive.net.resp import RespError, make_resp_reader, protocol_error
from supermassive.net.resp_inline import InlineAwareReader
from supermassive.net.resp_reader import NullRequest

READERS = ["python", "hiredis"]


def encode(args: list[bytes]) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%b\r\n" % (len(a), a))
    return b"".join(out)


def drain(reader: object, data: bytes) -> list[list[bytes]]:
    """Feed ``data`` and take every complete command (RespError propagates)."""
    reader.feed(data)  # type: ignore[attr-defined]
    out = []
    while (cmd := reader.get()) is not None:  # type: ignore[attr-defined]
        out.append(cmd)
    return out


@pytest.fixture(params=READERS)
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_one_command_comes_out_as_its_argument_list(name):
    r = make_resp_reader(name=name)
    assert drain(r, encode([b"SET", b"k", b"v"])) == [[b"SET", b"k", b"v"]]


def test_pipelined_commands_come_out_in_order_and_empty_arrays_are_skipped(name):
    r = make_resp_reader(name=name)
    data = encode([b"PING"]) + b"*0\r\n" + encode([b"GET", b"a"]) + encode([b"GET", b"b"])
    assert drain(r, data) == [[b"PING"], [b"GET", b"a"], [b"GET", b"b"]]


def test_a_null_array_is_skipped_through_the_reader_connections_use(name):
    r = InlineAwareReader(lambda: make_resp_reader(name=name), 1024)
    data = encode([b"PING"]) + b"*-1\r\n" + encode([b"GET", b"a"]) + b"*-1\r\n"
    assert drain(r, data) == [[b"PING"], [b"GET", b"a"]]
    assert drain(r, encode([b"GET", b"b"])) == [[b"GET", b"b"]]


def test_hiredis_alone_refuses_a_null_it_cannot_place():
    """hiredis returns None for ``*-1``, ``$-1`` and ``_`` alike; the reader says so instead
    of skipping what may be an inline command (InlineAwareReader then decides)."""
    for null in (b"*-1\r\n", b"$-1\r\n", b"_\r\n"):
        with pytest.raises(NullRequest):
            drain(make_resp_reader(name="hiredis"), encode([b"PING"]) + null)


def test_bulk_strings_are_binary_safe_and_may_be_empty(name):
    r = make_resp_reader(name=name)
    args = [b"SET", b"", b"a\r\nb\x00\xff"]
    assert drain(r, encode(args)) == [args]


def test_a_command_split_byte_by_byte_is_read_once_complete(name):
    r = make_resp_reader(name=name)
    data = encode([b"SET", b"key", b"x" * 300])
    got = []
    for i in range(len(data)):
        got += drain(r, data[i : i + 1])
        if i < len(data) - 1:
            assert got == []
    assert got == [[b"SET", b"key", b"x" * 300]]


commands = st.lists(
    st.lists(st.binary(max_size=40), min_size=1, max_size=5), min_size=1, max_size=8
)


@settings(max_examples=150, deadline=None)
@given(cmds=commands, cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=12),
       reader=st.sampled_from(READERS))
def test_random_chunking_of_valid_streams_gives_the_same_commands(cmds, cuts, reader):
    data = b"".join(encode(c) for c in cmds)
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    r = make_resp_reader(name=reader)
    got = []
    for a, b in itertools.pairwise(points):
        got += drain(r, data[a:b])
    assert got == cmds


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=300), reader=st.sampled_from(READERS))
def test_random_bytes_never_raise_anything_but_resp_error(data, reader):
    r = make_resp_reader(max_bulk_bytes=1024, max_args=64, name=reader)
    try:
        for cmd in drain(r, data):
            assert isinstance(cmd, list)
            assert all(type(a) is bytes for a in cmd)
    except RespError:
        pass


@settings(max_examples=200, deadline=None)
@given(prefix=st.sampled_from([b"*", b"*1\r\n$", b"*2\r\n$3\r\nGET\r\n", b"*1\r\n$3\r\n"]),
       junk=st.binary(max_size=60), reader=st.sampled_from(READERS))
def test_truncated_headers_followed_by_junk_never_crash(prefix, junk, reader):
    r = make_resp_reader(max_bulk_bytes=1024, max_args=64, name=reader)
    try:
        drain(r, prefix + junk)
    except RespError:
        pass


MALFORMED = [
    pytest.param(b"+PING\r\n", id="simple-string-request"),
    pytest.param(b":1\r\n", id="integer-request"),
    pytest.param(b"$4\r\nPING\r\n", id="bare-bulk-request"),
    pytest.param(b"PING\r\n", id="inline-command"),
    pytest.param(b"*x\r\n", id="non-numeric-count"),
    pytest.param(b"*1\r\n:1\r\n", id="integer-argument"),
    pytest.param(b"*1\r\n$-1\r\n", id="null-argument"),
    pytest.param(b"*1\r\n$x\r\n", id="non-numeric-length"),
    pytest.param(b"*1\r\n*1\r\n$1\r\na\r\n", id="nested-array"),
    pytest.param(b"*1\r\n$1\r\nab\r\n", id="bulk-longer-than-announced"),
]


@pytest.mark.parametrize("data", MALFORMED)
def test_malformed_requests_raise_resp_error(name, data):
    r = make_resp_reader(name=name)
    with pytest.raises(RespError):
        drain(r, data)


@pytest.mark.parametrize("head", [b"*", b"*1\r\n$1"])
def test_an_endless_header_line_is_refused_within_a_bounded_number_of_bytes(name, head):
    r = make_resp_reader(max_bulk_bytes=1024, name=name)
    with pytest.raises(RespError):
        drain(r, head)
        for _ in range(100):  # the pure reader refuses at once, hiredis at its buffer bound
            drain(r, b"1" * 1024)


def test_too_many_arguments_is_a_protocol_error(name):
    r = make_resp_reader(max_args=3, name=name)
    assert drain(r, encode([b"DEL", b"a", b"b"])) == [[b"DEL", b"a", b"b"]]
    with pytest.raises(RespError):
        drain(r, encode([b"DEL", b"a", b"b", b"c"]))


def test_huge_array_count_is_refused_before_anything_is_allocated(name):
    r = make_resp_reader(name=name)
    with pytest.raises(RespError):
        drain(r, b"*4000000000\r\n")


def test_nested_large_arrays_are_refused(name):
    r = make_resp_reader(name=name)
    with pytest.raises(RespError):
        drain(r, b"*1\r\n" + b"*100000\r\n" * 50)


def test_an_argument_over_the_byte_limit_is_a_protocol_error(name):
    r = make_resp_reader(max_bulk_bytes=1024, name=name)
    assert drain(r, encode([b"SET", b"k", b"v" * 1000])) == [[b"SET", b"k", b"v" * 1000]]
    with pytest.raises(RespError):
        r2 = make_resp_reader(max_bulk_bytes=1024, name=name)
        drain(r2, encode([b"SET", b"k", b"v" * 5000]))


def test_arguments_together_over_the_byte_limit_are_a_protocol_error(name):
    r = make_resp_reader(max_bulk_bytes=1024, name=name)
    with pytest.raises(RespError):
        drain(r, encode([b"DEL", *[b"k" * 100] * 20]))


def test_a_never_ending_bulk_is_cut_at_the_limit(name):
    r = make_resp_reader(max_bulk_bytes=1024, name=name)
    r.feed(b"*2\r\n$3\r\nSET\r\n$1000\r\n")
    with pytest.raises(RespError):
        for _ in range(10):
            drain(r, b"x" * 1000)


def test_protocol_error_reply_is_one_redis_style_line():
    assert protocol_error(RespError("invalid\r\nbulk length")) == (
        b"-ERR Protocol error: invalid  bulk length\r\n"
    )


@pytest.mark.parametrize(("env", "expected"), [("python", "python"), ("hiredis", "hiredis"),
                                               ("", "hiredis")])
def test_the_reader_is_chosen_once_from_the_environment(env, expected):
    code = "from supermassive.net.resp import READER_NAME; print(READER_NAME)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "SUPERMASSIVE_RESP_READER": env}, timeout=30,
                         check=True)
    assert out.stdout.strip() == expected


def test_an_unknown_reader_name_in_the_environment_fails_at_import():
    code = "import supermassive.net.resp"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "SUPERMASSIVE_RESP_READER": "cython"}, timeout=30)
    assert out.returncode != 0
    assert "SUPERMASSIVE_RESP_READER" in out.stderr


pieces = st.one_of(
    st.builds(encode, st.lists(st.binary(max_size=12), min_size=1, max_size=4)),
    st.sampled_from([b"*", b"\r\n", b"\n*", b"*99999\r\n", b"*12345678\r\n", b"*0\r\n",
                     b"*-1\r\n", b"$3\r\n", b"+OK\r\n", b":1\r\n", b"*1\r\n*1\r\n", b"\n"]),
    st.binary(max_size=8),
)


def _feed_then_drain(r: object, chunk: bytes, how: str) -> tuple[list[list[bytes]], object]:
    out: list[list[bytes]] = []
    try:
        if how == "one call":
            r.feed_drain(chunk, out)  # type: ignore[attr-defined]
        else:
            r.feed(chunk)  # type: ignore[attr-defined]
            r.drain(out)  # type: ignore[attr-defined]
    except RespError as exc:
        return out, str(exc)
    return out, None


@settings(max_examples=400, deadline=None)
@given(chunks=st.lists(st.lists(pieces, min_size=1, max_size=4).map(b"".join), max_size=8),
       name=st.sampled_from(READERS))
def test_feed_drain_reads_exactly_as_feed_then_drain(chunks, name):
    """The per-read call (which skips the large-header search when a read cannot hold one)
    gives the same commands, the same errors and the same limits as feed + drain."""
    one = make_resp_reader(max_bulk_bytes=4096, max_args=50_000, name=name)
    two = make_resp_reader(max_bulk_bytes=4096, max_args=50_000, name=name)
    for chunk in chunks:
        got = _feed_then_drain(one, chunk, "one call")
        assert got == _feed_then_drain(two, chunk, "two calls")
        if got[1] is not None:
            break
