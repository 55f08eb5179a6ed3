"""The interpreter: runs a generator against clients and a nemesis, recording the history.

It is the only place where generators meet asyncio. Client threads are ``0..concurrency-1``;
thread ``t`` starts as process ``t`` and, each time one of its operations ends ``info``, takes
the process id ``p + concurrency`` (Jepsen's convention: an indeterminate process never issues
again). Every operation's invocation and completion go through the :class:`Recorder`.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from smchaos.client.base import Client, ClientFactory, Outcome
from smchaos.generator.core import NEMESIS_THREAD, Context, Generator, Invocation, Pending, Thread
from smchaos.history import NEMESIS, Recorder
from smchaos.nemesis.base import Nemesis

_IDLE_WAIT_S = 0.05


@dataclass
class Interpreter:
    """Runs one generator to exhaustion.

    ``op_timeout_s`` bounds each operation (the client should time out first and answer
    ``info``; this is the harness's own guard).
    """

    clients: ClientFactory
    nemesis: Nemesis | None
    recorder: Recorder
    concurrency: int
    rng: random.Random
    clock_ns: Callable[[], int]
    op_timeout_s: float = 10.0
    _process: dict[int, int] = field(default_factory=dict)
    _open: dict[int, Client] = field(default_factory=dict)

    @property
    def threads(self) -> frozenset[Thread]:
        """Every thread, clients and (if any) the nemesis."""
        out: set[Thread] = set(range(self.concurrency))
        if self.nemesis is not None:
            out.add(NEMESIS_THREAD)
        return frozenset(out)

    async def run(self, gen: Generator) -> None:
        """Run ``gen`` until it is exhausted and every operation has completed."""
        for t in range(self.concurrency):
            self._process.setdefault(t, t)
        threads = self.threads
        free = set(threads)
        running: dict[asyncio.Task[None], Thread] = {}
        try:
            while True:
                now = self.clock_ns()
                ctx = Context(now, frozenset(free), threads, self.rng)
                res, nxt = gen.op(ctx)
                if res is None:
                    if not running:
                        return
                    await self._wait(running, free, None)
                    continue
                if isinstance(res, Pending):
                    gen = nxt
                    until = res.until_ns
                    timeout = None if until is None else max(0.0, (until - now) / 1e9)
                    if not running and timeout is None:
                        timeout = _IDLE_WAIT_S
                    await self._wait(running, free, timeout)
                    continue
                if res.time_ns is not None and res.time_ns > now:
                    await self._wait(running, free, (res.time_ns - now) / 1e9)
                    continue
                thread = res.thread if res.thread is not None else self._free_client(free)
                if thread is None or thread not in free:
                    await self._wait(running, free, _IDLE_WAIT_S)
                    continue
                gen = nxt
                free.discard(thread)
                task = asyncio.ensure_future(self._execute(thread, res))
                running[task] = thread
        finally:
            for task in running:
                task.cancel()
            if running:
                await asyncio.gather(*running, return_exceptions=True)
            for client in self._open.values():
                await client.close()
            self._open.clear()

    @staticmethod
    def _free_client(free: set[Thread]) -> Thread | None:
        ints = [t for t in free if isinstance(t, int)]
        return min(ints) if ints else None

    async def _wait(self, running: dict[asyncio.Task[None], Thread], free: set[Thread],
                    timeout: float | None) -> None:
        if not running:
            await asyncio.sleep(timeout or 0)
            return
        done, _ = await asyncio.wait(running, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            free.add(running.pop(task))
            task.result()

    async def _execute(self, thread: Thread, inv: Invocation) -> None:
        if thread == NEMESIS_THREAD:
            await self._nemesis_op(inv)
        elif isinstance(thread, int):
            await self._client_op(thread, inv)

    async def _nemesis_op(self, inv: Invocation) -> None:
        assert self.nemesis is not None
        self.recorder.record(NEMESIS, "invoke", inv.f, inv.key, inv.value, inv.extra)
        try:
            out = await self.nemesis.invoke(inv)
        except Exception as exc:
            out = Outcome("info", None, f"nemesis error: {exc!r}")
        extra = {**inv.extra, **({"error": out.error} if out.error else {})}
        self.recorder.record(NEMESIS, out.type, inv.f, inv.key, out.value, extra)

    async def _client_op(self, thread: int, inv: Invocation) -> None:
        process = self._process[thread]
        client = self._open.get(thread)
        if client is None:
            client = self._open[thread] = self.clients.open(process)
        arg = None if inv.f == "read" else inv.value
        self.recorder.record(process, "invoke", inv.f, inv.key, arg, inv.extra)
        try:
            out = await asyncio.wait_for(client.invoke(inv), self.op_timeout_s)
        except TimeoutError:
            out = Outcome("info", None, "harness timeout")
        except Exception as exc:
            out = Outcome("info", None, f"client error: {exc!r}")
        value: Any = out.value if inv.f in ("read", "incr") else inv.value
        if out.type != "ok" and inv.f in ("read",):
            value = None
        if out.type != "ok" and inv.f == "incr":
            value = inv.value
        extra = {**inv.extra, **({"error": out.error} if out.error else {})}
        self.recorder.record(process, out.type, inv.f, inv.key, value, extra)
        if out.type == "info":
            self._process[thread] = process + self.concurrency
            self._open.pop(thread, None)
            await client.close()
