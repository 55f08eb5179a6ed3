"""The python floor (smbench.floor) answers GET/SET like Redis does for the benchmark."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from smbench.measure import python_floor

pytest.importorskip("hiredis")


@pytest.fixture
def floor() -> Iterator[int]:
    with python_floor() as port:
        yield port


def _exchange(port: int, data: bytes, expected: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        got = b""
        while len(got) < len(expected):
            chunk = sock.recv(4096)
            if not chunk:
                break
            got += chunk
        return got


def test_the_floor_sets_gets_and_pings_in_one_pipelined_write(floor: int) -> None:
    request = (b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nabc\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
               b"*2\r\n$3\r\nGET\r\n$1\r\nx\r\n*1\r\n$4\r\nPING\r\n")
    expected = b"+OK\r\n$3\r\nabc\r\n$-1\r\n+PONG\r\n"
    assert _exchange(floor, request, expected) == expected
