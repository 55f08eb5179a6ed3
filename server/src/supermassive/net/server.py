"""The server side of every connection: an ``asyncio.Protocol`` over a sans-I/O line reader.

``data_received`` splits the bytes into complete lines and hands each to the role's
:class:`Handler`. A handler answers synchronously with the reply bytes (the node's in-memory
commands) or with an awaitable (the cluster's fan-out, a node write waiting for fsync). Replies
always leave in command order: synchronous replies produced while nothing is pending are batched
into one ``transport.write`` per read; once an awaitable is pending, later replies queue behind it.
The queue is pumped by callbacks, without a task per connection: a future at the head gets a
done-callback, and when it completes every ready reply at the head leaves in one write. A lazy
awaitable (a coroutine, or an object with a ``start()`` method) is started only when it reaches
the head, once every earlier reply is ready, so commands from one connection take effect in the
order sent.

Back-pressure both ways: reading pauses when the queue holds ``max_pipeline`` pending replies or
when the transport's write buffer is full, and resumes when they drain.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import deque
from collections.abc import Awaitable, Callable, Generator
from typing import Any, Protocol

from smclient.protocol.lines import LineBuffer, LineTooLong
from supermassive.net.deferred import Deferred

log = logging.getLogger("supermassive.net")

Reply = bytes | Awaitable[bytes]
"""A handler's answer: the reply bytes, or an awaitable of them. The connection layer treats an
awaitable by kind: an :class:`asyncio.Future` (a task too) or a
:class:`~supermassive.net.deferred.Deferred` is waited for by callback; a
:class:`Then` maps another reply; an object with a ``start() -> Reply`` method, or a coroutine,
is lazy: started when every earlier reply is ready."""

ERR_LINE_TOO_LONG = b"ERR line too long\r\n"
ERR_INTERNAL = b"ERR internal error\r\n"


class Then:
    """The reply ``fn(native)`` of another reply ``source``, computed when ``source`` is ready:
    no task and no extra loop iteration (the RESP adapter encodes native replies with it).
    ``source`` may be lazy; it starts when this reply reaches the head of the queue."""

    __slots__ = ("fn", "source")

    def __init__(self, source: Reply, fn: Callable[[bytes], bytes]) -> None:
        self.source = source
        self.fn = fn

    def __await__(self) -> Generator[Any, None, bytes]:
        source = self.source
        native = source if isinstance(source, bytes) else (yield from _awaited(source))
        return self.fn(native)


def _awaited(item: Awaitable[bytes]) -> Generator[Any, None, bytes]:
    return (yield from item.__await__())


def _started(item: Awaitable[bytes]) -> Reply:
    """A lazy reply, started: ``item.start()``, or a task running the coroutine."""
    start = getattr(item, "start", None)
    if start is not None:
        reply: Reply = start()
        return reply
    return asyncio.ensure_future(item)


def _outcome(fut: asyncio.Future[bytes] | Deferred) -> bytes:
    """A completed reply future's bytes; a failed one answers ``ERR internal error``."""
    if fut.cancelled():
        log.error("a reply was cancelled while its connection was open")
        return ERR_INTERNAL
    exc = fut.exception()
    if exc is not None:
        log.error("command failed", exc_info=exc)
        return ERR_INTERNAL
    return fut.result()


class Session:
    """Per-connection state the handlers read and change."""

    __slots__ = ("authenticated", "closing", "data", "internal", "peer", "pending_writes")

    def __init__(self, peer: str) -> None:
        self.peer = peer
        self.authenticated = False  #: AUTH (cluster) or NAUTH (node/replica) succeeded
        self.internal = False  #: authenticated with the shared key (a cluster or a primary)
        self.closing = False  #: set by QUIT: stop reading, close after the replies
        self.pending_writes = 0  #: for handlers that order reads after queued writes
        self.data: dict[str, Any] = {}  #: free slot for a role's per-connection state


