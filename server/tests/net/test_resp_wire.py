"""RESP2 on a real node and cluster, spoken by redis-py, redis-benchmark and raw sockets,
with each of the two request readers in the server (protocol.md section 7)."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from smclient.testing import ServerProcess, free_port, node_config, start_topology

# Each reader once, each event loop once (pairwise, to keep the suite short).
SERVERS = [("python", "uvloop"), ("hiredis", "asyncio")]


@pytest.fixture(params=SERVERS, ids=["-".join(p) for p in SERVERS])
def node(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    reader, loop = request.param
    port = free_port()
    proc = ServerProcess("node", tmp_path / "node", port, node_config(port),
                         env={"SUPERMASSIVE_RESP_READER": reader, "SUPERMASSIVE_LOOP": loop})
    proc.start()
    yield proc
    proc.kill()


def client(proc: ServerProcess, **kw: object) -> redis.Redis:
    """A redis-py client speaking RESP2 (redis-py 8 defaults to RESP3, refused with NOPROTO)."""
    return redis.Redis(host=proc.host, port=proc.port, socket_timeout=10, protocol=2,
                       **kw)  # type: ignore[arg-type]


def raw(proc: ServerProcess, data: bytes, timeout_s: float = 5.0) -> bytes:
    """Send ``data``, then read until the server closes or goes quiet."""
    with socket.create_connection((proc.host, proc.port), timeout=timeout_s) as s:
        s.sendall(data)
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
        except TimeoutError:
            pass
    return out


def test_redis_py_round_trip_on_a_node(node):
    r = client(node, password="test-key")
    assert r.ping() is True
    assert r.set("k", "hello world") is True
    assert r.get("k") == b"hello world"
    assert r.get("missing") is None
    assert r.exists("k", "missing", "k") == 2
    assert r.set("n", "40") and r.incr("n") == 41 and r.decrby("n", 50) == -9
    assert r.incrbyfloat("n", "0.5") == pytest.approx(-8.5)
    assert sorted(r.keys("*")) == [b"k", b"n"]
    assert r.keys("k?") == []
    assert r.delete("k", "n", "missing") == 2
    assert r.incr("missing") == 1  # Redis semantics: a missing key starts at 0
    assert r.decrby("missing-too", 3) == -3


def test_a_resp3_client_is_told_noproto(node):
    r = redis.Redis(host=node.host, port=node.port, socket_timeout=10, protocol=3)
    with pytest.raises(redis.ResponseError, match="NOPROTO"):
        r.ping()


def test_hello_2_with_auth_authenticates(node):
    r = client(node)
    hello = r.execute_command("HELLO", "2", "AUTH", "default", "test-key")
    assert hello[:2] == [b"server", b"supermassive"]
    assert r.set("h", "1") is True


def test_commands_before_auth_are_refused_and_a_wrong_key_is_an_error(node):
    r = client(node)
    assert r.ping() is True
    with pytest.raises(redis.ResponseError, match="not authenticated"):
        r.get("k")
    with pytest.raises(redis.ResponseError, match="invalid key"):
        r.execute_command("AUTH", "wrong")


def test_pipelined_commands_answer_in_order(node):
    r = client(node, password="test-key")
    pipe = r.pipeline(transaction=False)
    for i in range(200):
        pipe.set(f"p{i}", str(i))
        pipe.get(f"p{i}")
    replies = pipe.execute()
    assert replies[1::2] == [str(i).encode() for i in range(200)]


def test_a_protocol_error_gets_one_error_line_and_a_close(node):
    out = raw(node, b"*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n")
    assert out.startswith(b"+PONG\r\n-ERR Protocol error: ")
    assert out.count(b"\r\n") == 2


def test_quit_answers_ok_and_closes(node):
    assert raw(node, b"*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n") == b"+OK\r\n"


def test_values_the_native_protocol_cannot_carry_are_refused_cleanly(node):
    r = client(node, password="test-key")
    with pytest.raises(redis.ResponseError, match="invalid input"):
        r.set("k", "a\r\nPUT x y")
    with pytest.raises(redis.ResponseError, match="invalid input"):
        r.set("a b", "v")
    assert r.get("x") is None
    assert r.ping()


@pytest.mark.skipif(shutil.which("redis-benchmark") is None, reason="redis-benchmark missing")
def test_redis_benchmark_get_set_runs_against_a_node(node):
    proc = subprocess.run(["redis-benchmark", "-h", node.host, "-p", str(node.port),
                           "-a", "test-key", "-t", "get,set,ping_mbulk", "-n", "2000", "-c",
                           "4", "-P", "4", "-q"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "SET:" in proc.stdout and "GET:" in proc.stdout and "Error" not in proc.stdout


def test_cluster_auth_with_user_and_password_and_the_default_user(tmp_path):
    topo = start_topology(tmp_path, cluster=True, local=False, username="default",
                          password="s3cret")
    try:
        entry = topo.entry
        r = client(entry, username="default", password="s3cret")
        assert r.set("k", "v") is True and r.get("k") == b"v"
        r1 = client(entry, password="s3cret")
        assert r1.get("k") == b"v"  # AUTH <password> is the default user
        bad = client(entry, password="nope")
        with pytest.raises(redis.ResponseError, match="invalid credentials"):
            bad.get("k")
    finally:
        topo.stop()
