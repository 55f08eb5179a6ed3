"""A member of the topology (a primary or a replica) and its pool of pipelined connections.

A member is *up* when its whole pool (``pool-size`` connections, each NAUTH'd) is open.
Requests go to the least-loaded connection of the pool; while the member is down they fail at
once with :class:`MemberDown` (nothing is sent, nothing waits on a timeout). Any data-path
error (a timeout, a lost connection, a protocol error) marks the member down at once and closes
its pool; the health checker (:mod:`supermassive.cluster.health`) reconnects it when it
answers again.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time

from supermassive.cluster.errors import LinkError, MemberDown
from supermassive.cluster.link import LinkConnection, LinkReply, ReplyCallback
from supermassive.config import LinkConfig
from supermassive.net import tls

log = logging.getLogger("supermassive.cluster")

OK_AUTH = b"OK authenticated"
OK_PONG = b"OK PONG"


class Member:
    """One primary or replica as the cluster sees it."""

    def __init__(
        self, kind: str, config: LinkConfig, *, auth_line: bytes, max_line_bytes: int
    ) -> None:
        self.kind = kind
        self.config = config
        self.address = config.server_address
        self.up = False
        self.reason = "not connected yet"
        self.retired = False
        self.down_count = 0
        self.changed_at = time.monotonic()
        self._auth_line = auth_line
        self._max_line_bytes = max_line_bytes
        self._pool: list[LinkConnection] = []
        self._batch: LinkConnection | None = None  #: the connection batching this iteration
        self._connecting: asyncio.Future[bool] | None = None
        self._ssl: ssl.SSLContext | None = (
            tls.client_context(config.ca_cert_file, f"link to {self.address}")
            if config.use_tls else None
        )

    def __repr__(self) -> str:
        return f"<Member {self.kind} {self.address} {'up' if self.up else 'down'}>"

    # ---- requests
    def request(self, line: bytes, multi: bool = False) -> asyncio.Future[LinkReply]:
        """Send ``line`` on the least-loaded connection; raises :class:`MemberDown` when down."""
        return self._connection().request(line, multi, self.config.read_timeout)

    def request_cb(self, line: bytes, callback: ReplyCallback) -> None:
        """Send ``line``; ``callback`` gets the single-line reply or the :class:`LinkError`
        (see :meth:`LinkConnection.request_cb`). Raises :class:`MemberDown` when down."""
        self._connection().request_cb(line, callback, False, self.config.read_timeout)

    def _connection(self) -> LinkConnection:
        conn = self._batch
        if conn is not None and conn.batching:
            return conn  # ``_batch`` is reset when the member goes down; a failed link
            # connection drops its unsent lines, so it is no longer ``batching``
        pool = self._pool
        if not self.up or not pool:
            raise MemberDown(self.address, self.reason)
        # A new loop iteration: start a batch on the least-loaded connection. Every request
        # of this iteration joins it (one write, one syscall, one read at the member)
        # instead of spreading over the pool.
        conn = pool[0]
        if len(pool) > 1:
            load = conn.in_flight
            for other in pool:
                if other.in_flight < load:
                    conn, load = other, other.in_flight
        self._batch = conn
        return conn

    @property
    def in_flight(self) -> int:
        """Requests sent on the pool and not answered yet."""
        return sum(c.in_flight for c in self._pool)

    # ---- state changes
    def mark_down(self, reason: str) -> None:
        """Mark the member down and close its pool (in-flight requests fail)."""
        if not self.up:
            return
        self.up = False
        self.reason = reason
        self.down_count += 1
        self.changed_at = time.monotonic()
        pool, self._pool = self._pool, []
        self._batch = None
        for conn in pool:
            conn.on_close = None
            conn.close(f"member marked down: {reason}")
        if not self.retired:
            log.warning("%s %s is down: %s", self.kind, self.address, reason)

    def _on_close(self, conn: LinkConnection, error: LinkError) -> None:
        if conn in self._pool:
            self.mark_down(error.reason)

    async def connect(self) -> bool:
        """Open and authenticate the whole pool; returns whether the member is up."""
        if self.up:
            return True
        if self.retired:
            return False
        if self._connecting is None:
            self._connecting = asyncio.ensure_future(self._connect())
        try:
            return await asyncio.shield(self._connecting)
        finally:
            if self._connecting is not None and self._connecting.done():
                self._connecting = None

    async def _connect(self) -> bool:
        size = self.config.pool_size
        results = await asyncio.gather(*(self._open() for _ in range(size)),
                                       return_exceptions=True)
        conns = [r for r in results if isinstance(r, LinkConnection)]
        errors = [r for r in results if not isinstance(r, LinkConnection)]
        if errors or self.retired or not all(c.open for c in conns):
            for conn in conns:
                conn.close("pool incomplete")
            if errors:
                self.reason = _describe(errors[0])
            return False
        for conn in conns:
            conn.on_close = self._on_close
        self._pool = conns
        self.up = True
        self.reason = ""
        self.changed_at = time.monotonic()
        log.info("%s %s is up (%d connection%s%s)", self.kind, self.address, size,
                 "" if size == 1 else "s", ", TLS" if self._ssl else "")
        return True

    async def _open(self) -> LinkConnection:
        cfg = self.config
        host, port = cfg.host_port
        loop = asyncio.get_running_loop()
        conn: LinkConnection | None = None
        try:
            async with asyncio.timeout(cfg.connect_timeout):
                _, conn = await loop.create_connection(
                    lambda: LinkConnection(self.address, max_line_bytes=self._max_line_bytes,
                                           write_timeout_s=cfg.write_timeout),
                    host, port, ssl=self._ssl,
                    server_hostname=host if self._ssl else None,
                    ssl_handshake_timeout=cfg.connect_timeout if self._ssl else None,
                )
                reply = await conn.request(self._auth_line, False, cfg.connect_timeout)
        except BaseException:
            if conn is not None:
                conn.close("connect failed")
            raise
        if reply != OK_AUTH:
            conn.close("NAUTH refused")
            text = reply.decode(errors="replace") if isinstance(reply, bytes) else "?"
            raise LinkError(self.address, f"NAUTH refused: {text[:200]}")
        return conn

    async def ping(self) -> bool:
        """PING every pooled connection; any failure marks the member down."""
        if not self.up:
            return False
        try:
            futures = [conn.request(b"PING", False, self.config.read_timeout)
                       for conn in self._pool]
        except LinkError as exc:
            self.mark_down(exc.reason)
            return False
        results = await asyncio.gather(*futures, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                self.mark_down(_describe(result))
            elif result != OK_PONG:
                self.mark_down(f"health check got {result!r:.100}")
        return self.up

    async def close(self, grace_s: float = 0.0) -> None:
        """Retire the member: no new requests; wait up to ``grace_s`` for in-flight ones."""
        self.retired = True
        deadline = time.monotonic() + grace_s
        while self.in_flight and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self.up:
            self.mark_down("removed from the configuration")
        self.up = False
        if self._connecting is not None:
            self._connecting.cancel()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, LinkError):
        return exc.reason
    if isinstance(exc, TimeoutError):
        return "connect timeout"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or exc}"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc) or type(exc).__name__
    return str(exc) or type(exc).__name__
