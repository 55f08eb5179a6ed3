"""The TCP fault proxy: forwarding, delay, blackhole, cut, reject, heal."""

from __future__ import annotations

import socket

import pytest

from smclient.testing import FaultProxy, ServerProcess


def ask(port: int, line: bytes = b"PING\r\n", timeout_s: float = 5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as sock:
        sock.sendall(line)
        return sock.recv(1024)


def test_proxy_forwards_both_ways(node: ServerProcess) -> None:
    with FaultProxy("127.0.0.1", node.port) as proxy:
        assert ask(proxy.port) == b"OK PONG\r\n"
        stats = proxy.statistics()
        assert (stats.accepted_total, stats.bytes_to_server, stats.bytes_to_client) == (
            1, len(b"PING\r\n"), len(b"OK PONG\r\n"))


def test_delayed_replies_still_arrive_in_order(node: ServerProcess) -> None:
    with FaultProxy("127.0.0.1", node.port) as proxy:
        proxy.delay(to_client_s=0.2, to_server_s=0.1)
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as sock:
            sock.sendall(b"PING\r\nPING\r\n")
            got = b""
            while len(got) < 18 and (chunk := sock.recv(1024)):
                got += chunk
        assert got == b"OK PONG\r\nOK PONG\r\n"


def test_blackhole_forwards_nothing_until_healed(node: ServerProcess) -> None:
    with FaultProxy("127.0.0.1", node.port) as proxy:
        proxy.drop(to_server=True)
        with pytest.raises(TimeoutError):
            ask(proxy.port, timeout_s=0.3)
        assert proxy.statistics().bytes_to_server == 0
        proxy.heal()
        assert ask(proxy.port) == b"OK PONG\r\n"


def test_cut_resets_open_connections(node: ServerProcess) -> None:
    with FaultProxy("127.0.0.1", node.port) as proxy, socket.create_connection(
        ("127.0.0.1", proxy.port), timeout=5
    ) as sock:
        sock.sendall(b"PING\r\n")
        assert sock.recv(1024) == b"OK PONG\r\n"
        assert proxy.cut() == 1
        try:
            assert sock.recv(1024) == b""
        except ConnectionResetError:
            pass
        assert proxy.statistics().open_connections == 0


def test_reject_refuses_new_connections_until_lifted(node: ServerProcess) -> None:
    with FaultProxy("127.0.0.1", node.port) as proxy:
        proxy.reject()
        with pytest.raises(ConnectionRefusedError):
            ask(proxy.port)
        proxy.reject(False)
        assert ask(proxy.port) == b"OK PONG\r\n"


def test_target_down_resets_the_client(tmp_path: object) -> None:
    from smclient.testing import free_port

    with FaultProxy("127.0.0.1", free_port()) as proxy:
        try:
            assert ask(proxy.port) == b""
        except ConnectionResetError:
            pass
