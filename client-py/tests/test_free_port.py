"""free_port: ports outside the ephemeral range, from a block of this process's own."""

from __future__ import annotations

import socket

from smclient.testing import process
from smclient.testing.process import PORT_BLOCK, PORT_RANGE_START, free_port


def test_ports_come_from_this_processs_block_below_the_ephemeral_range() -> None:
    start = process._block_start()
    ports = [free_port() for _ in range(5)]
    assert len(set(ports)) == 5
    for port in ports:
        assert start <= port < start + PORT_BLOCK
        assert PORT_RANGE_START <= port < 32768


def test_a_taken_port_is_skipped() -> None:
    free_port()  # sets up this process's block
    assert process._next_port is not None
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", process._next_port))  # the port free_port would give next
        taken.listen()
        busy = taken.getsockname()[1]
        got = free_port()
        assert got != busy
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", got))  # and it really is free


def test_workers_get_different_blocks(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    first = process._block_start()
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    assert process._block_start() == first + PORT_BLOCK
