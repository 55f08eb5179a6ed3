"""A whole local topology from one command (what ``make run`` runs).

``python -m supermassive.devcluster`` starts two replicas, two primaries streaming to them and
one cluster (``--local``: no client authentication) on loopback, each in its own directory
under ``.devcluster/<name>/`` with a generated config file (regenerated at every start; the
journals are kept). Their logs are merged on stdout, each line prefixed with the member's
name. Ctrl-C (or SIGTERM) stops everything cleanly: the cluster first, then the primaries,
then the replicas, each with SIGTERM and a deadline, and the command exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

STOP_TIMEOUT_S = 10.0
START_TIMEOUT_S = 20.0
COLORS = ("36", "33", "35", "32", "34", "31")


@dataclass
class Member:
    """One process of the dev topology."""

    name: str
    role: str
    port: int
    config: dict[str, Any]
    extra_args: list[str] = field(default_factory=list)
    proc: asyncio.subprocess.Process | None = None
    pump: asyncio.Task[None] | None = None


def _link(port: int, host: str) -> dict[str, Any]:
    return {"server-address": f"{host}:{port}", "connect-timeout": 2, "read-timeout": 5,
            "write-timeout": 5, "max-retries": 1, "retry-wait-time": 0.5}


def plan(args: argparse.Namespace) -> list[Member]:
    """The members to start, in start order (replicas, primaries, cluster)."""
    host = args.host
    pairs = list(zip(args.primary_ports, args.replica_ports, strict=True))
    members: list[Member] = []
    for i, (_, rport) in enumerate(pairs, 1):
        members.append(Member(f"replica-{i}", "node-replica", rport, {
            "journal-sync": "everysec", "server-config": {"address": f"{host}:{rport}"},
        }))
    for i, (pport, rport) in enumerate(pairs, 1):
        members.append(Member(f"primary-{i}", "node", pport, {
            "journal-sync": "everysec", "health-check-interval": 1,
            "server-config": {"address": f"{host}:{pport}"},
            "read-replicas": [_link(rport, host)],
        }))
    members.append(Member("cluster", "cluster", args.port, {
        "health-check-interval": 1,
        "server-config": {"address": f"{host}:{args.port}"},
        "node-configs": [{"node": _link(p, host), "replicas": [_link(r, host)]}
                         for p, r in pairs],
    }, ["--local"]))
    return members


def _ports(text: str) -> list[int]:
    try:
        ports = [int(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of ports")
    if not ports or any(not 0 < p < 65536 for p in ports):
        raise argparse.ArgumentTypeError(f"{text!r}: ports must be 1..65535")
    return ports


def build_parser() -> argparse.ArgumentParser:
    """Flags of ``python -m supermassive.devcluster``."""
    p = argparse.ArgumentParser(
        prog="python -m supermassive.devcluster",
        description="Start a local SuperMassive topology: 1 cluster (--local), "
        "2 primaries, 1 replica each. Ctrl-C stops it.")
    p.add_argument("--port", type=int, default=4000, help="cluster port (default 4000)")
    p.add_argument("--primary-ports", type=_ports, default=[4001, 4003],
                   help="primary ports, comma-separated (default 4001,4003)")
    p.add_argument("--replica-ports", type=_ports, default=[4002, 4004],
                   help="one replica port per primary (default 4002,4004)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default loopback)")
    p.add_argument("--dir", type=Path, default=Path(".devcluster"),
                   help="where the members' directories go (default .devcluster)")
    p.add_argument("--shared-key", default="devcluster-key", help="shared key of the members")
    p.add_argument("--no-color", action="store_true", help="plain log prefixes")
    return p


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


async def _wait_listening(member: Member, host: str, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if member.proc is not None and member.proc.returncode is not None:
            return False
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, member.port), 0.5)
        except (OSError, TimeoutError):
            await asyncio.sleep(0.1)
            continue
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return True
    return False


async def _pump(member: Member, prefix: str) -> None:
    assert member.proc is not None and member.proc.stdout is not None
    while True:
        line = await member.proc.stdout.readline()
        if not line:
            return
        sys.stdout.write(prefix + line.decode(errors="replace").rstrip("\n") + "\n")
        sys.stdout.flush()


async def _start(member: Member, base: Path, args: argparse.Namespace, index: int) -> bool:
    directory = base / member.name
    directory.mkdir(parents=True, exist_ok=True)
    config_name = {"cluster": ".cluster", "node": ".node", "node-replica": ".nodereplica"}
    header = "# Generated by supermassive.devcluster at every start; edit the flags instead.\n"
    (directory / config_name[member.role]).write_text(
        header + yaml.safe_dump(member.config, sort_keys=False))
    width = 10
    prefix = f"{member.name:<{width}} | "
    if not args.no_color and sys.stdout.isatty() and "NO_COLOR" not in os.environ:
        prefix = f"\x1b[{COLORS[index % len(COLORS)]}m{prefix}\x1b[0m"
    member.proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "supermassive", "--instance-type", member.role,
        "--shared-key", args.shared_key, "--dir", str(directory), *member.extra_args,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    member.pump = asyncio.create_task(_pump(member, prefix))
    return await _wait_listening(member, args.host, START_TIMEOUT_S)


async def _stop(member: Member) -> None:
    proc = member.proc
    if proc is None:
        return
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            say(f"{member.name} did not stop in {STOP_TIMEOUT_S:g}s: killing it")
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
    if member.pump is not None:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(member.pump, 2)


def say(text: str) -> None:
    """A devcluster message (not from a member)."""
    sys.stdout.write(f"{'devcluster':<10} | {text}\n")
    sys.stdout.flush()


async def run(args: argparse.Namespace) -> int:
    """Start the topology, wait for Ctrl-C or a member exiting, stop everything."""
    members = plan(args)
    busy = [m.port for m in members if not _port_free(args.host, m.port)]
    if busy:
        print(f"devcluster: error: port(s) already in use: {', '.join(map(str, busy))} "
              "(another devcluster running? or pick ports with --port/--primary-ports/"
              "--replica-ports)", file=sys.stderr)
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    code = 0
    try:
        for i, member in enumerate(members):
            if stop.is_set():
                break
            if not await _start(member, args.dir, args, i):
                say(f"{member.name} did not start (see its log lines above)")
                code = 1
                break
        else:
            say(f"up: cluster on {args.host}:{args.port}, primaries {args.primary_ports}, "
                f"replicas {args.replica_ports}; data in {args.dir}/")
            say(f"connect with:  nc -C localhost {args.port}   or   smcli -p {args.port} "
                "--local   (no AUTH needed)")
            say("Ctrl-C stops everything")
            code = await _supervise(members, stop)
    finally:
        say("stopping")
        for member in reversed(members):
            await _stop(member)
        say("stopped")
    return code


async def _supervise(members: list[Member], stop: asyncio.Event) -> int:
    waiter = asyncio.create_task(stop.wait())
    exits = {asyncio.create_task(m.proc.wait()): m for m in members if m.proc is not None}
    done, _ = await asyncio.wait([waiter, *exits], return_when=asyncio.FIRST_COMPLETED)
    for task in [waiter, *exits]:
        if task not in done:
            task.cancel()
    if waiter in done:
        return 0
    for task in done:
        member = exits.get(task)
        if member is not None:
            say(f"{member.name} exited with code {task.result()}: stopping the rest")
    return 1


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = build_parser().parse_args(argv)
    if len(args.primary_ports) != len(args.replica_ports):
        print("devcluster: error: give one replica port per primary port", file=sys.stderr)
        return 2
    try:
        return asyncio.run(run(args))
    except KeyboardInterrupt:  # pragma: no cover - signal handler normally catches it
        return 0


if __name__ == "__main__":
    sys.exit(main())