class Handler(Protocol):
    """What a role provides to the connection layer."""

    def handle(self, session: Session, line: bytes) -> Reply:
        """Answer one command line (no CR/LF) with reply bytes (CRLF-terminated) or an
        awaitable of them. Must not raise for bad input: bad input gets an ``ERR`` reply."""

    def flush(self) -> None:
        """Called once per read batch, before its replies are written (journal write-out)."""

    # Optional: ``flushed() -> bool``, True when :meth:`flush` has nothing to write out (the
    # replies of a read may then leave at once; see :meth:`ServerConnection.finish_batch`).

    def session_closed(self, session: Session) -> None:
        """The connection is gone (release per-connection resources)."""


RespFast = Callable[[Session, list[bytes]], "bytes | None"]
"""A role's RESP fast path for one command name: ``hook(session, args)`` gives the RESP reply
bytes when it can prove the general path would give exactly them, else ``None`` (the general
path then runs). Roles offer them as ``handler.resp_fast: dict[bytes, RespFast]``."""

ResponderFactory = Callable[["ServerConnection"], Callable[[bytes], None]]
"""Builds an alternative protocol feeder (RESP) for a connection, chosen by its first byte."""


class ServerConnection(asyncio.Protocol):
    """One client connection."""

    def __init__(self, server: Server) -> None:
        self._server = server
        self._handler = server.handler
        self._lines = LineBuffer(server.max_line_bytes)
        self._queue: deque[Reply] = deque()
        self._waiting: asyncio.Future[bytes] | Deferred | None = None  #: the head we wait on
        self._drained: asyncio.Future[None] | None = None  #: for :meth:`wait_drained`
        self._transport: asyncio.Transport | None = None
        self._paused_reading = False
        self._write_paused = False
        self._eof = False
        self._scheduled = False
        self._alt: Callable[[bytes], None] | None = None
        self._first = True
        self.session = Session("?")

    # ---- asyncio callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        assert self._transport is not None
        peer = transport.get_extra_info("peername")
        self.session = Session(f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer))
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        if len(self._server.connections) >= self._server.max_connections:
            self._transport.write(b"ERR too many connections\r\n")
            transport.close()
            return
        self._server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._server.connections.discard(self)
        items = list(self._queue)
        self._queue.clear()
        for item in items:
            _discard(item.source if isinstance(item, Then) else item)
        self._settle_drained()
        try:
            self._handler.session_closed(self.session)
        except Exception:  # pragma: no cover - defensive
            log.exception("session_closed failed")

    def pause_writing(self) -> None:
        self._write_paused = True
        self._update_reading()

    def resume_writing(self) -> None:
        self._write_paused = False
        self._update_reading()

    def eof_received(self) -> bool:
        """Half-close: finish every reply already due, then close."""
        self._eof = True
        if not self._queue and not self._scheduled and self._transport is not None:
            self._transport.close()
        return True  # otherwise the write side stays open until the replies are out

    def data_received(self, data: bytes) -> None:
        if self.session.closing:
            return
        if self._first:
            self._first = False
            if data[:1] == b"*" and self._server.alt_protocol is not None:
                self._alt = self._server.alt_protocol(self)
        if self._alt is not None:
            self._alt(data)
            return
        if (data.find(b"\n") == len(data) - 1 and data[-2:-1] == b"\r" and not self._queue
                and len(data) <= self._server.max_line_bytes
                and not self._lines.pending_bytes):
            self._run_one(data[:-2])  # exactly one CRLF line (LineBuffer.feed's result)
            return
        try:
            lines = self._lines.feed(data)
        except LineTooLong:
            self._too_long()
            return
        self.run_lines(lines)

    def _run_one(self, line: bytes) -> None:
        """:meth:`run_lines` for one line with nothing queued: the reply leaves at once when
        nothing waits for the journal (:meth:`finish_batch`'s rule), without a batch list."""
        session = self.session
        try:
            reply = self._handler.handle(session, line)
        except Exception:
            log.exception("handler failed on %r", line[:80])
            reply = ERR_INTERNAL
        self.finish_one(reply)

    def finish_one(self, reply: Reply) -> None:
        """:meth:`finish_batch` for the only reply of a read, with nothing queued before it:
        a ready reply is written at once when nothing waits for the journal write-out (the
        same rule), without building a batch. A pending :class:`Deferred` alone in the queue
        gets its done-callback here (what :meth:`_pump` would do, less the trip through it)."""
        if type(reply) is not bytes:
            queue = self._queue
            queue.append(reply)
            if type(reply) is Deferred and len(queue) == 1 and not reply.done():
                self._waiting = reply
                reply.add_done_callback(self._head_done)
                if len(queue) >= self._server.max_pipeline:
                    self._update_reading()
                return
            self.finish_batch([])
            return
        transport = self._transport
        if (not self._server._pending and not self.session.closing and self._server.flushed()
                and not self._scheduled and transport is not None
                and not transport.is_closing()):
            transport.write(reply)
            return
        self.finish_batch([reply])

    # ---- command execution
    def run_lines(self, lines: list[bytes]) -> None:
        """Dispatch complete lines and write (or queue) their replies."""
        handler = self._handler
        session = self.session
        queue = self._queue
        out: list[bytes] = []
        for line in lines:
            try:
                reply = handler.handle(session, line)
            except Exception:
                log.exception("handler failed on %r", line[:80])
                reply = ERR_INTERNAL
            if queue or not isinstance(reply, bytes):
                queue.append(reply)
            else:
                out.append(reply)
            if session.closing:
                break
        self.finish_batch(out)

    def finish_batch(self, out: list[bytes]) -> None:
        """Hand this read's replies to the server, which writes them at the end of the loop
        iteration, after one journal write-out shared by every connection served in it.

        When nothing waits for that write-out (no reply scheduled this iteration, and the
        handler says everything it did is already written out: reads only), the replies are
        written at once, as a server without a journal would, and so are the ready replies
        at the head of the queue."""
        server = self._server
        if not server._pending and server.flushed():
            self.write_batch(out)
            return
        self._scheduled = True
        server.schedule_write(self, out)

    def write_batch(self, out: list[bytes]) -> None:
        """Write ready replies and every ready one at the head of the queue (the journal is
        already out)."""
        self._scheduled = False
        self._pump(out)

    def _pump(self, chunk: list[bytes]) -> None:
        """Write ``chunk`` then every ready reply at the head of the queue, in one write; wait
        (by a done-callback) for the first that is not ready, starting it if it is lazy."""
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        queue = self._queue
        while queue:
            item = queue[0]
            if type(item) is bytes:
                chunk.append(item)
                queue.popleft()
                continue
            then: Then | None
            source: Reply
            if type(item) is Then:
                then, source = item, item.source
            else:
                then, source = None, item
            if type(source) is not bytes:
                if type(source) is not Deferred and not isinstance(source, asyncio.Future):
                    try:
                        source = _started(source)  # type: ignore[arg-type]
                    except Exception:
                        log.exception("command failed to start")
                        source = ERR_INTERNAL
                    if then is not None:
                        then.source = source
                    else:
                        queue[0] = source
                    continue
                if not source.done():
                    if self._waiting is not source:
                        self._waiting = source
                        source.add_done_callback(self._head_done)
                    break
                source = _outcome(source)
            queue.popleft()
            chunk.append(then.fn(source) if then is not None else source)
        if chunk:
            transport.write(chunk[0] if len(chunk) == 1 else b"".join(chunk))
        self._update_reading()
        if not queue:
            self._settle_drained()
            if self.session.closing or self._eof:
                transport.close()

    def _head_done(self, fut: asyncio.Future[bytes] | Deferred) -> None:
        """The future at the head of the queue completed: write what is ready, unless this
        connection's replies of the current loop iteration wait for the journal write-out
        (its :meth:`write_batch` pumps then)."""
        if self._waiting is fut:
            self._waiting = None
        if self._scheduled or not self._queue:
            return
        self._pump([])

    def _settle_drained(self) -> None:
        drained, self._drained = self._drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)

    def _too_long(self) -> None:
        self.session.closing = True
        if self._queue:
            self._queue.append(ERR_LINE_TOO_LONG)
            self.finish_batch([])
        else:
            self.finish_batch([ERR_LINE_TOO_LONG])

    def _update_reading(self) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        want_pause = self._write_paused or len(self._queue) >= self._server.max_pipeline
        if want_pause and not self._paused_reading:
            self._paused_reading = True
            transport.pause_reading()
        elif not want_pause and self._paused_reading:
            self._paused_reading = False
            transport.resume_reading()

    def write(self, data: bytes) -> None:
        """Write raw bytes (used by alternative protocols)."""
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    def abort(self) -> None:
        """Drop the connection without replying (its replies cannot be trusted)."""
        if self._transport is not None:
            self._transport.abort()

    def close(self) -> None:
        """Close after pending replies."""
        self.session.closing = True
        if not self._queue and self._transport is not None:
            self._transport.close()

    @property
    def handler(self) -> Handler:
        """The role's handler."""
        return self._handler

    @property
    def queue(self) -> deque[Reply]:
        """Replies waiting to be written in order (for alternative protocols)."""
        return self._queue

    async def wait_drained(self) -> None:
        """Wait until every queued reply has been written (or the connection is gone)."""
        if not self._queue:
            return
        if self._drained is None:
            self._drained = asyncio.get_running_loop().create_future()
        await asyncio.shield(self._drained)

    def stop_reading(self) -> None:
        """Stop taking new commands (shutdown)."""
        if self._transport is not None and not self._transport.is_closing():
            self._paused_reading = True
            self._transport.pause_reading()


