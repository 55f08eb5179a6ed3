"""Inline commands on a RESP connection, as redis-benchmark's PING_INLINE sends them."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supermassive.net.resp_inline import KEEP_LIMIT_BYTES, InlineAwareReader, encoded_size
from supermassive.net.resp_reader import HiredisRespReader, PythonRespReader

READERS = [PythonRespReader, HiredisRespReader]


def encode(args: list[bytes]) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


@pytest.mark.parametrize("reader", READERS)
def test_inline_line_after_an_array_in_one_segment(reader):
    r = InlineAwareReader(reader, 1024)
    r.feed(encode([b"AUTH", b"k"]) + b"PING\r\nPING x\r\n" + encode([b"GET", b"a"]))
    got = [r.get() for _ in range(5)]
    assert got == [[b"AUTH", b"k"], [b"PING"], [b"PING", b"x"], [b"GET", b"a"], None]


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("line", [b"_", b"$-1", b"*-1"])
def test_a_null_looking_line_after_a_request_in_one_read_is_not_lost(reader, line):
    """``_`` and ``$-1`` are inline commands (Redis answers them "unknown command"); ``*-1``
    is an empty request, skipped. hiredis parses all three as a null (found by hypothesis:
    the inline ``_`` was silently dropped and its client never answered)."""
    r = InlineAwareReader(reader, 1024)
    r.feed(encode([b"PING"]) + line + b"\r\n" + encode([b"GET", b"a"]))
    got = [r.get() for _ in range(4)]
    inline = [] if line == b"*-1" else [[line]]
    assert got[:3 if inline else 2] == [[b"PING"], *inline, [b"GET", b"a"]]
    assert got[3 if inline else 2] is None


commands = st.lists(
    st.tuples(st.booleans(), st.lists(st.binary(min_size=1, max_size=8).filter(
        lambda b: not any(c in b" \r\n\t\x0b\x0c*" for c in b)), min_size=1, max_size=3)),
    max_size=12)


@pytest.mark.parametrize("reader", READERS)
@given(items=commands, cuts=st.lists(st.integers(0, 400), max_size=8))
def test_mixed_inline_and_arrays_any_chunking(reader, items, cuts):
    data = b"".join(b" ".join(args) + b"\r\n" if inline else encode(args)
                    for inline, args in items)
    r = InlineAwareReader(reader, 1 << 16)
    got = []
    start = 0
    for point in [*sorted({min(c, len(data)) for c in cuts}), len(data)]:
        r.feed(data[start:point])
        start = point
        while (cmd := r.get()) is not None:
            got.append(cmd)
    assert got == [args for _, args in items]


def test_encoded_size_matches_encoding():
    args = [b"SET", b"key", b"x" * 300]
    assert encoded_size(args) == len(encode(args))


@pytest.mark.skipif(shutil.which("redis-benchmark") is None,
                    reason="redis-benchmark not installed (make install-bench-deps)")
def test_redis_benchmark_ping_set_get_against_a_node(procs):
    node = procs.node()
    out = subprocess.run(
        ["redis-benchmark", "-p", str(node.port), "-a", "test-key", "-t", "ping,set,get",
         "-n", "2000", "-c", "4", "-q"], capture_output=True, text=True, timeout=120)
    assert "Error" not in out.stdout + out.stderr
    for name in ("PING_INLINE", "PING_MBULK", "SET", "GET"):
        assert f"{name}: " in out.stdout


@pytest.mark.parametrize("reader", READERS)
def test_inline_after_an_array_split_where_hiredis_has_parsed_everything(reader):
    # hiredis has no unparsed byte after "*2\r\n$3\r\nGET\r\n" but is inside the request.
    r = InlineAwareReader(reader, 1024)
    got, error = r.take(b"*2\r\n$3\r\nGET\r\n")
    assert (got, error) == ([], None)
    got, error = r.take(b"$1\r\na\r\nPING\r\n")
    assert (got, error) == ([[b"GET", b"a"], [b"PING"]], None)
    assert r.take(b"1\r\n") == ([[b"1"]], None)  # at a sync point: an inline line


@pytest.mark.parametrize("reader", READERS)
def test_many_alternations_in_one_read_are_taken_without_recursion(reader):
    data = (encode([b"GET", b"a"]) + b"PING\r\n") * 5000
    got, error = InlineAwareReader(reader, 1024).take(data)
    assert error is None
    assert got == [[b"GET", b"a"], [b"PING"]] * 5000


@pytest.mark.parametrize("reader", READERS)
def test_a_long_stream_never_at_a_sync_point_is_trimmed_and_inline_still_works(reader):
    r = InlineAwareReader(reader, 1 << 16)
    request = encode([b"SET", b"k", b"v" * 100])
    assert r.take(request[:60]) == ([], None)
    taken = 0
    for _ in range(12000):  # every read ends mid-request: ~1.5 MB without a sync point
        got, error = r.take(request[60:] + request[:60])
        assert error is None
        taken += len(got)
    assert taken == 12000
    assert r._kept < 2 * KEEP_LIMIT_BYTES  # bounded
    got, error = r.take(request[60:] + b"PING\r\n")
    assert error is None and got == [[b"SET", b"k", b"v" * 100], [b"PING"]]


@pytest.mark.parametrize("reader", READERS)
def test_a_real_error_is_returned_after_the_requests_before_it(reader):
    r = InlineAwareReader(reader, 1024)
    got, error = r.take(encode([b"GET", b"a"]) + b"*1\r\n$x\r\n")
    assert got == [[b"GET", b"a"]]
    assert error is not None
