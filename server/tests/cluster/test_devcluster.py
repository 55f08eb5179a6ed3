"""``make run``: the whole local topology from one command, stopped cleanly by Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from cluster_support import Client

from smclient.testing.process import free_port


async def test_devcluster_starts_everything_serves_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    ports = [free_port() for _ in range(5)]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "supermassive.devcluster", "--port", str(ports[0]),
        "--primary-ports", f"{ports[1]},{ports[3]}", "--replica-ports", f"{ports[2]},{ports[4]}",
        "--dir", str(tmp_path / "dev"), "--no-color",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    assert proc.stdout is not None
    seen: list[str] = []
    try:
        async with asyncio.timeout(30):
            while not any("connect with:" in line for line in seen):
                line = (await proc.stdout.readline()).decode()
                assert line, "devcluster exited early:\n" + "".join(seen)
                seen.append(line)
        assert f"nc -C localhost {ports[0]}" in seen[-1]
        assert any(line.startswith("primary-1 ") for line in seen)
        c = await Client.open(ports[0], auth=False)
        assert await c.cmd("PUT dev works") == b"OK key-value written"
        assert await c.cmd("GET dev") == b"OK dev works"
        await c.close()
        proc.send_signal(signal.SIGINT)
        async with asyncio.timeout(30):
            rest = (await proc.stdout.read()).decode()
            assert await proc.wait() == 0
        assert "devcluster | stopped" in rest
        for name in ("cluster", "primary-1", "primary-2", "replica-1", "replica-2"):
            assert (tmp_path / "dev" / name).is_dir()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def test_devcluster_refuses_mismatched_port_lists() -> None:
    from supermassive.devcluster import main

    assert main(["--primary-ports", "1,2", "--replica-ports", "3"]) == 2
