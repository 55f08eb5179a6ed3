"""The blocking-socket I/O backend: the sync twin of :mod:`smclient._async.backend`.

Hand-written (not generated). The socket is non-blocking and driven by a selector, so a long
pipeline is sent while its replies are read: neither side can fill its buffers and wait for
the other. The same sans-I/O :class:`~smclient.protocol.ReplyReader` splits the replies. Any
failure or interruption in the middle of a request closes the socket, so a late reply can
never be handed to the next user of the connection.
"""

from __future__ import annotations

import builtins
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Sequence

from smclient.exceptions import ConnectionError, TimeoutError, UnexpectedReplyError
from smclient.protocol.lines import LineTooLong
from smclient.protocol.reader import ReplyReader
from smclient.replies import WireReply

monotonic = time.monotonic
"""The clock the connection layer uses for idle times and retry budgets."""

RECV_BYTES = 256 * 1024
_WOULD_BLOCK = (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError)


def sleep(delay_s: float) -> None:
    """Sleep (between retries)."""
    time.sleep(delay_s)


def checkpoint() -> None:
    """Nothing to do: the socket is checked directly (see :attr:`Transport.usable`)."""


class _Exchange:
    """The state of one request: bytes left to send, replies taken so far."""

    def __init__(self, payload: bytes, shapes: Sequence[bool]) -> None:
        self.out = memoryview(payload)
        self.shapes = list(shapes)
        self.replies: list[WireReply] = []

    @property
    def done(self) -> bool:
        return not self.out and len(self.replies) == len(self.shapes)


class Transport:
    """One open connection: pipelined requests, replies in order."""

    def __init__(self, sock: socket.socket, max_line_bytes: int) -> None:
        sock.setblocking(False)
        self._sock = sock
        self._reader = ReplyReader(max_line_bytes)
        self._selector = selectors.DefaultSelector()
        self._closed = False
        self._busy = False

    @property
    def closed(self) -> bool:
        """Whether the connection has failed or been closed."""
        return self._closed

    @property
    def usable(self) -> bool:
        """Open, in step, and with nothing unread waiting on the socket (checked without
        blocking: a peer that closed or sent stray bytes makes the connection unusable)."""
        if self._closed or self._busy or self._reader.buffered_lines:
            return False
        try:
            data = self._sock.recv(RECV_BYTES)
        except _WOULD_BLOCK:
            return True
        except OSError:
            self.close()
            return False
        self.close()  # EOF (b"") or unsolicited bytes: out of step either way
        del data
        return False

    def request(
        self, payload: bytes, shapes: Sequence[bool], timeout_s: float | None
    ) -> list[WireReply]:
        """Send ``payload`` and return one reply per entry of ``shapes`` (true: multi-line).
        Each reply may take up to ``timeout_s`` after the previous one. On a timeout, an
        interruption or any failure the socket is closed and the error raised."""
        if self._closed:
            raise ConnectionError("connection unusable: closed", indeterminate=False)
        exchange = _Exchange(payload, shapes)
        self._busy = True
        try:
            self._run(exchange, timeout_s)
        except builtins.TimeoutError:
            self.close()
            raise TimeoutError(f"no reply within {timeout_s}s") from None
        except LineTooLong:
            self.close()
            raise UnexpectedReplyError("reply line longer than max_line_bytes") from None
        except OSError as exc:
            self.close()
            raise ConnectionError(f"connection lost: {exc}", indeterminate=True) from None
        except BaseException:
            self.close()
            raise
        self._busy = False
        if self._reader.buffered_lines:
            self.close()
            raise UnexpectedReplyError("unsolicited data from the server")
        return exchange.replies

    def _run(self, ex: _Exchange, timeout_s: float | None) -> None:
        deadline = None if timeout_s is None else monotonic() + timeout_s
        while not ex.done:
            progressed = self._send_some(ex) | self._receive_some(ex)
            if progressed and timeout_s is not None:
                deadline = monotonic() + timeout_s
            if ex.done or progressed:
                continue
            self._wait(ex, deadline)

    def _send_some(self, ex: _Exchange) -> bool:
        sent_any = False
        while ex.out:
            try:
                n = self._sock.send(ex.out[:RECV_BYTES])
            except _WOULD_BLOCK:
                break
            ex.out = ex.out[n:]
            sent_any = True
        return sent_any

    def _receive_some(self, ex: _Exchange) -> bool:
        got_reply = False
        while len(ex.replies) < len(ex.shapes):
            reply = self._reader.pop(ex.shapes[len(ex.replies)])
            if reply is not None:
                ex.replies.append(reply)
                got_reply = True
                continue
            try:
                data = self._sock.recv(RECV_BYTES)
            except _WOULD_BLOCK:
                break
            if not data:
                raise ConnectionError("server closed the connection", indeterminate=True)
            self._reader.feed(data)
        return got_reply

    def _wait(self, ex: _Exchange, deadline: float | None) -> None:
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if ex.out else 0)
        remaining = None if deadline is None else deadline - monotonic()
        if remaining is not None and remaining <= 0:
            raise builtins.TimeoutError()
        self._selector.register(self._sock, events)
        try:
            ready = self._selector.select(remaining)
        finally:
            self._selector.unregister(self._sock)
        if not ready and deadline is not None and monotonic() >= deadline:
            raise builtins.TimeoutError()

    def close(self) -> None:
        """Close the socket."""
        if self._closed:
            return
        self._closed = True
        try:
            self._sock.close()
        finally:
            self._selector.close()


def connect(
    host: str,
    port: int,
    *,
    ssl_context: ssl.SSLContext | None,
    server_hostname: str | None,
    connect_timeout_s: float,
    max_line_bytes: int,
) -> Transport:
    """Open a TCP (or TLS) connection. Failures raise a not-indeterminate ConnectionError."""
    try:
        sock = socket.create_connection((host, port), timeout=connect_timeout_s)
    except builtins.TimeoutError:
        raise ConnectionError(
            f"connect to {host}:{port} timed out after {connect_timeout_s}s"
        ) from None
    except OSError as exc:
        raise ConnectionError(f"cannot connect to {host}:{port}: {exc}") from None
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if ssl_context is not None:
            sock = ssl_context.wrap_socket(sock, server_hostname=server_hostname or host)
    except (OSError, ssl.SSLError) as exc:
        sock.close()
        raise ConnectionError(f"cannot connect to {host}:{port}: {exc}") from None
    return Transport(sock, max_line_bytes)


class Limiter:
    """Counting slots with a deadline, for the connection pool's size limit."""

    def __init__(self, size: int) -> None:
        self._semaphore = threading.Semaphore(size)

    def acquire(self, timeout_s: float | None) -> bool:
        """Take a slot; ``False`` if none frees up within ``timeout_s``."""
        return self._semaphore.acquire(timeout=timeout_s)

    def release(self) -> None:
        """Give a slot back."""
        self._semaphore.release()
