"""The sans-I/O line reader and reply reader: any chunking gives the same lines and replies."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smclient.protocol import LineBuffer, LineTooLong, ReplyReader

line_text = st.binary(max_size=60).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b""))


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(data)) for c in cuts})
    out, start = [], 0
    for p in [*points, len(data)]:
        out.append(data[start:p])
        start = p
    return out


@given(lines=st.lists(line_text, max_size=30), crlf=st.lists(st.booleans(), min_size=30,
       max_size=30), cuts=st.lists(st.integers(0, 2000), max_size=20))
def test_any_chunking_yields_the_same_lines(lines, crlf, cuts):
    data = b"".join(line + (b"\r\n" if crlf[i] else b"\n") for i, line in enumerate(lines))
    buf = LineBuffer()
    got: list[bytes] = []
    for chunk in chunked(data, cuts):
        got += buf.feed(chunk)
    assert got == lines
    assert buf.pending_bytes == 0


@given(prefix=st.binary(max_size=30), cuts=st.lists(st.integers(0, 200), max_size=5))
def test_over_long_line_is_detected_whatever_the_chunking(prefix, cuts):
    data = prefix.replace(b"\n", b"") + b"x" * 100 + b"\r\n"
    buf = LineBuffer(max_line_bytes=64)
    with pytest.raises(LineTooLong):
        for chunk in chunked(data, cuts):
            buf.feed(chunk)


def test_line_at_exactly_the_limit_is_accepted():
    buf = LineBuffer(max_line_bytes=10)
    assert buf.feed(b"0123456789\r\n") == [b"0123456789"]


replies = st.one_of(
    line_text.map(lambda b: (False, b"ERR " + b)),
    line_text.map(lambda b: (False, b"OK " + b)),
    st.lists(line_text, max_size=5).map(
        lambda body: (True, [b"OK %d" % len(body), *body])),
)


@given(items=st.lists(replies, max_size=20), cuts=st.lists(st.integers(0, 3000), max_size=20))
def test_reply_reader_returns_replies_in_order_whatever_the_chunking(items, cuts):
    data = b""
    for multi, reply in items:
        lines = reply if multi else [reply]
        data += b"".join(line + b"\r\n" for line in lines)
    reader = ReplyReader()
    pending = list(items)
    got = []
    for chunk in chunked(data, cuts):
        reader.feed(chunk)
        while pending:
            multi, _ = pending[0]
            reply = reader.pop(multi)
            if reply is None:
                break
            got.append(reply)
            pending.pop(0)
    assert got == [r for _, r in items]


def test_multi_reply_error_is_a_single_line():
    reader = ReplyReader()
    reader.feed(b"ERR invalid pattern: x\r\nOK 1\r\nk v\r\n")
    assert reader.pop(True) == b"ERR invalid pattern: x"
    assert reader.pop(True) == [b"OK 1", b"k v"]
