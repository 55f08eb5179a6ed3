"""One benchmark connection: an ``asyncio.Protocol`` keeping a window of requests in flight.

Each read validates every reply it completes against the op that asked for it, records its
latency, and refills the window with one ``transport.write`` (``--pipeline`` requests in flight,
1 = one at a time). Requests come from a *source* (the prepopulation writes, then the
workload) until the source is exhausted or the deadline passes; :attr:`done` resolves once the
last reply is in.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import cast

from smbench.codec import Codec, ReplyError
from smbench.stats import Stats
from smbench.workload import Op
from smclient.protocol import LineTooLong

_NEVER = 1 << 62


class BenchConnection(asyncio.Protocol):
    """A pipelined, validating client connection."""

    def __init__(self, codec: Codec, stats: Stats, pipeline: int) -> None:
        self.codec = codec
        self.stats = stats
        self.pipeline = pipeline
        self.reader = codec.new_reader()
        self.pending: deque[tuple[Op, int]] = deque()
        self.transport: asyncio.Transport | None = None
        self.next_op: Callable[[], Op | None] | None = None
        self.recording = False
        self.deadline_ns = _NEVER
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._call: asyncio.Future[object] | None = None

    # ---- asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport."""
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        """Validate the replies this read completes, then refill the window."""
        try:
            self.reader.feed(data)
            self._take_replies()
        except (ReplyError, LineTooLong, ValueError) as exc:
            self.stats.error(f"unreadable reply: {exc}")
            self._finish()
            return
        self._fill()

    def connection_lost(self, exc: Exception | None) -> None:
        """A close while requests are in flight (or before the end) is an error."""
        if self._call is not None and not self._call.done():
            self._call.set_exception(ConnectionError(f"connection closed: {exc}"))
        if self.pending or (self.next_op is not None and not self.done.done()):
            lost = max(1, len(self.pending))
            self.stats.error(f"connection closed by the server with {lost} request(s) in flight")
            self.pending.clear()
        if not self.done.done():
            self.done.set_result(None)

    # ---- request/reply

    def _take_replies(self) -> None:
        reader = self.reader
        pending = self.pending
        now = time.perf_counter_ns()
        if self._call is not None:
            reply = reader.pop()
            if reply is not None and not self._call.done():
                self._call.set_result(reply)
                self._call = None
            return
        check = self.codec.check
        stats = self.stats
        record = self.recording and now < self.deadline_ns
        while pending:
            reply = reader.pop()
            if reply is None:
                break
            op, sent = pending.popleft()
            if record:
                stats.record(op.kind, now - sent)
            problem = check(op, reply)
            if problem is not None:
                stats.error(problem)
        if not pending and reader.pop() is not None:
            stats.error("a reply arrived that no request asked for")
        if now >= self.deadline_ns:
            self.recording = False
            self.next_op = None

    def _fill(self) -> None:
        pending = self.pending
        source = self.next_op
        room = self.pipeline - len(pending)
        if source is not None and room > 0 and self.transport is not None:
            request = self.codec.request
            now = time.perf_counter_ns()
            batch = []
            for _ in range(room):
                op = source()
                if op is None:
                    self.next_op = None
                    break
                batch.append(request(op))
                pending.append((op, now))
            if batch:
                self.transport.write(b"".join(batch))
        if not pending and self.next_op is None:
            self._finish()

    def _finish(self) -> None:
        self.next_op = None
        if not self.done.done():
            self.done.set_result(None)

    def run(self, source: Callable[[], Op | None], *, recording: bool,
            deadline_ns: int = _NEVER) -> asyncio.Future[None]:
        """Send requests from ``source`` until it returns ``None`` or ``deadline_ns``."""
        self.done = asyncio.get_running_loop().create_future()
        self.next_op = source
        self.recording = recording
        self.deadline_ns = deadline_ns
        self._fill()
        return self.done

    async def call(self, request: bytes, timeout_s: float) -> object:
        """Send one request outside the benchmark (AUTH) and return its reply."""
        assert self.transport is not None and not self.pending
        self._call = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await asyncio.wait_for(self._call, timeout_s)

    def close(self) -> None:
        """Close the transport."""
        if self.transport is not None:
            self.transport.close()


def from_iterator(ops: Iterator[Op]) -> Callable[[], Op | None]:
    """A source that sends ``ops`` and then stops."""
    def source() -> Op | None:
        return next(ops, None)
    return source


async def connect(
    host: str, port: int, codec: Codec, stats: Stats, pipeline: int,
    tls: ssl.SSLContext | None, timeout_s: float = 10.0,
) -> BenchConnection:
    """Open a connection (TLS when ``tls`` is given)."""
    loop = asyncio.get_running_loop()
    _, protocol = await asyncio.wait_for(
        loop.create_connection(lambda: BenchConnection(codec, stats, pipeline), host, port,
                               ssl=tls, server_hostname=host if tls else None),
        timeout_s,
    )
    return protocol
