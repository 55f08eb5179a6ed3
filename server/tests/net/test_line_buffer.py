"""``LineBuffer`` (the shared sans-I/O line splitter) against a one-line reference model."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smclient.protocol import LineBuffer, LineTooLong


def model_lines(stream: bytes) -> tuple[list[bytes], bytes]:
    """Lines end at LF; one CR right before the LF belongs to the terminator."""
    *lines, tail = stream.split(b"\n")
    return [line[:-1] if line.endswith(b"\r") else line for line in lines], tail


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(cut, len(data)) for cut in cuts})
    out, start = [], 0
    for point in [*points, len(data)]:
        out.append(data[start:point])
        start = point
    return out


stream_bytes = st.lists(st.sampled_from([b"a", b" ", b"\r", b"\n", b"\r\n", b"GET k", b"\x00",
                                         b"\xff"]), max_size=40).map(b"".join)


@given(stream_bytes, st.lists(st.integers(0, 120), max_size=8))
def test_lines_and_pending_bytes_match_the_model_whatever_the_chunking(
        stream: bytes, cuts: list[int]) -> None:
    buffer = LineBuffer()
    got: list[bytes] = []
    for chunk in chunked(stream, cuts):
        got += buffer.feed(chunk)
    lines, tail = model_lines(stream)
    assert got == lines
    assert buffer.pending_bytes == len(tail)


@given(st.integers(1, 40), st.lists(st.integers(0, 200), max_size=8))
def test_the_limit_applies_to_the_line_without_its_terminator(
        limit: int, cuts: list[int]) -> None:
    at_limit = b"x" * limit + b"\r\n"
    buffer = LineBuffer(max_line_bytes=limit)
    got: list[bytes] = []
    for chunk in chunked(at_limit * 3, cuts):
        got += buffer.feed(chunk)
    assert got == [b"x" * limit] * 3
    over = LineBuffer(max_line_bytes=limit)
    with pytest.raises(LineTooLong):
        for chunk in chunked(b"x" * (limit + 1) + b"\r\n", cuts):
            over.feed(chunk)


def test_a_long_line_in_many_small_chunks_comes_out_whole() -> None:
    buffer = LineBuffer()
    value = bytes(range(33, 127)) * 1000
    for start in range(0, len(value), 100):
        assert buffer.feed(value[start:start + 100]) == []
    assert buffer.pending_bytes == len(value)
    assert buffer.feed(b"\r\nPING\r\n") == [value, b"PING"]
    assert buffer.pending_bytes == 0
