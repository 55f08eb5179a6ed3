# GENERATED FILE: do not edit. Source: smclient/_async/client.py; run scripts/gen_sync.py.
"""The client: typed methods for every command, a pool, retries, pipelines.

Generated from :mod:`smclient._async.client` by ``scripts/gen_sync.py``: do not edit.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from types import TracebackType
from typing import Any, TypeVar

from smclient import request
from smclient._sync import backend
from smclient._sync.pipeline import Pipeline
from smclient._sync.pool import ConnectionPool
from smclient.exceptions import ResponseError, SuperMassiveError
from smclient.options import ClientOptions, PoolStatistics
from smclient.protocol.encoder import Number
from smclient.protocol.lines import DEFAULT_MAX_LINE_BYTES
from smclient.replies import RawReply, Stat
from smclient.request import AnyRequest, Request
from smclient.retry import Retry
from smclient.url import DEFAULT_HOST, DEFAULT_PORT, ConnectionSettings, parse_url

T = TypeVar("T")


class Client:
    """A SuperMassive client with a connection pool.

    Build it from keywords or a URL; use it as a context manager so the pool is closed::

        with Client.from_url("supermassive://user:secret@127.0.0.1:4000") as db:
            db.put("greeting", "hello world")
            assert db.get("greeting") == "hello world"

    Safe to share (between tasks, or threads for the blocking client): each request takes
    its own pooled connection. An asyncio client belongs to the event loop it is first used
    in.
    """

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        username: str | None = None,
        password: str | None = None,
        tls: bool = False,
        ca_file: str | None = None,
        cert_file: str | None = None,
        key_file: str | None = None,
        server_hostname: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        shared_key: str | None = None,
        connect_timeout_s: float = 5.0,
        timeout_s: float | None = 5.0,
        max_connections: int = 10,
        pool_timeout_s: float | None = 5.0,
        health_check_interval_s: float = 30.0,
        retry: Retry | None = None,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> None:
        settings = ConnectionSettings(
            host=host, port=port, username=username, password=password,
            tls=tls or ssl_context is not None, ca_file=ca_file, cert_file=cert_file,
            key_file=key_file, server_hostname=server_hostname, ssl_context=ssl_context,
            shared_key=shared_key, connect_timeout_s=connect_timeout_s,
        )
        options = ClientOptions(
            timeout_s=timeout_s, max_connections=max_connections,
            pool_timeout_s=pool_timeout_s, health_check_interval_s=health_check_interval_s,
            max_line_bytes=max_line_bytes,
            **({"retry": retry} if retry is not None else {}),
        )
        self._pool = ConnectionPool(settings, options)

    @classmethod
    def from_url(cls, url: str, **options: Any) -> Client:
        """Build a client from ``supermassive[s]://user:password@host:port``; keyword
        options (``timeout_s``, ``ca_file``, ``shared_key``, ...) are as for the constructor."""
        s = parse_url(url)
        return cls(s.host, s.port, username=s.username, password=s.password, tls=s.tls,
                   **options)

    @classmethod
    def from_settings(
        cls, settings: ConnectionSettings, options: ClientOptions | None = None
    ) -> Client:
        """Build a client from a :class:`ConnectionSettings` and a :class:`ClientOptions`."""
        client = cls.__new__(cls)
        client._pool = ConnectionPool(settings, options or ClientOptions())
        return client

    @property
    def settings(self) -> ConnectionSettings:
        """Where and how this client connects."""
        return self._pool.settings

    @property
    def options(self) -> ClientOptions:
        """Timeouts, pool limits and retry policy."""
        return self._pool.options

    def statistics(self) -> PoolStatistics:
        """A snapshot of the connection pool."""
        return self._pool.statistics()

    # ---- the commands -------------------------------------------------------------------

    def ping(self) -> bool:
        """PING: ``True`` when the server answers."""
        return self._call(request.ping())

    def put(self, key: str, value: str | Number) -> bool:
        """PUT: store ``value`` under ``key``; ``True``. The value may hold spaces (not CR,
        LF or NUL); an ``int`` or ``Decimal`` is stored in plain notation."""
        return self._call(request.put(key, value))

    def get(self, key: str) -> str | None:
        """GET: the value of ``key``, or ``None`` when it does not exist."""
        return self._call(request.get(key))

    def delete(self, key: str) -> bool:
        """DEL: ``True`` when the key was deleted, ``False`` when it did not exist."""
        return self._call(request.delete(key))

    def incr(self, key: str, delta: Number | None = None) -> Number:
        """INCR: add ``delta`` (default 1); the new value, ``int`` or exact ``Decimal``.
        Never retried once sent. Missing key: :class:`~smclient.KeyNotFoundError`."""
        return self._call(request.incr(key, delta))

    def decr(self, key: str, delta: Number | None = None) -> Number:
        """DECR: subtract ``delta`` (default 1); the new value, ``int`` or exact ``Decimal``.
        Never retried once sent. Missing key: :class:`~smclient.KeyNotFoundError`."""
        return self._call(request.decr(key, delta))

    def regx(
        self, pattern: str, offset: int = 0, limit: int | None = None
    ) -> list[tuple[str, str]]:
        """REGX: ``(key, value)`` pairs whose key matches the RE2 ``pattern`` (unanchored),
        sorted by key; ``offset``/``limit`` page through the whole sorted result."""
        return self._call(request.regx(pattern, offset, limit))

    def stat(self) -> Stat:
        """STAT: the server's figures, as sections (see :class:`~smclient.Stat`)."""
        return self._call(request.stat())

    def reload_config(self) -> bool:
        """RCNF: reload the server's configuration; ``True`` (an error raises
        :class:`~smclient.ReloadError`)."""
        return self._call(request.reload_config())

    def execute_raw(self, line: str) -> RawReply:
        """Send one command line verbatim and return the reply without raising on ERR
        (connection and timeout errors still raise). The line must not hold CR, LF or NUL."""
        return self._call(request.raw(line))

    def pipeline(self, *, raise_on_error: bool = True) -> Pipeline:
        """A pipeline: queue commands, then send them in one write (see
        :class:`~smclient.Pipeline`)."""
        return Pipeline(self, raise_on_error=raise_on_error)

    # ---- plumbing -----------------------------------------------------------------------

    def _call(self, req: Request[T]) -> T:
        result = (self._run([req], single=True))[0]
        return result  # type: ignore[no-any-return]

    def _run(self, requests: Sequence[AnyRequest], *, single: bool = False) -> list[Any]:
        """Send ``requests`` on one pooled connection, retrying what the policy allows.

        For a single request an ERR reply is raised (so a retryable one is retried); for a
        pipeline ERR replies stay in the result list as exception objects.
        """
        retry = self._pool.options.retry
        read_only = all(r.read_only for r in requests)
        started_s = backend.monotonic()
        failures = 0
        while True:
            try:
                with self._pool.connection() as conn:
                    results = conn.execute_many(requests)
                if single and isinstance(results[0], ResponseError):
                    raise results[0]
                return results
            except SuperMassiveError as exc:
                failures += 1
                elapsed_s = backend.monotonic() - started_s
                delay_s = retry.next_delay(exc, failures, elapsed_s, read_only=read_only)
                if delay_s is None:
                    raise
            backend.sleep(delay_s)

    def close(self) -> None:
        """Close the pool's connections. Commands after this raise
        :class:`~smclient.ClientClosedError`."""
        self._pool.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._pool.settings.address}>"
