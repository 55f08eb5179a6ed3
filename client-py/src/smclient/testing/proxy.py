"""A TCP fault proxy for tests and the chaos harness.

:class:`FaultProxy` listens on a loopback port and forwards every connection to a target.
Faults are switched at runtime, from any thread:

* :meth:`~FaultProxy.delay`: hold bytes for a while, per direction (order is kept);
* :meth:`~FaultProxy.drop`: blackhole, per direction: bytes are accepted and never forwarded;
* :meth:`~FaultProxy.cut`: reset every open connection;
* :meth:`~FaultProxy.reject`: stop listening, so new connections are refused;
* :meth:`~FaultProxy.heal`: clear every fault.

It runs its own asyncio loop in a daemon thread, so blocking tests and asyncio tests (on any
loop) use it the same way::

    with FaultProxy("127.0.0.1", node.port) as proxy:
        client = Client(port=proxy.port, shared_key="test-key")
        proxy.delay(to_client_s=0.5)
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")
_CHUNK_BYTES = 64 * 1024
_CONTROL_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class ProxyStatistics:
    """Counters of a :class:`FaultProxy`."""

    open_connections: int
    accepted_total: int
    bytes_to_server: int
    bytes_to_client: int


class _Direction:
    """Fault settings and counters of one direction (to the server or to the client)."""

    def __init__(self) -> None:
        self.delay_s = 0.0
        self.drop = False
        self.bytes = 0


class _Link:
    """One proxied connection: two pumps, each a reader task feeding a writer task."""

    def __init__(self, proxy: FaultProxy, client: tuple[asyncio.StreamReader,
                 asyncio.StreamWriter], server: tuple[asyncio.StreamReader,
                 asyncio.StreamWriter]) -> None:
        self.proxy = proxy
        self.client = client
        self.server = server
        self.tasks: list[asyncio.Task[None]] = []
        self._open_directions = 2

    def start(self) -> None:
        for (reader, _), (_, writer), direction in (
            (self.client, self.server, self.proxy._to_server),
            (self.server, self.client, self.proxy._to_client),
        ):
            queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
            self.tasks.append(asyncio.ensure_future(self._read(reader, queue, direction)))
            self.tasks.append(asyncio.ensure_future(self._write(writer, queue)))

    async def _read(
        self, reader: asyncio.StreamReader, queue: asyncio.Queue[tuple[float, bytes] | None],
        direction: _Direction,
    ) -> None:
        try:
            while data := await reader.read(_CHUNK_BYTES):
                if direction.drop:
                    continue
                direction.bytes += len(data)
                queue.put_nowait((time.monotonic() + direction.delay_s, data))
        except (OSError, asyncio.IncompleteReadError):
            self.abort()
            return
        queue.put_nowait(None)

    async def _write(
        self, writer: asyncio.StreamWriter, queue: asyncio.Queue[tuple[float, bytes] | None]
    ) -> None:
        try:
            while (item := await queue.get()) is not None:
                send_at, data = item
                wait_s = send_at - time.monotonic()
                if wait_s > 0:
                    await asyncio.sleep(wait_s)
                writer.write(data)
                await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()
        except OSError:
            self.abort()
            return
        self._open_directions -= 1
        if self._open_directions == 0:
            for _, side in (self.client, self.server):
                side.close()
            self.proxy._links.discard(self)

    def abort(self) -> None:
        """Reset both sides and stop the pumps."""
        for _, writer in (self.client, self.server):
            writer.transport.abort()
        for task in self.tasks:
            task.cancel()
        self.proxy._links.discard(self)


class FaultProxy:
    """A TCP proxy to ``target_host:target_port`` whose faults are toggled at runtime."""

    def __init__(
        self, target_host: str, target_port: int, *, listen_host: str = "127.0.0.1",
        listen_port: int = 0,
    ) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.host = listen_host
        self.port = listen_port
        self._to_server = _Direction()
        self._to_client = _Direction()
        self._links: set[_Link] = set()
        self._accepted_total = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None

    @property
    def address(self) -> str:
        """``host:port`` to connect clients to."""
        return f"{self.host}:{self.port}"

    # ---- life cycle ---------------------------------------------------------------------

    def start(self) -> FaultProxy:
        """Start the loop thread and listen (on a free port unless one was given)."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        loop = asyncio.new_event_loop()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name=f"FaultProxy->{self.target_port}",
                                        daemon=True)
        self._thread.start()
        ready.wait(_CONTROL_TIMEOUT_S)
        self._call(self._listen())
        return self

    def stop(self) -> None:
        """Close every connection and the listener, and stop the thread."""
        if self._loop is None or self._thread is None:
            return
        with contextlib.suppress(Exception):
            self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(_CONTROL_TIMEOUT_S)
        self._thread = None
        self._loop = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    async def __aenter__(self) -> FaultProxy:
        return self.start()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.stop()

    # ---- faults -------------------------------------------------------------------------

    def delay(self, *, to_server_s: float | None = None, to_client_s: float | None = None) -> None:
        """Hold bytes for this long before forwarding them (``None`` leaves it unchanged)."""
        if to_server_s is not None:
            self._to_server.delay_s = max(0.0, to_server_s)
        if to_client_s is not None:
            self._to_client.delay_s = max(0.0, to_client_s)

    def drop(self, *, to_server: bool | None = None, to_client: bool | None = None) -> None:
        """Blackhole a direction: accept its bytes and forward nothing."""
        if to_server is not None:
            self._to_server.drop = to_server
        if to_client is not None:
            self._to_client.drop = to_client

    def cut(self) -> int:
        """Reset every open connection (both sides); return how many there were."""
        return self._call(self._cut())

    def reject(self, reject: bool = True) -> None:
        """Stop listening (new connections are refused), or listen again with ``False``."""
        self._call(self._unlisten() if reject else self._listen())

    def heal(self) -> None:
        """Clear delays, drops and rejection (open connections are kept)."""
        self.delay(to_server_s=0, to_client_s=0)
        self.drop(to_server=False, to_client=False)
        self.reject(False)

    def statistics(self) -> ProxyStatistics:
        """Connection and byte counters."""
        return ProxyStatistics(
            open_connections=len(self._links), accepted_total=self._accepted_total,
            bytes_to_server=self._to_server.bytes, bytes_to_client=self._to_client.bytes,
        )

    # ---- inside the loop thread ---------------------------------------------------------

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._loop is None:
            coro.close()
            raise RuntimeError("the proxy is not running")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(_CONTROL_TIMEOUT_S)

    async def _listen(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(
            self._accept, self.host, self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _unlisten(self) -> None:
        if self._server is not None:
            self._server.close()  # open connections stay (wait_closed would wait for them)
            self._server = None

    async def _cut(self) -> int:
        links = list(self._links)
        for link in links:
            link.abort()
        await asyncio.sleep(0)
        return len(links)

    async def _shutdown(self) -> None:
        await self._cut()
        await self._unlisten()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._accepted_total += 1
        try:
            server = await asyncio.wait_for(
                asyncio.open_connection(self.target_host, self.target_port),
                _CONTROL_TIMEOUT_S,
            )
        except OSError:  # TimeoutError included
            writer.transport.abort()
            return
        link = _Link(self, (reader, writer), server)
        self._links.add(link)
        link.start()
