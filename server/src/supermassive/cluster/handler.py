"""The cluster's client-facing command handler (the :class:`~supermassive.net.server.Handler`).

Every line is validated completely (:mod:`~supermassive.cluster.request`) before anything is
sent to a member. ``PING``, ``QUIT``, ``AUTH`` and every validation error are answered at once.

Ordering on one pipelining connection: a write (PUT, DEL, INCR, DECR, RCNF) is returned as a
lazy coroutine, so the connection layer runs it only after every earlier reply is ready; a read
(GET, REGX, STAT) arriving while no write is queued is started at once, so the independent
reads of one connection fan out concurrently. A read queued behind a write is lazy too, so it
sees that write (``protocol.md`` section 2).

The common ``GET <key>`` (every primary up, nothing queued before it) is started without a task
(:mod:`~supermassive.cluster.lookup`). A ``PUT`` or ``DEL`` is returned as a lazy
:class:`FastWrite`: when the connection layer reaches it, it takes the fast path of
:mod:`~supermassive.cluster.write` if it can, the general one otherwise.
``docs/internals/performance.md`` has the figures.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Generator
from typing import Any

from supermassive.cluster.auth import Credentials
from supermassive.cluster.request import Request, parse_request, plain_key
from supermassive.cluster.service import Cluster
from supermassive.cluster.slots import Slots
from supermassive.net.deferred import Deferred
from supermassive.net.server import Reply, Session

log = logging.getLogger("supermassive.cluster")

OK_PONG = b"OK PONG\r\n"
OK_BYE = b"OK see ya later\r\n"
OK_AUTH = b"OK authenticated\r\n"
ERR_ALREADY = b"ERR already authenticated\r\n"
ERR_CREDENTIALS = b"ERR invalid credentials\r\n"
ERR_INTERNAL = b"ERR internal error\r\n"


class ClusterHandler:
    """Answers client commands at the cluster."""

    def __init__(self, cluster: Cluster, credentials: Credentials | None) -> None:
        self.cluster = cluster
        self.credentials = credentials
        self.local = credentials is None
        self._slots = Slots(cluster.config.max_concurrent_requests)

    # ---- Handler protocol
    def handle(self, session: Session, line: bytes) -> Reply:
        """Validate one line; answer it now, or with an awaitable that does the fan-out."""
        self.cluster.counters.ops += 1
        if line[:4] == b"GET " and session.pending_writes == 0 and (
                session.authenticated or self.local):
            reply = self._get_now(line[4:])
            if reply is not None:
                return reply
        req = parse_request(line, session.authenticated or self.local)
        if isinstance(req, bytes):
            return req
        name = req.name
        if name == "PING":
            return OK_PONG
        if name == "QUIT":
            session.closing = True
            return OK_BYE
        if name == "AUTH":
            return self._auth(session, req.value)
        if req.is_write:
            session.pending_writes += 1
            if name == "PUT" or name == "DEL":
                return FastWrite(self, session, req)
            return self._write(session, req)
        if session.pending_writes == 0:
            return asyncio.ensure_future(self._run(req))
        return self._run(req)

    def _get_now(self, key: bytes) -> Deferred | None:
        """``GET <plain key>`` with nothing queued before it: started at once, without a task
        (:meth:`Router.get_soon`); ``None`` when the general path must answer."""
        slots = self._slots
        if not plain_key(key) or not slots.try_take():
            return None
        fut = self.cluster.router.get_soon(key, slots.give)
        if fut is None:
            slots.give()
        return fut

    def _write_now(self, req: Request) -> Deferred | None:
        """PUT or DEL on the fast path (:meth:`Router.put_soon`, :meth:`Router.delete_soon`),
        holding a slot until it is over; ``None`` when the general path must do it."""
        slots = self._slots
        if not slots.try_take():
            return None
        router = self.cluster.router
        try:
            if req.name == "PUT":
                fut = router.put_soon(req.key, req.value, slots.give)
            else:
                fut = router.delete_soon(req.key, slots.give)
        except BaseException:
            slots.give()
            raise
        if fut is None:
            slots.give()
        return fut

    def flush(self) -> None:
        """Nothing is buffered at the cluster."""

    def flushed(self) -> bool:
        """Always: nothing waits for :meth:`flush`, so ready replies leave at once."""
        return True

    def session_closed(self, session: Session) -> None:
        """Nothing per connection to release."""

    # ---- commands
    def _auth(self, session: Session, token: bytes) -> bytes:
        if self.local or self.credentials is None:
            session.authenticated = True
            return OK_AUTH
        if session.authenticated:
            return ERR_ALREADY
        if self.credentials.check(token):
            session.authenticated = True
            return OK_AUTH
        log.warning("AUTH with invalid credentials from %s", session.peer)
        return ERR_CREDENTIALS

    async def _write(self, session: Session, req: Request) -> bytes:
        try:
            return await self._run(req)
        finally:
            session.pending_writes -= 1

    async def _run(self, req: Request) -> bytes:
        slots = self._slots
        if not slots.try_take():
            await slots.take()
        try:
            return await self._dispatch(req)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed", req.name)
            return ERR_INTERNAL
        finally:
            slots.give()

    def _dispatch(self, req: Request) -> Awaitable[bytes]:
        router = self.cluster.router
        name = req.name
        if name == "GET":
            return router.get(req.key)
        if name == "PUT":
            return router.put(req.key, req.value)
        if name == "DEL":
            return router.delete(req.key)
        if name in ("INCR", "DECR"):
            return router.incr(req.key, req.delta)
        if name in ("UPINCR", "UPDECR"):
            return router.incr(req.key, req.delta, create=True)
        if name == "REGX":
            return router.regx(req.key, req.offset, req.limit)
        if name == "STAT":
            return self.cluster.stat()
        return self.cluster.reload()


class FastWrite:
    """A PUT or DEL, awaited by the connection layer once every earlier reply is ready (like the
    coroutine of any other write), without the general path's coroutines when it can."""

    __slots__ = ("_handler", "_req", "_session")

    def __init__(self, handler: ClusterHandler, session: Session, req: Request) -> None:
        self._handler = handler
        self._session = session
        self._req = req

    def start(self) -> Deferred | asyncio.Future[bytes]:
        """Run the write now (the connection layer calls this when every earlier reply is
        ready): its reply (a deferred or a task), which gives the session's write back when
        done."""
        handler = self._handler
        fut: Deferred | asyncio.Future[bytes] | None
        try:
            fut = handler._write_now(self._req)
            if fut is None:
                fut = asyncio.ensure_future(handler._run(self._req))
        except BaseException:
            self._session.pending_writes -= 1
            raise
        fut.add_done_callback(self._finished)
        return fut

    def _finished(self, fut: Deferred | asyncio.Future[bytes]) -> None:
        self._session.pending_writes -= 1

    def __await__(self) -> Generator[Any, None, bytes]:
        """Awaited (a RESP command translated to several writes): :meth:`start`, then its
        reply. Cancelling the await leaves the write running; it gives the session's write
        back when it is over (or at once, for a general-path task, which is cancelled)."""
        return (yield from self.start().__await__())
