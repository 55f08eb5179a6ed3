# GENERATED FILE: do not edit. Source: smclient/_async/pool.py; run scripts/gen_sync.py.
"""A bounded pool of authenticated connections with health checks on checkout.

Generated from :mod:`smclient._async.pool` by ``scripts/gen_sync.py``: do not edit.

A connection goes back to the pool only if it is still in step: a request that failed, timed
out or was cancelled mid-flight has closed its connection, and a closed connection is dropped.
Idle connections are reused newest first; each is checked before reuse (and PINGed when idle
longer than ``health_check_interval_s``), so a server restart costs no failed request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from smclient._sync import backend
from smclient._sync.connection import Connection
from smclient.exceptions import ClientClosedError, PoolTimeoutError
from smclient.options import ClientOptions, PoolStatistics
from smclient.url import ConnectionSettings


class ConnectionPool:
    """At most ``options.max_connections`` connections to one server."""

    def __init__(self, settings: ConnectionSettings, options: ClientOptions) -> None:
        self.settings = settings
        self.options = options
        self._ssl_context = settings.make_ssl_context()
        self._slots = backend.Limiter(options.max_connections)
        self._idle: list[Connection] = []
        self._in_use = 0
        self._opened_total = 0
        self._discarded_total = 0
        self._closed = False

    def acquire(self) -> Connection:
        """Take a healthy connection, opening one if none is idle; wait up to
        ``pool_timeout_s`` for a free slot (then :class:`~smclient.PoolTimeoutError`)."""
        if self._closed:
            raise ClientClosedError()
        if not self._slots.acquire(self.options.pool_timeout_s):
            raise PoolTimeoutError(
                f"all {self.options.max_connections} connections stayed busy for "
                f"{self.options.pool_timeout_s}s"
            )
        try:
            conn = self._take_idle()
            if conn is None:
                conn = Connection.open(self.settings, self.options, self._ssl_context)
                self._opened_total += 1
        except BaseException:
            self._slots.release()
            raise
        if self._closed:
            conn.close()
            self._slots.release()
            raise ClientClosedError()
        self._in_use += 1
        return conn

    def _take_idle(self) -> Connection | None:
        while True:
            try:
                conn = self._idle.pop()
            except IndexError:  # emptied (by another thread, on the sync side)
                return None
            if conn.check_health(backend.monotonic()):
                return conn
            self._discarded_total += 1

    def release(self, conn: Connection) -> None:
        """Give ``conn`` back: kept if still in step, closed otherwise."""
        self._in_use -= 1
        if conn.usable and not self._closed:
            self._idle.append(conn)
        else:
            conn.close()
            self._discarded_total += 1
        self._slots.release()

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """``with pool.connection() as conn:`` acquire, then always release."""
        conn = self.acquire()
        try:
            yield conn
        finally:
            self.release(conn)

    def statistics(self) -> PoolStatistics:
        """A snapshot of the pool's counters."""
        return PoolStatistics(
            max_connections=self.options.max_connections,
            idle=len(self._idle),
            in_use=self._in_use,
            opened_total=self._opened_total,
            discarded_total=self._discarded_total,
        )

    def close(self) -> None:
        """Close idle connections; connections in use are closed when released."""
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
