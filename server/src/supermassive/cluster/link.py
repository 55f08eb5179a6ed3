"""One pipelined connection from the cluster to a member (an ``asyncio.Protocol``).

Requests made during one event-loop iteration are written together (one ``write``, one
syscall, however many clients asked); each leaves a waiter ``(target, multi, deadline)`` in a
FIFO, and replies, parsed by the sans-I/O :class:`ReplyReader`, resolve the waiters in order.
The target is a future (:meth:`LinkConnection.request`) or, on the fast paths, a plain
callback called with the reply (:meth:`LinkConnection.request_cb`: no future, no extra loop
iteration).
Many requests are in flight at once and nothing is locked per request. If the connection fails
before a batch was written, its requests fail with :class:`MemberDown` (they never left, so a
write may go to another primary).

A waiter whose caller went away (cancelled) still consumes its reply, so a reply is never
handed to the next request. One timer watches the earliest deadline in flight: when it passes,
the connection is closed (its later replies would be out of step) and every in-flight request
fails with :class:`LinkTimeout`. A peer closing the connection, or sending a reply nobody asked
for, fails them with :class:`LinkLost`. The owner (:class:`~supermassive.cluster.member.Member`)
hears about every close through ``on_close`` and marks the member down.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import cast

from smclient.protocol import LineTooLong, ReplyReader
from supermassive.cluster.errors import LinkError, LinkLost, LinkTimeout, MemberDown

log = logging.getLogger("supermassive.cluster.link")

LinkReply = bytes | list[bytes]
"""A single-line reply, or a multi-line reply (header first)."""

ReplyCallback = Callable[["LinkReply | LinkError"], None]
"""Called once with the reply, or with the :class:`LinkError` that ended the request."""

CloseCallback = Callable[["LinkConnection", LinkError], None]


class LinkConnection(asyncio.Protocol):
    """A connection to one member, carrying many requests at once."""

    def __init__(
        self, address: str, *, max_line_bytes: int, write_timeout_s: float,
        on_close: CloseCallback | None = None,
    ) -> None:
        self.address = address
        self.on_close = on_close
        self._reader = ReplyReader(max_line_bytes)
        self._waiters: deque[tuple[asyncio.Future[LinkReply] | ReplyCallback, bool, float]] = (
            deque())
        self._transport: asyncio.Transport | None = None
        self._loop = asyncio.get_running_loop()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self._write_timer: asyncio.TimerHandle | None = None
        self._write_timeout_s = write_timeout_s
        self._error: LinkError | None = None
        self._out: list[bytes] = []  #: lines requested in this loop iteration, not written yet

    # ---- state
    @property
    def open(self) -> bool:
        """Whether requests can be sent."""
        return self._transport is not None and self._error is None

    @property
    def in_flight(self) -> int:
        """Requests sent and not answered yet."""
        return len(self._waiters)

    @property
    def batching(self) -> bool:
        """Whether lines requested in this loop iteration are waiting for the next write."""
        return bool(self._out)

    # ---- asyncio callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses: no isinstance check here.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        reader = self._reader
        try:
            reader.feed(data)
        except LineTooLong:
            self.fail(LinkLost(self.address, "reply line too long"))
            return
        waiters = self._waiters
        while waiters:
            target, multi, _ = waiters[0]
            reply = reader.pop(multi)
            if reply is None:
                break
            waiters.popleft()
            if isinstance(target, asyncio.Future):
                if not target.done():
                    target.set_result(reply)
            else:
                _call(target, reply)
        if not waiters and reader.buffered_lines:
            self.fail(LinkLost(self.address, "unexpected reply from the member"))

    def eof_received(self) -> bool:
        self.fail(LinkLost(self.address, "connection closed by the member"))
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        reason = f"connection lost: {exc}" if exc else "connection closed by the member"
        self.fail(LinkLost(self.address, reason))

    def pause_writing(self) -> None:
        if self._write_timer is None:
            self._write_timer = self._loop.call_later(self._write_timeout_s, self._write_stuck)

    def resume_writing(self) -> None:
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None

    # ---- requests
    def request(self, line: bytes, multi: bool, timeout_s: float) -> asyncio.Future[LinkReply]:
        """Send ``line`` (no CRLF); the future resolves with its reply or a :class:`LinkError`.

        Raises :class:`MemberDown` at once (nothing sent) when the connection is not open.
        """
        fut: asyncio.Future[LinkReply] = self._loop.create_future()
        self.request_cb(line, fut, multi, timeout_s)
        return fut

    def request_cb(
        self, line: bytes, target: asyncio.Future[LinkReply] | ReplyCallback, multi: bool,
        timeout_s: float,
    ) -> None:
        """Like :meth:`request`, but the outcome goes to ``target``: a future, or a callback
        called once (from the event loop's I/O callback or a failure, never from here) with
        the reply or the :class:`LinkError`: no future, no extra loop iteration. Raises
        :class:`MemberDown` at once when the connection is not open (``target`` untouched)."""
        if self._transport is None or self._error is not None:
            raise MemberDown(self.address, "connection not open")
        out = self._out
        out.append(line)
        if len(out) == 1:
            self._loop.call_soon(self._flush)
        deadline = self._loop.time() + timeout_s
        self._waiters.append((target, multi, deadline))
        if self._timer is None or deadline < self._timer_at:
            self._arm(deadline)

    def _arm(self, deadline: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = deadline
        self._timer = self._loop.call_at(deadline, self._check_deadline)

    def _flush(self) -> None:
        """Write every line requested since the last flush in one ``write`` (one syscall)."""
        out = self._out
        if not out or self._error is not None or self._transport is None:
            return
        out.append(b"")
        self._transport.write(b"\r\n".join(out))
        out.clear()

    def _check_deadline(self) -> None:
        self._timer = None
        if not self._waiters:
            return
        now = self._loop.time()
        deadline = min(w[2] for w in self._waiters)
        if deadline <= now:
            self.fail(LinkTimeout(self.address, "no reply within the read timeout"))
        else:
            self._arm(deadline)

    def _write_stuck(self) -> None:
        self._write_timer = None
        self.fail(LinkTimeout(self.address, "could not send within the write timeout"))

    # ---- closing
    def fail(self, error: LinkError) -> None:
        """Close the connection and fail every in-flight request with ``error`` (idempotent)."""
        if self._error is not None:
            return
        self._error = error
        for timer in (self._timer, self._write_timer):
            if timer is not None:
                timer.cancel()
        self._timer = self._write_timer = None
        waiters = self._waiters
        unsent = len(self._out)  # the last ``unsent`` waiters never left: safe to resend
        self._out.clear()
        not_sent = MemberDown(self.address, error.reason)
        while waiters:
            target = waiters.popleft()[0]
            why = not_sent if len(waiters) < unsent else error
            if not isinstance(target, asyncio.Future):
                _call(target, why)
            elif not target.done():
                target.set_exception(why)
                target.exception()  # a caller that went away must not log "never retrieved"
        if self._transport is not None:
            self._transport.abort()
        callback, self.on_close = self.on_close, None
        if callback is not None:
            try:
                callback(self, error)
            except Exception:  # pragma: no cover - defensive
                log.exception("link close callback failed")

    def close(self, reason: str = "closed by the cluster") -> None:
        """Close on purpose; in-flight requests fail with :class:`LinkLost`."""
        self.fail(LinkLost(self.address, reason))


def _call(callback: ReplyCallback, outcome: LinkReply | LinkError) -> None:
    """Run a request's callback; its failure is logged, never the link's problem."""
    try:
        callback(outcome)
    except Exception:
        log.exception("link reply callback failed")
