"""The connection layer's reply pump: replies leave in command order whatever order their
futures complete in, and a lazy reply starts only once every earlier reply is ready.

A scripted handler answers each ``cmd <i>`` line with the kind of reply the test draws: ready
bytes, a future completed later (or failed), a :class:`Deferred` completed later (its callbacks
run at once, inside ``set_result``), a lazy coroutine, a lazy object with ``start()``, or a
:class:`Then` over any of them. A fake transport records what is written.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from supermassive.net.deferred import Deferred
from supermassive.net.server import ERR_INTERNAL, Reply, Server, ServerConnection, Session, Then

KINDS = ("bytes", "future", "failing", "coroutine", "startable", "then-future", "then-lazy",
         "deferred", "then-deferred")


class RecordingTransport(asyncio.Transport):
    """Collects writes; never blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.chunks.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else default

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class ScriptedHandler:
    """Answers ``cmd <i>`` with a reply of ``kinds[i]``; remembers what it must complete."""

    def __init__(self, kinds: list[str]) -> None:
        self.kinds = kinds
        self.futures: dict[int, asyncio.Future[bytes] | Deferred] = {}
        self.started: list[int] = []
        self.early_starts: list[int] = []  # lazy replies started before an earlier one was ready
        self.ready: set[int] = set()

    @staticmethod
    def expected(i: int, kind: str) -> bytes:
        if kind == "failing":
            return ERR_INTERNAL
        reply = b"R%d\r\n" % i
        return reply.lower() if kind.startswith("then") else reply

    def _future(self, i: int) -> asyncio.Future[bytes]:
        fut: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.futures[i] = fut
        fut.add_done_callback(lambda _: self.ready.add(i))
        return fut

    def _lazy_start(self, i: int) -> None:
        self.started.append(i)
        if any(j not in self.ready for j in range(i)):
            self.early_starts.append(i)

    def handle(self, session: Session, line: bytes) -> Reply:
        i = int(line.split()[1])
        kind = self.kinds[i]
        reply = b"R%d\r\n" % i
        if kind == "bytes":
            self.ready.add(i)
            return reply
        if kind in ("future", "failing", "then-future"):
            fut = self._future(i)
            return Then(fut, bytes.lower) if kind == "then-future" else fut
        if kind in ("deferred", "then-deferred"):
            deferred = Deferred()
            self.futures[i] = deferred
            deferred.add_done_callback(lambda _: self.ready.add(i))
            return Then(deferred, bytes.lower) if kind == "then-deferred" else deferred
        if kind == "coroutine":
            return self._coroutine(i, reply)
        lazy = Startable(self, i, reply)
        return Then(lazy, bytes.lower) if kind == "then-lazy" else lazy

    async def _coroutine(self, i: int, reply: bytes) -> bytes:
        self._lazy_start(i)
        self.ready.add(i)
        return reply

    def flush(self) -> None:
        pass

    def session_closed(self, session: Session) -> None:
        pass


class Startable:
    """A lazy reply with ``start()``, like the cluster's ``FastWrite``."""

    def __init__(self, handler: ScriptedHandler, i: int, reply: bytes) -> None:
        self.handler, self.i, self.reply = handler, i, reply

    def start(self) -> Reply:
        self.handler._lazy_start(self.i)
        self.handler.ready.add(self.i)
        return self.reply

    def __await__(self) -> Any:  # never used by the pump; present as on FastWrite
        return self.start


def connect(handler: ScriptedHandler) -> tuple[ServerConnection, RecordingTransport]:
    server = Server(handler, max_line_bytes=1024, max_connections=10, max_pipeline=1000)
    conn = ServerConnection(server)
    transport = RecordingTransport()
    conn.connection_made(transport)
    return conn, transport


async def settle() -> None:
    """Let every ready callback run (a lazy coroutine takes a loop iteration to start)."""
    for _ in range(40):
        await asyncio.sleep(0)


