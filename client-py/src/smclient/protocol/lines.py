"""Sans-I/O line splitting shared by the server's command reader and the reply reader.

Bytes go in with :meth:`LineBuffer.feed`; complete lines (without ``\\r\\n`` or ``\\n``) come
out, in order. A line longer than ``max_line_bytes`` is an error the caller must handle by
closing the connection (``protocol.md`` section 2).
"""

from __future__ import annotations

DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024


class LineTooLong(Exception):
    """A line (complete or still arriving) exceeded the configured limit."""


class LineBuffer:
    """Accumulates bytes and yields complete lines.

    >>> b = LineBuffer()
    >>> b.feed(b"PUT a 1\\r\\nGET")
    [b'PUT a 1']
    >>> b.feed(b" a\\n")
    [b'GET a']
    """

    __slots__ = ("_pending", "max_line_bytes")

    def __init__(self, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        self._pending = b""
        self.max_line_bytes = max_line_bytes

    @property
    def pending_bytes(self) -> int:
        """Bytes received that do not yet form a complete line."""
        return len(self._pending)

    def feed(self, data: bytes) -> list[bytes]:
        """Add ``data``; return every line it completes. Raises :class:`LineTooLong`."""
        if self._pending:
            data = self._pending + data
        lines = data.split(b"\n")
        self._pending = lines.pop()
        limit = self.max_line_bytes
        if len(self._pending) > limit:
            raise LineTooLong(len(self._pending))
        for i, line in enumerate(lines):
            if line.endswith(b"\r"):
                line = line[:-1]
                lines[i] = line
            if len(line) > limit:
                raise LineTooLong(len(line))
        return lines
