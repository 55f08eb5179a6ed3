"""A minimal asyncio line client: one connection, one request at a time.

It speaks the native protocol over the shared sans-I/O :class:`smclient.protocol.ReplyReader`
and reports failures as three exceptions that say what the harness may conclude:
:class:`ConnectFailed` (nothing was sent), :class:`ReplyTimeout` and :class:`LinkLost` (the
request was sent and no reply came back: indeterminate).
"""

from __future__ import annotations

import asyncio
import hashlib

from smclient.protocol import LineTooLong, MultiReply, ReplyReader

_READ_BYTES = 65536


class LinkError(Exception):
    """Root of the line client's errors."""


class ConnectFailed(LinkError):
    """The connection could not be opened; no request was sent."""


class ReplyTimeout(LinkError):
    """The request was sent but no complete reply came in time."""


class LinkLost(LinkError):
    """The connection broke (or the peer answered garbage) after the request was sent."""


class LineConnection:
    """A single connection to a cluster, node or replica."""

    def __init__(self, host: str, port: int, connect_timeout_s: float = 2.0) -> None:
        self.host = host
        self.port = port
        self.connect_timeout_s = connect_timeout_s
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._replies = ReplyReader()

    @property
    def connected(self) -> bool:
        """Whether the connection is open."""
        return self._writer is not None

    async def connect(self) -> None:
        """Open the connection. Raises :class:`ConnectFailed`."""
        try:
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), self.connect_timeout_s)
        except (OSError, TimeoutError) as exc:
            raise ConnectFailed(f"connect {self.host}:{self.port}: {exc!r}")
        self._replies = ReplyReader()

    async def call(self, line: str, *, multi: bool = False,
                   timeout_s: float = 2.0) -> bytes | MultiReply:
        """Send one command line and return its reply (connecting first if needed)."""
        if self._writer is None:
            await self.connect()
        assert self._writer is not None and self._reader is not None
        try:
            self._writer.write(line.encode() + b"\r\n")
            await asyncio.wait_for(self._writer.drain(), timeout_s)
        except (OSError, TimeoutError) as exc:
            await self.close()
            raise LinkLost(f"send: {exc!r}")
        try:
            return await asyncio.wait_for(self._read_reply(multi), timeout_s)
        except TimeoutError:
            await self.close()
            raise ReplyTimeout(f"no reply within {timeout_s}s")
        except (OSError, LineTooLong, LinkLost) as exc:
            await self.close()
            raise LinkLost(f"receive: {exc!r}")

    async def _read_reply(self, multi: bool) -> bytes | MultiReply:
        assert self._reader is not None
        while True:
            reply = self._replies.pop(multi)
            if reply is not None:
                return reply
            data = await self._reader.read(_READ_BYTES)
            if not data:
                raise LinkLost("connection closed by peer")
            self._replies.feed(data)

    async def nauth(self, shared_key: str, timeout_s: float = 2.0) -> None:
        """Authenticate as an internal peer (``NAUTH <hex sha256>``)."""
        digest = hashlib.sha256(shared_key.encode()).hexdigest()
        reply = await self.call(f"NAUTH {digest}", timeout_s=timeout_s)
        if not isinstance(reply, bytes) or not reply.startswith(b"OK"):
            await self.close()
            raise LinkLost(f"NAUTH refused: {reply!r}")

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            try:
                await asyncio.wait_for(writer.wait_closed(), 1.0)
            except (OSError, TimeoutError):
                pass
