"""A TCP fault proxy for tests and the chaos harness.

:class:`FaultProxy` listens on a loopback port and forwards every connection to a target.
Faults are switched at runtime, from any thread:

* :meth:`~FaultProxy.delay`: hold bytes for a while, per direction (order is kept);
* :meth:`~FaultProxy.drop`: blackhole, per direction: bytes are accepted and never forwarded;
* :meth:`~FaultProxy.hold`: partition, per direction: nothing is forwarded and nothing is
  lost; connections stay open, bytes wait (as segments TCP will retransmit) and flow again
  when the hold is lifted; a connection accepted meanwhile is connected onward only then;
* :meth:`~FaultProxy.cut`: reset every open connection;
* :meth:`~FaultProxy.reject`: stop listening, so new connections are refused (or, with
  ``reset=True``, keep listening and reset each new connection);
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
    held_to_server: bool = False
    held_to_client: bool = False
    waiting_connections: int = 0
    """Accepted while a direction was held, not yet connected to the target."""


class _Direction:
    """Fault settings and counters of one direction (to the server or to the client)."""

    def __init__(self) -> None:
        self.delay_s = 0.0
        self.drop = False
        self.bytes = 0
        self.held = False  # as asked; ``flowing`` follows it inside the loop thread
        self.flowing = asyncio.Event()
        self.flowing.set()

    def new_loop(self) -> None:
        """A fresh event for a new loop thread (an event binds to the loop it first waits in)."""
        self.flowing = asyncio.Event()
        if not self.held:
            self.flowing.set()

    async def wait_flowing(self) -> None:
        """Return once the direction is not held."""
        await self.flowing.wait()


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
            self.tasks.append(asyncio.ensure_future(self._write(writer, queue, direction)))

    async def _read(
        self, reader: asyncio.StreamReader, queue: asyncio.Queue[tuple[float, bytes] | None],
        direction: _Direction,
    ) -> None:
        try:
            while True:
                await direction.wait_flowing()  # held: stop reading, so the sender backs up
                if not (data := await reader.read(_CHUNK_BYTES)):
                    break
                await direction.wait_flowing()  # read just as the hold began: keep it
                if direction.drop:
                    continue
                direction.bytes += len(data)
                queue.put_nowait((time.monotonic() + direction.delay_s, data))
        except (OSError, asyncio.IncompleteReadError):
            self.abort()
            return
        queue.put_nowait(None)

    async def _write(
        self, writer: asyncio.StreamWriter, queue: asyncio.Queue[tuple[float, bytes] | None],
        direction: _Direction,
    ) -> None:
        try:
            while (item := await queue.get()) is not None:
                send_at, data = item
                wait_s = send_at - time.monotonic()
                if wait_s > 0:
                    await asyncio.sleep(wait_s)
                await direction.wait_flowing()
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
        listen_port: int = 0, name: str = "",
    ) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.host = listen_host
        self.port = listen_port
        self.name = name or f"FaultProxy->{target_port}"
        """A label for logs and the loop thread (``cluster->primary-0``, say)."""
        self._to_server = _Direction()
        self._to_client = _Direction()
        self._links: set[_Link] = set()
        self._waiting: set[asyncio.Task[None]] = set()
        self._resetting = False
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
        self._to_server.new_loop()
        self._to_client.new_loop()
        loop = asyncio.new_event_loop()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name=self.name, daemon=True)
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

    def hold(self, *, to_server: bool | None = None, to_client: bool | None = None) -> None:
        """Partition a direction without losing anything (``None`` leaves it unchanged).

        Unlike :meth:`drop`, held bytes are kept, in order, and forwarded when the hold is
        lifted; connections stay open, and the proxy stops reading a held direction, so its
        sender backs up as behind a silent network. While either direction is held, a new
        connection is accepted but connected to the target only once both flow again (a SYN
        that gets no answer yet). Takes effect before this returns.
        """
        for direction, on in ((self._to_server, to_server), (self._to_client, to_client)):
            if on is not None:
                direction.held = on
        if self._loop is None:  # not started: nothing waits on the events yet
            self._sync_holds()
        else:
            self._call(self._apply_holds())

    @property
    def held(self) -> bool:
        """Whether either direction is held."""
        return self._to_server.held or self._to_client.held

    def cut(self) -> int:
        """Reset every open connection (both sides); return how many there were.
        Connections waiting for a hold to lift are reset too (and not counted)."""
        return self._call(self._cut())

    def reject(self, reject: bool = True, *, reset: bool = False) -> None:
        """Stop listening (new connections are refused), or listen again with ``False``.

        With ``reset=True`` the proxy keeps listening and resets each new connection as soon
        as it is accepted (the client connects, then reads a reset), instead of refusing it.
        """
        self._resetting = reject and reset
        self._call(self._unlisten() if reject and not reset else self._listen())

    def heal(self) -> None:
        """Clear delays, drops, holds and rejection (open connections are kept)."""
        self.delay(to_server_s=0, to_client_s=0)
        self.drop(to_server=False, to_client=False)
        self.reject(False)
        self.hold(to_server=False, to_client=False)

    def statistics(self) -> ProxyStatistics:
        """Connection and byte counters, and the holds in force."""
        return ProxyStatistics(
            open_connections=len(self._links), accepted_total=self._accepted_total,
            bytes_to_server=self._to_server.bytes, bytes_to_client=self._to_client.bytes,
            held_to_server=self._to_server.held, held_to_client=self._to_client.held,
            waiting_connections=len(self._waiting),
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

    def _sync_holds(self) -> None:
        for direction in (self._to_server, self._to_client):
            if direction.held:
                direction.flowing.clear()
            else:
                direction.flowing.set()

    async def _apply_holds(self) -> None:
        self._sync_holds()

    def _holding(self) -> bool:
        return not (self._to_server.flowing.is_set() and self._to_client.flowing.is_set())

    async def _cut(self) -> int:
        links = list(self._links)
        for link in links:
            link.abort()
        for task in list(self._waiting):
            task.cancel()
        await asyncio.sleep(0)
        return len(links)

    async def _shutdown(self) -> None:
        await self._cut()
        await self._unlisten()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._accepted_total += 1
        if self._resetting:
            writer.transport.abort()
            return
        if self._holding() and not await self._wait_unheld(writer):
            return
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

    async def _wait_unheld(self, writer: asyncio.StreamWriter) -> bool:
        """Hold a new connection until both directions flow; ``False`` if it was cut."""
        task = asyncio.current_task()
        assert task is not None
        self._waiting.add(task)
        try:
            while self._holding():
                await self._to_server.wait_flowing()
                await self._to_client.wait_flowing()
        except asyncio.CancelledError:
            writer.transport.abort()
            return False
        finally:
            self._waiting.discard(task)
        return True
