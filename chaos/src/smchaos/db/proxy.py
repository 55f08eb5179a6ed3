"""A TCP fault proxy on loopback: sits on one link and can delay, blackhole, cut or refuse it.

Used when processes share the loopback interface (no network namespaces): every internal link
(cluster -> primary, cluster -> replica, primary -> replica) goes through its own proxy, so a
partition is "blackhole these proxies". Semantics, chosen to look like a real network:

* :meth:`blackhole` stops forwarding in both directions without closing anything; bytes wait
  in the socket buffers (as unacknowledged TCP segments would) and flow again on heal. New
  connections are accepted but not connected onward until the heal, like a SYN that gets no
  answer.
* :meth:`reject` closes new connections at once (connection refused / reset).
* :meth:`cut` aborts every open connection (both sides see a reset).
* :meth:`set_delay` adds latency to every chunk forwarded, order preserved.

It mirrors the API of ``smclient.testing.FaultProxy`` but is asyncio-native, so it runs in the
harness's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib


class AsyncFaultProxy:
    """Forwards ``127.0.0.1:listen_port`` to ``target_host:target_port``."""

    def __init__(self, listen_port: int, target_host: str, target_port: int,
                 name: str = "") -> None:
        self.listen_port = listen_port
        self.target_host = target_host
        self.target_port = target_port
        self.name = name or f"{listen_port}->{target_port}"
        self.delay_s = 0.0
        self.rejecting = False
        self._open = asyncio.Event()
        self._open.set()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def blackholed(self) -> bool:
        """Whether the link currently drops everything."""
        return not self._open.is_set()

    async def start(self) -> None:
        """Start listening."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.listen_port)

    async def stop(self) -> None:
        """Stop listening and close every connection."""
        if self._server is not None:
            self._server.close()
            self._server = None
        self._open.set()
        self.cut()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def set_delay(self, seconds: float) -> None:
        """Add ``seconds`` of latency to every forwarded chunk (0 to remove)."""
        self.delay_s = max(0.0, seconds)

    def blackhole(self, on: bool) -> None:
        """Start or stop dropping all traffic (connections stay open)."""
        if on:
            self._open.clear()
        else:
            self._open.set()

    def reject(self, on: bool) -> None:
        """Start or stop refusing new connections."""
        self.rejecting = on

    def cut(self) -> None:
        """Abort every open connection."""
        for writer in list(self._writers):
            transport = writer.transport
            if not transport.is_closing():
                transport.abort()
        self._writers.clear()

    def heal(self) -> None:
        """Undo every fault."""
        self.blackhole(False)
        self.reject(False)
        self.set_delay(0)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.rejecting:
            writer.transport.abort()
            return
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await self._open.wait()
            if self.rejecting:
                return
            try:
                up_reader, up_writer = await asyncio.wait_for(
                    asyncio.open_connection(self.target_host, self.target_port), 5.0)
            except (OSError, TimeoutError):
                return
            self._writers.add(up_writer)
            try:
                await asyncio.gather(self._pump(reader, up_writer),
                                     self._pump(up_reader, writer))
            finally:
                self._close(up_writer)
        finally:
            self._close(writer)
            if task is not None:
                self._tasks.discard(task)

    def _close(self, writer: asyncio.StreamWriter) -> None:
        self._writers.discard(writer)
        if not writer.transport.is_closing():
            writer.transport.abort()

    async def _pump(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while True:
                await self._open.wait()
                data = await src.read(65536)
                if not data:
                    break
                if self.delay_s:
                    await asyncio.sleep(self.delay_s)
                await self._open.wait()
                dst.write(data)
                await dst.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            with contextlib.suppress(OSError, RuntimeError):
                if not dst.transport.is_closing():
                    if dst.can_write_eof():
                        dst.write_eof()
                    else:
                        dst.transport.abort()