def _discard(item: object) -> None:
    """Drop a reply whose connection is gone: cancel it if started, close it if a coroutine."""
    if isinstance(item, (asyncio.Future, Deferred)):
        item.cancel()
    elif asyncio.iscoroutine(item):
        item.close()


def _never() -> bool:
    return False


class Server:
    """A listener serving one role's :class:`Handler`."""

    def __init__(
        self, handler: Handler, *, max_line_bytes: int, max_connections: int, max_pipeline: int,
        alt_protocol: ResponderFactory | None = None,
    ) -> None:
        self.handler = handler
        self.max_line_bytes = max_line_bytes
        self.max_connections = max_connections
        self.max_pipeline = max_pipeline
        self.alt_protocol = alt_protocol
        self.connections: set[ServerConnection] = set()
        self._pending: list[tuple[ServerConnection, list[bytes]]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        flushed: Callable[[], bool] | None = getattr(handler, "flushed", None)
        self.flushed: Callable[[], bool] = flushed if flushed is not None else _never
        self._servers: list[asyncio.Server] = []
        self.bound: list[tuple[str, int]] = []

    def schedule_write(self, conn: ServerConnection, out: list[bytes]) -> None:
        """Queue a connection's replies for the end-of-iteration write (see :meth:`_write_all`)."""
        if not self._pending:
            (self._loop or asyncio.get_running_loop()).call_soon(self._write_all)
        self._pending.append((conn, out))

    def _write_all(self) -> None:
        """One journal write-out for everything served this iteration, then every reply."""
        pending, self._pending = self._pending, []
        try:
            self.handler.flush()
        except Exception:
            log.exception("journal write-out failed; closing the affected connections")
            for conn, _ in pending:
                conn.abort()
            return
        for conn, out in pending:
            conn.write_batch(out)

    async def listen(self, host: str, port: int, ssl: Any = None) -> None:
        """Start listening on ``host:port`` (with an ``ssl.SSLContext`` for TLS)."""
        loop = self._loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: ServerConnection(self), host, port, ssl=ssl, reuse_address=True,
            backlog=1024,
        )
        self._servers.append(server)
        for sock in server.sockets:
            addr = sock.getsockname()
            self.bound.append((str(addr[0]), int(addr[1])))

    async def close(self, grace_s: float = 3.0) -> None:
        """Stop accepting, stop reading, let in-flight replies finish (up to ``grace_s``)."""
        for server in self._servers:
            server.close()
        conns = list(self.connections)
        for conn in conns:
            conn.stop_reading()
        pending = [conn.wait_drained() for conn in conns]
        if pending:
            await asyncio.wait(
                [asyncio.ensure_future(p) for p in pending], timeout=grace_s
            )
        for conn in conns:
            conn.close()
            if conn._transport is not None:
                conn._transport.close()
        for server in self._servers:
            try:
                await asyncio.wait_for(server.wait_closed(), timeout=1.0)
            except TimeoutError:
                pass
