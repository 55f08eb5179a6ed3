# GENERATED FILE: do not edit. Source: smclient/_async/connection.py; run scripts/gen_sync.py.
"""One authenticated connection: handshake (NAUTH, AUTH), requests, health check.

Generated from :mod:`smclient._async.connection` by ``scripts/gen_sync.py``: do not edit.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from typing import Any, TypeVar

from smclient import request
from smclient._sync import backend
from smclient.exceptions import (
    ConnectionError,
    ResponseError,
    SuperMassiveError,
    UnexpectedReplyError,
)
from smclient.options import ClientOptions
from smclient.request import AnyRequest, Request
from smclient.url import ConnectionSettings

T = TypeVar("T")

IDLE_CHECKPOINT_S = 0.01
"""A connection idle longer than this gets a loop turn to notice a close before reuse."""


class Connection:
    """A connection that has passed its handshake; used by one caller at a time."""

    def __init__(self, transport: backend.Transport, options: ClientOptions) -> None:
        self._transport = transport
        self._options = options
        self.last_used_s = backend.monotonic()

    @classmethod
    def open(
        cls, settings: ConnectionSettings, options: ClientOptions,
        ssl_context: ssl.SSLContext | None = None,
    ) -> Connection:
        """Connect, then NAUTH (with a shared key) and AUTH (with credentials).

        ``ssl_context`` (made once per pool from the settings) turns TLS on.

        Every failure here raises an exception with ``indeterminate`` false (no user command
        was sent): :class:`ConnectionError`, or an
        :class:`~smclient.AuthenticationError` when the server refuses the credentials.
        """
        transport = backend.connect(
            settings.host, settings.port,
            ssl_context=ssl_context,
            server_hostname=settings.server_hostname,
            connect_timeout_s=settings.connect_timeout_s,
            max_line_bytes=options.max_line_bytes,
        )
        conn = cls(transport, options)
        try:
            conn._handshake(settings)
        except BaseException:
            transport.close()
            raise
        return conn

    def _handshake(self, settings: ConnectionSettings) -> None:
        steps: list[AnyRequest] = []
        if settings.shared_key is not None:
            steps.append(request.nauth(settings.shared_key))
        if settings.username is not None and settings.password is not None:
            steps.append(request.auth(settings.username, settings.password))
        if not steps:
            return
        try:
            results = self.execute_many(steps, timeout_s=settings.connect_timeout_s)
        except ResponseError:
            raise
        except SuperMassiveError as exc:
            raise ConnectionError(f"handshake with {settings.address} failed: {exc}") from None
        for result in results:
            if isinstance(result, ResponseError):
                raise result

    @property
    def usable(self) -> bool:
        """Open and in step: safe to hand to the next caller."""
        return self._transport.usable

    def check_health(self, now_s: float) -> bool:
        """Whether the connection can be reused: the cheap liveness check, plus a PING if it
        has been idle longer than ``health_check_interval_s``. Closes it when not."""
        if now_s - self.last_used_s > IDLE_CHECKPOINT_S:
            backend.checkpoint()
        if not self.usable:
            self.close()
            return False
        if now_s - self.last_used_s <= self._options.health_check_interval_s:
            return True
        try:
            self.execute(request.ping())
        except SuperMassiveError:
            self.close()
            return False
        return True

    def execute(self, req: Request[T]) -> T:
        """Send one request and return its decoded result (ERR replies raise)."""
        result = (self.execute_many([req]))[0]
        if isinstance(result, ResponseError):
            raise result
        return result  # type: ignore[no-any-return]

    def execute_many(
        self, requests: Sequence[AnyRequest], timeout_s: float | None = -1.0
    ) -> list[Any]:
        """Send ``requests`` in one write; return their results in order. An ``ERR`` reply
        becomes its :class:`~smclient.ResponseError` *object* in the list (not raised).

        ``timeout_s`` bounds each reply (default: the client's ``timeout_s``).
        """
        if timeout_s is not None and timeout_s < 0:
            timeout_s = self._options.timeout_s
        payload = b"".join(r.payload for r in requests)
        shapes = [r.multi for r in requests]
        wire = self._transport.request(payload, shapes, timeout_s)
        self.last_used_s = backend.monotonic()
        results: list[Any] = []
        for req, reply in zip(requests, wire, strict=True):
            try:
                results.append(req.decode(reply))
            except ResponseError as exc:
                results.append(exc)
            except UnexpectedReplyError:
                self.close()
                raise
        if any(r.closes for r in requests):
            self.close()
        return results

    def close(self) -> None:
        """Close the connection."""
        self._transport.close()
