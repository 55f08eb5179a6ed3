"""The asyncio I/O backend: a pipelined ``asyncio.Protocol`` transport and a slot limiter.

This module (with :mod:`smclient._sync.backend`, its blocking-socket twin) is the only code
that differs between the two APIs; everything else in :mod:`smclient._async` is turned into
:mod:`smclient._sync` by ``client-py/scripts/gen_sync.py``.

The transport keeps a FIFO of waiters, one future per command. ``data_received`` feeds the
sans-I/O :class:`~smclient.protocol.ReplyReader` and resolves waiters in order. A request
that is cancelled or times out while replies are due closes the transport, so a late reply
can never be handed to the next user of the connection.
"""

from __future__ import annotations

import asyncio
import builtins
import ssl
import time
from collections import deque
from collections.abc import Sequence
from typing import cast

from smclient.exceptions import ConnectionError, TimeoutError, UnexpectedReplyError
from smclient.protocol.lines import LineTooLong
from smclient.protocol.reader import ReplyReader
from smclient.replies import WireReply

monotonic = time.monotonic
"""The clock the connection layer uses for idle times and retry budgets."""


async def sleep(delay_s: float) -> None:
    """Sleep (between retries)."""
    await asyncio.sleep(delay_s)


async def checkpoint() -> None:
    """Let the loop run its pending I/O callbacks (say, a peer's close of an idle
    connection seen while the loop was blocked) before a pooled connection is judged."""
    for _ in range(2):  # one turn to poll the selector, one to run what it found
        await asyncio.sleep(0)


class _ReplyProtocol(asyncio.Protocol):
    """Feeds received bytes to a :class:`ReplyReader` and resolves waiters in FIFO order."""

    def __init__(self, max_line_bytes: int) -> None:
        self.reader = ReplyReader(max_line_bytes)
        self.waiters: deque[tuple[asyncio.Future[WireReply], bool]] = deque()
        self.transport: asyncio.Transport | None = None
        self.error: Exception | None = None
        self._paused = False
        self._drained: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses: no isinstance check.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            self.reader.feed(data)
        except LineTooLong:
            self.fail(UnexpectedReplyError("reply line longer than max_line_bytes"))
            return
        waiters = self.waiters
        while waiters:
            future, multi = waiters[0]
            reply = self.reader.pop(multi)
            if reply is None:
                return
            waiters.popleft()
            if not future.done():
                future.set_result(reply)
        if self.reader.buffered_lines:
            self.fail(UnexpectedReplyError("unsolicited data from the server"))

    def eof_received(self) -> bool | None:
        self.fail(ConnectionError("server closed the connection", indeterminate=True))
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        reason = f": {exc}" if exc else ""
        self.fail(ConnectionError(f"connection lost{reason}", indeterminate=True))
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    async def drain(self) -> None:
        """Wait until the transport's write buffer is below its high-water mark."""
        while self._paused and self.error is None:
            self._drained = asyncio.get_running_loop().create_future()
            await self._drained

    def fail(self, error: Exception) -> None:
        """Fail every pending waiter with ``error`` and close the socket."""
        if self.error is None:
            self.error = error
        while self.waiters:
            future, _ = self.waiters.popleft()
            if not future.done():
                future.set_exception(self.error)
                future.exception()  # mark retrieved: the caller may be gone
        if self.transport is not None:
            self.transport.close()


class AsyncTransport:
    """One open connection: pipelined requests, replies in order."""

    def __init__(self, protocol: _ReplyProtocol) -> None:
        self._protocol = protocol

    @property
    def usable(self) -> bool:
        """Open, in step (no replies pending, no unread data) and not failed."""
        p = self._protocol
        return p.error is None and not p.waiters and not p.reader.buffered_lines

    @property
    def closed(self) -> bool:
        """Whether the connection has failed or been closed."""
        return self._protocol.error is not None

    async def request(
        self, payload: bytes, shapes: Sequence[bool], timeout_s: float | None
    ) -> list[WireReply]:
        """Send ``payload`` (one or more commands) and return one reply per entry of
        ``shapes`` (true: a multi-line reply). Each reply may take up to ``timeout_s``
        after the previous one. On a timeout, a cancellation or any failure the transport
        is closed and the error raised."""
        p = self._protocol
        if p.error is not None or p.transport is None:
            raise ConnectionError(f"connection unusable: {p.error}", indeterminate=False)
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in shapes]
        p.waiters.extend(zip(futures, shapes, strict=True))
        p.transport.write(payload)
        try:
            replies: list[WireReply] = []
            async with asyncio.timeout(timeout_s):
                await p.drain()
            for future in futures:
                async with asyncio.timeout(timeout_s):
                    replies.append(await future)
            return replies
        except builtins.TimeoutError:
            self.close()
            raise TimeoutError(f"no reply within {timeout_s}s") from None
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the connection; pending requests fail (indeterminate)."""
        self._protocol.fail(ConnectionError("connection closed", indeterminate=True))


async def connect(
    host: str,
    port: int,
    *,
    ssl_context: ssl.SSLContext | None,
    server_hostname: str | None,
    connect_timeout_s: float,
    max_line_bytes: int,
) -> AsyncTransport:
    """Open a TCP (or TLS) connection. Failures raise a not-indeterminate ConnectionError."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(connect_timeout_s):
            _, protocol = await loop.create_connection(
                lambda: _ReplyProtocol(max_line_bytes), host, port, ssl=ssl_context,
                server_hostname=(server_hostname or host) if ssl_context else None,
            )
    except builtins.TimeoutError:
        raise ConnectionError(
            f"connect to {host}:{port} timed out after {connect_timeout_s}s"
        ) from None
    except (OSError, ssl.SSLError) as exc:
        raise ConnectionError(f"cannot connect to {host}:{port}: {exc}") from None
    return AsyncTransport(protocol)


class AsyncLimiter:
    """Counting slots with a deadline, for the connection pool's size limit."""

    def __init__(self, size: int) -> None:
        self._semaphore = asyncio.Semaphore(size)

    async def acquire(self, timeout_s: float | None) -> bool:
        """Take a slot; ``False`` if none frees up within ``timeout_s``."""
        try:
            async with asyncio.timeout(timeout_s):
                await self._semaphore.acquire()
        except builtins.TimeoutError:
            return False
        return True

    def release(self) -> None:
        """Give a slot back."""
        self._semaphore.release()