async def run_script(kinds: list[str], order: list[int], cuts: list[int]) -> tuple[
        ScriptedHandler, bytes]:
    handler = ScriptedHandler(kinds)
    conn, transport = connect(handler)
    data = b"".join(b"cmd %d\r\n" % i for i in range(len(kinds)))
    start = 0
    for cut in [*sorted({min(c, len(data)) for c in cuts}), len(data)]:
        conn.data_received(data[start:cut])
        start = cut
        await settle()
    pending = [i for i in order if i in handler.futures]
    for i in pending:
        fut = handler.futures[i]
        if kinds[i] == "failing":
            assert isinstance(fut, asyncio.Future)
            fut.set_exception(RuntimeError("boom"))
        else:
            fut.set_result(b"R%d\r\n" % i)
        await settle()
    await settle()
    return handler, b"".join(transport.chunks)


@settings(max_examples=150, deadline=None)
@given(kinds=st.lists(st.sampled_from(KINDS), max_size=12), data=st.data())
def test_replies_leave_in_command_order_whatever_the_completion_order(
        kinds: list[str], data: st.DataObject) -> None:
    order = data.draw(st.permutations(range(len(kinds))))
    cuts = data.draw(st.lists(st.integers(0, 120), max_size=4))
    handler, written = asyncio.run(run_script(kinds, list(order), cuts))
    assert written == b"".join(ScriptedHandler.expected(i, k) for i, k in enumerate(kinds))
    assert handler.early_starts == []
    lazy = [i for i, k in enumerate(kinds) if k in ("coroutine", "startable", "then-lazy")]
    assert handler.started == lazy


async def waiting_on_drain(kinds: list[str]) -> tuple[
        ScriptedHandler, ServerConnection, RecordingTransport, asyncio.Future[None]]:
    """A connection that received one command per kind, and a pending ``wait_drained``."""
    handler = ScriptedHandler(kinds)
    conn, transport = connect(handler)
    conn.data_received(b"".join(b"cmd %d\r\n" % i for i in range(len(kinds))))
    await settle()
    drained = asyncio.ensure_future(conn.wait_drained())
    await settle()
    assert not drained.done()
    return handler, conn, transport, drained


async def test_lost_connection_cancels_waiting_replies_and_closes_lazy_ones() -> None:
    handler, conn, transport, drained = await waiting_on_drain(
        ["future", "coroutine", "then-future", "startable", "deferred"])
    conn.connection_lost(None)
    await settle()
    assert drained.done()
    assert handler.futures[0].cancelled() and handler.futures[2].cancelled()
    assert handler.futures[4].cancelled()
    assert handler.started == []  # the lazy ones never ran
    assert transport.chunks == []


async def test_wait_drained_returns_once_every_reply_is_written() -> None:
    handler, _, transport, drained = await waiting_on_drain(["future", "bytes"])
    handler.futures[0].set_result(b"R0\r\n")
    await settle()
    assert drained.done()
    assert b"".join(transport.chunks) == b"R0\r\nR1\r\n"


class FlushMarkingHandler(ScriptedHandler):
    """Writes a marker on the transport at each journal write-out (``flush``)."""

    transport: RecordingTransport

    def flush(self) -> None:
        self.transport.chunks.append(b"<flush>")


async def test_a_completed_future_does_not_carry_out_replies_before_their_write_out() -> None:
    handler = FlushMarkingHandler(["future", "bytes"])
    conn, transport = connect(handler)
    handler.transport = transport
    conn.data_received(b"cmd 0\r\n")
    await settle()
    transport.chunks.clear()
    # In one loop iteration: the head future completes, then a read queues a ready reply
    # behind it; that reply may only leave after the iteration's journal write-out.
    handler.futures[0].set_result(b"R0\r\n")
    conn.data_received(b"cmd 1\r\n")
    await settle()
    written = b"".join(transport.chunks)
    assert written.index(b"R1\r\n") > written.index(b"<flush>")
    assert written.replace(b"<flush>", b"") == b"R0\r\nR1\r\n"


async def test_a_deferred_alone_is_written_inside_the_call_that_completes_it() -> None:
    """No loop iteration between the producer and the write (the cluster's fast GET)."""
    handler = ScriptedHandler(["deferred", "bytes", "deferred"])
    conn, transport = connect(handler)
    conn.data_received(b"cmd 0\r\n")
    assert transport.chunks == []
    handler.futures[0].set_result(b"R0\r\n")
    assert transport.chunks == [b"R0\r\n"]  # written before any await
    conn.data_received(b"cmd 1\r\ncmd 2\r\n")
    await settle()
    handler.futures[2].set_result(b"R2\r\n")
    assert b"".join(transport.chunks) == b"R0\r\nR1\r\nR2\r\n"
