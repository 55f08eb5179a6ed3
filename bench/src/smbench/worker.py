"""A worker process: its share of the connections, on its own event loop (uvloop if present).

Talks to the parent over a ``multiprocessing`` pipe: ``("ready", None)`` once its connections
are open, authenticated and their keys written (outside the timed region); it then waits for
``"go"``, runs for the duration sending ``("progress", ops)`` a few times a second, and ends
with ``("result", stats dict)``, or ``("failed", reason)`` at any point.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Coroutine
from multiprocessing.connection import Connection
from typing import Any

from smbench.codec import CODECS, Codec
from smbench.connection import BenchConnection, connect, from_iterator
from smbench.options import BenchOptions, Target
from smbench.stats import Stats
from smbench.workload import WORKLOADS, Workload, owned_keys

PREPOPULATE_WINDOW = 64
PROGRESS_INTERVAL_S = 0.25
DRAIN_TIMEOUT_S = 30.0


def run_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run ``main`` on uvloop when it is installed, else on asyncio's loop.

    ``SMBENCH_LOOP=asyncio`` forces the standard loop (tests run both).
    """
    if os.environ.get("SMBENCH_LOOP", "").lower() != "asyncio":
        try:
            import uvloop
        except ImportError:
            pass
        else:
            uvloop.run(main)
            return
    asyncio.run(main)


def worker_main(opts: BenchOptions, target: Target, ids: list[int], channel: Connection) -> None:
    """Process entry point (``multiprocessing`` target)."""
    try:
        run_loop(_work(opts, target, ids, channel))
    except BaseException as exc:  # report anything, then exit
        try:
            channel.send(("failed", f"{type(exc).__name__}: {exc}"))
        except OSError:
            pass


async def _authenticate(conn: BenchConnection, codec: Codec, opts: BenchOptions) -> None:
    if opts.local:
        return
    if opts.shared_key is not None:
        request = codec.auth_shared_key(opts.shared_key)
    else:
        request = codec.auth_password(opts.user or "", opts.password or "")
    reply = await conn.call(request, opts.connect_timeout_s)
    if not codec.auth_ok(reply):
        raise PermissionError(f"authentication refused: {reply!r}")


async def _open(
    opts: BenchOptions, target: Target, ids: list[int], codec: Codec, setup: Stats,
) -> tuple[list[BenchConnection], list[Workload]]:
    spec = WORKLOADS[opts.workload]
    tls = opts.tls_context()
    conns: list[BenchConnection] = []
    loads: list[Workload] = []
    for g in ids:
        conn = await connect(target.host, target.port, codec, setup, PREPOPULATE_WINDOW, tls,
                             opts.connect_timeout_s)
        conns.append(conn)
        await _authenticate(conn, codec, opts)
        keys = owned_keys(opts.keyspace, opts.connections, g)
        rng = random.Random(opts.seed * 1_000_003 + g)
        loads.append(Workload(spec, keys, rng, g, opts.value_size))
    return conns, loads


async def _progress(channel: Connection, stats: Stats, deadline: float) -> None:
    while time.monotonic() < deadline:
        await asyncio.sleep(PROGRESS_INTERVAL_S)
        channel.send(("progress", stats.ops))


async def _work(opts: BenchOptions, target: Target, ids: list[int], channel: Connection) -> None:
    codec = CODECS[opts.protocol]()
    setup = Stats()
    conns: list[BenchConnection] = []
    try:
        conns, loads = await _open(opts, target, ids, codec, setup)
        await asyncio.gather(*(c.run(from_iterator(w.prepopulate()), recording=False)
                               for c, w in zip(conns, loads, strict=True)))
        if setup.errors:
            channel.send(("failed", f"writing the keys before the run failed ({setup.errors} "
                                    f"errors), first: {setup.samples[0]}"))
            return
        channel.send(("ready", None))
        loop = asyncio.get_running_loop()
        if await loop.run_in_executor(None, channel.recv) != "go":
            return
        stats = Stats()
        for c in conns:
            c.stats = stats
            c.pipeline = opts.pipeline
        deadline_ns = time.perf_counter_ns() + int(opts.duration_s * 1e9)
        ticker = asyncio.create_task(
            _progress(channel, stats, time.monotonic() + opts.duration_s))
        runs = [c.run(w.next_op, recording=True, deadline_ns=deadline_ns)
                for c, w in zip(conns, loads, strict=True)]
        try:
            await asyncio.wait_for(asyncio.gather(*runs), opts.duration_s + DRAIN_TIMEOUT_S)
        except TimeoutError:
            stranded = sum(len(c.pending) for c in conns)
            stats.error(f"{stranded} request(s) got no reply within {DRAIN_TIMEOUT_S:g}s "
                        "after the end of the run")
        ticker.cancel()
        channel.send(("result", stats.to_dict()))
    finally:
        for c in conns:
            c.close()
