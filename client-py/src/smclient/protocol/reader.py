"""Sans-I/O reader of native-protocol replies (``protocol.md`` section 2).

A reply is one line, or, for multi-line commands (REGX, STAT, internal VREGX), a header
``OK <n>`` followed by exactly n lines. The reader cannot tell the two apart by itself, so the
caller says which shape it expects for the next reply; this is how pipelined links keep a FIFO
of ``(waiter, multi)`` and pop replies in order.
"""

from __future__ import annotations

from collections import deque

from smclient.protocol.lines import DEFAULT_MAX_LINE_BYTES, LineBuffer

MultiReply = list[bytes]
"""A multi-line reply: the header line first, then the n body lines."""


class ProtocolError(Exception):
    """The peer sent something that is not a valid reply."""


def multi_count(header: bytes) -> int | None:
    """Return n for a header ``OK <n>``, or ``None`` when the line is not such a header."""
    if header.startswith(b"OK ") and header[3:].isdigit():
        return int(header[3:])
    return None


class ReplyReader:
    """Feed bytes with :meth:`feed`, take replies with :meth:`pop`."""

    __slots__ = ("_buffer", "_lines")

    def __init__(self, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        self._buffer = LineBuffer(max_line_bytes)
        self._lines: deque[bytes] = deque()

    def feed(self, data: bytes) -> None:
        """Add received bytes. Raises ``LineTooLong`` for an over-long line."""
        self._lines.extend(self._buffer.feed(data))

    @property
    def buffered_lines(self) -> int:
        """Complete lines received and not yet taken."""
        return len(self._lines)

    def pop(self, multi: bool = False) -> bytes | MultiReply | None:
        """Return the next complete reply, or ``None`` if it has not fully arrived.

        With ``multi`` false the reply is one line (``bytes``). With ``multi`` true an
        ``OK <n>`` header is returned with its n lines as a list; any other first line
        (an ``ERR``) is returned alone as ``bytes``.
        """
        lines = self._lines
        if not lines:
            return None
        if not multi:
            return lines.popleft()
        n = multi_count(lines[0])
        if n is None:
            return lines.popleft()
        if len(lines) < n + 1:
            return None
        return [lines.popleft() for _ in range(n + 1)]
