"""A blocking raw-protocol client for tests: send exact bytes, read exact replies.

Unlike the SDK it validates nothing, so tests can send malformed input on purpose.
"""

from __future__ import annotations

import hashlib
import socket
import ssl as _ssl

from smclient.protocol.commands import Reply as Shape
from smclient.protocol.commands import lookup
from smclient.protocol.reader import MultiReply, ReplyReader


class RawClient:
    """One TCP (or TLS) connection speaking the native line protocol."""

    def __init__(self, host: str, port: int, timeout_s: float = 10.0,
                 ssl_context: _ssl.SSLContext | None = None) -> None:
        sock = socket.create_connection((host, port), timeout=timeout_s)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if ssl_context is not None:
            sock = ssl_context.wrap_socket(sock, server_hostname=host)
        self.sock = sock
        self.reader = ReplyReader()

    @classmethod
    def to(cls, address: str, **kwargs: object) -> RawClient:
        """Connect to ``host:port``."""
        host, _, port = address.rpartition(":")
        return cls(host, int(port), **kwargs)  # type: ignore[arg-type]

    def send(self, data: bytes) -> None:
        """Send raw bytes."""
        self.sock.sendall(data)

    def send_split(self, data: bytes, cuts: list[int]) -> None:
        """Send ``data`` in pieces cut at the offsets ``cuts`` (one send per piece)."""
        start = 0
        for point in [*sorted({min(max(c, 0), len(data)) for c in cuts}), len(data)]:
            if point > start:
                self.sock.sendall(data[start:point])
            start = point

    def read_until(self, needle: bytes, timeout_s: float = 15.0) -> bytes:
        """Read raw bytes until ``needle`` has arrived; fail if the server stops answering."""
        self.sock.settimeout(timeout_s)
        seen = b""
        while needle not in seen:
            try:
                chunk = self.sock.recv(1 << 16)
            except (ConnectionResetError, TimeoutError) as exc:
                raise AssertionError(f"server stopped answering: {exc}") from None
            if not chunk:
                raise AssertionError("server closed the connection")
            seen += chunk
        return seen

    def read_reply(self, multi: bool = False) -> bytes | MultiReply:
        """Read one reply (a line, or ``OK <n>`` + n lines when ``multi``)."""
        while True:
            reply = self.reader.pop(multi)
            if reply is not None:
                return reply
            data = self.sock.recv(1 << 16)
            if not data:
                raise ConnectionError("server closed the connection")
            self.reader.feed(data)

    def call(self, line: str | bytes) -> bytes | MultiReply:
        """Send one command line and read its reply (multi-line decided by the command)."""
        raw = line.encode() if isinstance(line, str) else line
        self.send(raw + b"\r\n")
        name = raw.split(b" ", 1)[0].decode(errors="replace")
        spec = lookup(name)
        return self.read_reply(spec is not None and spec.reply is Shape.MULTI)

    def line(self, line: str | bytes) -> str:
        """:meth:`call` for single-line replies, decoded."""
        reply = self.call(line)
        assert isinstance(reply, bytes), reply
        return reply.decode()

    def nauth(self, shared_key: str = "test-key") -> str:
        """Authenticate as an internal peer."""
        return self.line("NAUTH " + hashlib.sha256(shared_key.encode()).hexdigest())

    def closed_by_peer(self, timeout_s: float = 5.0) -> bool:
        """Whether the server closes the connection (EOF) within ``timeout_s``."""
        self.sock.settimeout(timeout_s)
        try:
            while True:
                data = self.sock.recv(1 << 16)
                if not data:
                    return True
                self.reader.feed(data)
        except TimeoutError:
            return False
        except OSError:
            return True

    def close(self) -> None:
        """Close the socket."""
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> RawClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
