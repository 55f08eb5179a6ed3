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

    Hot path: a chunk of CRLF-terminated lines costs one split and one count (bare LFs take
    a slower path), and a long line arriving in many chunks is joined once, when its end
    arrives, so reading it is linear in its size.
    """

    __slots__ = ("_pending", "_pending_size", "max_line_bytes")

    def __init__(self, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        self._pending: list[bytes] = []
        self._pending_size = 0
        self.max_line_bytes = max_line_bytes

    @property
    def pending_bytes(self) -> int:
        """Bytes received that do not yet form a complete line."""
        return self._pending_size

    def feed(self, data: bytes) -> list[bytes]:
        """Add ``data``; return every line it completes. Raises :class:`LineTooLong`."""
        pending = self._pending
        if 10 not in data:  # no LF: nothing completes
            if data:
                pending.append(data)
                self._pending_size += len(data)
                self._check_pending()
            return []
        if pending:
            pending.append(data)
            data = b"".join(pending)
            pending.clear()
        lines = data.split(b"\r\n")
        if data.count(10) != len(lines) - 1:  # some bare LFs
            lines = data.split(b"\n")
            tail = lines.pop()
            lines = [line[:-1] if line[-1:] == b"\r" else line for line in lines]
        else:
            tail = lines.pop()
        self._pending_size = len(tail)
        if tail:
            pending.append(tail)
        if len(data) > self.max_line_bytes:
            self._check_pending()
            longest = max(map(len, lines), default=0)
            if longest > self.max_line_bytes:
                raise LineTooLong(longest)
        return lines

    def _check_pending(self) -> None:
        size = self._pending_size
        limit = self.max_line_bytes
        # A final CR may be the first half of the CRLF that ends a line at the limit.
        if size > limit and not (size == limit + 1 and self._pending[-1].endswith(b"\r")):
            raise LineTooLong(size)
