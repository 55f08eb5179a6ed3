"""smbench end to end: it fails on wrong replies, passes on right ones, writes its JSON."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from smclient.testing import free_port, start_node

RUN_TIMEOUT_S = 90


async def smbench(*args: str, loop: str = "uvloop") -> tuple[int, str]:
    """Run ``python -m smbench`` with a deadline; return (exit status, output)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "smbench", "--no-progress", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "SMBENCH_LOOP": loop})
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), RUN_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode is not None
    return proc.returncode, out.decode(errors="replace")


Answer = Callable[[dict[bytes, bytes], bytes], bytes]


def correct(store: dict[bytes, bytes], line: bytes) -> bytes:
    """A native-protocol in-memory server, right on every command smbench sends."""
    verb, _, rest = line.partition(b" ")
    if verb == b"PUT":
        key, _, value = rest.partition(b" ")
        store[key] = value
        return b"OK key-value written"
    if verb == b"GET":
        return b"OK " + rest + b" " + store[rest] if rest in store else b"ERR key-value not found"
    if verb == b"DEL":
        return b"OK key-value deleted" if store.pop(rest, None) is not None else (
            b"ERR key-value not found")
    if verb == b"INCR":
        store[rest] = str(int(store[rest]) + 1).encode()
        return b"OK " + rest + b" " + store[rest]
    if verb in (b"AUTH", b"NAUTH"):
        return b"OK authenticated"
    return b"ERR unknown command"


def stale_get(store: dict[bytes, bytes], line: bytes) -> bytes:
    """Right on everything but GET, which returns another value."""
    if line.startswith(b"GET ") and line[4:] in store:
        return b"OK " + line[4:] + b" not-the-value-written"
    return correct(store, line)


@pytest.fixture
async def fake_server() -> AsyncIterator[Callable[[Answer], asyncio.Future[int]]]:
    """Start a tiny line server answering with a given function; yields its port."""
    servers: list[asyncio.Server] = []

    async def start(answer: Answer) -> int:
        store: dict[bytes, bytes] = {}

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while line := await reader.readline():
                    writer.write(answer(store, line.rstrip(b"\r\n")) + b"\r\n")
                    if not reader._buffer:  # type: ignore[attr-defined]  # batch pipelined
                        await writer.drain()
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    yield start  # type: ignore[misc]
    for s in servers:
        s.close()
        await s.wait_closed()


COMMON = ["--duration", "1", "--connections", "2", "--processes", "1", "--keyspace", "20"]


@pytest.mark.parametrize("loop", ["uvloop", "asyncio"])
async def test_a_wrong_get_reply_is_an_error_and_fails_the_run(fake_server, tmp_path, loop):
    port = await fake_server(stale_get)
    out_json = tmp_path / "r.json"
    code, out = await smbench("--port", str(port), "--local", "--workload", "get",
                              "--json", str(out_json), *COMMON, loop=loop)
    assert code == 1, out
    doc = json.loads(out_json.read_text())
    assert doc["ok"] is False
    assert doc["result"]["errors"] > 0
    assert "not-the-value-written" in doc["result"]["error_samples"][0]


async def test_right_replies_pass_with_pipelining(fake_server):
    port = await fake_server(correct)
    for workload in ("mix", "incr"):  # get and put are subsets of mix
        code, out = await smbench("--port", str(port), "--local", "--workload", workload,
                                  "--pipeline", "8", *COMMON)
        assert code == 0, out


async def test_a_server_that_closes_the_connection_fails_the_run(fake_server):
    def hang_up(store: dict[bytes, bytes], line: bytes) -> bytes:
        if line.startswith(b"GET"):
            raise ConnectionError("bye")
        return correct(store, line)

    port = await fake_server(hang_up)
    code, out = await smbench("--port", str(port), "--local", "--workload", "get", *COMMON)
    assert code == 1, out


async def test_nothing_listening_fails_the_run_with_a_message():
    code, out = await smbench("--port", str(free_port()), "--local", *COMMON)
    assert code == 1
    assert "error" in out.lower()


@pytest.mark.parametrize("args", [
    ["--local", "--shared-key", "k"],
    [],
    ["--local", "--connections", "0"],
    ["--local", "--keyspace", "3", "--connections", "5"],
    ["--user", "u", "--local"],
])
def test_bad_options_exit_2(args):
    proc = subprocess.run([sys.executable, "-m", "smbench", *args], capture_output=True,
                          timeout=30, text=True, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 2, proc.stderr
    assert "smbench: error:" in proc.stderr


async def test_short_run_against_a_real_node_has_no_errors_and_writes_json(tmp_path: Path):
    node = await asyncio.to_thread(start_node, tmp_path / "node")
    try:
        out_json = tmp_path / "node.json"
        code, out = await smbench("--port", str(node.port), "--shared-key", "test-key",
                                  "--duration", "2", "--connections", "4", "--processes", "1",
                                  "--keyspace", "200", "--pipeline", "4",
                                  "--json", str(out_json))
        assert code == 0, out + node.log_tail()
        doc = json.loads(out_json.read_text())
        result = doc["result"]
        assert result["errors"] == 0 and result["ok"] is True
        assert result["ops"] > 0 and result["ops_per_sec"] > 0
        assert set(result["latency_us"]) == {"p50", "p99", "p999", "max", "mean"}
        assert set(result["per_op"]) <= {"GET", "PUT", "DEL", "INCR"}
        assert doc["options"]["workload"] == "mix" and doc["options"]["auth"] == "shared-key"
    finally:
        node.stop()


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed")
async def test_compare_alternates_two_targets_and_reports_the_ratio(tmp_path: Path):
    ports = [free_port(), free_port()]
    procs = [subprocess.Popen(["redis-server", "--port", str(p), "--save", "",
                               "--appendonly", "no", "--bind", "127.0.0.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for p in ports]
    try:
        from smclient.testing import wait_for_port
        for p in ports:
            await asyncio.to_thread(wait_for_port, "127.0.0.1", p, 10)
        out_json = tmp_path / "cmp.json"
        code, out = await smbench("--port", str(ports[0]), "--compare", f"127.0.0.1:{ports[1]}",
                                  "--protocol", "resp", "--local", "--rounds", "2",
                                  "--json", str(out_json), *COMMON)
        assert code == 0, out
        doc = json.loads(out_json.read_text())
        assert [r["side"] for r in doc["rounds"]] == ["A", "B", "A", "B"]
        assert doc["summary"]["ratio_b_over_a"]["ops_per_sec"] is not None
        assert "ratio B/A" in out
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)


async def test_tls_run_against_a_node_with_a_private_ca(tmp_path: Path):
    import trustme

    from smclient.testing import ServerProcess, node_config

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    ca_file, cert_file, key_file = (tmp_path / n for n in ("ca.pem", "cert.pem", "key.pem"))
    ca.cert_pem.write_to_path(str(ca_file))
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    port = free_port()
    config = node_config(port)
    config["server-config"].update({"use-tls": True, "cert-file": str(cert_file),
                                    "key-file": str(key_file)})
    node = ServerProcess("node", tmp_path / "node", port, config)
    await asyncio.to_thread(node.start)
    try:
        base = ["--port", str(port), "--shared-key", "test-key", *COMMON]
        code, out = await smbench(*base, "--tls", "--cacert", str(ca_file))
        assert code == 0, out + node.log_tail()
        code, out = await smbench(*base, "--tls")  # the system roots do not know this CA
        assert code == 1 and "CERTIFICATE_VERIFY_FAILED" in out
    finally:
        node.stop()
