"""Inline commands on a RESP connection (``PING\\r\\n`` instead of ``*1\\r\\n$4\\r\\nPING``).

Redis accepts a request that does not start with ``*`` as an *inline* command: one line,
arguments separated by spaces. ``redis-benchmark -t ping`` relies on it (after ``AUTH`` was
sent as an array, often in the same segment). :class:`InlineAwareReader` wraps either RESP
reader and keeps the bytes the wrapped reader has not handed out yet: it knows exactly where
the next request starts because it adds up the canonical encoding of every request handed out
(clients encode RESP canonically; if a request ever does not account exactly, inline support is
switched off for that connection, which is safe). When the next request starts with something
other than ``*``, it takes the inline line itself and gives the rest to a fresh wrapped reader.
"""

from __future__ import annotations

from collections.abc import Callable

from supermassive.net.resp_reader import RespError, RespReader


def encoded_size(args: list[bytes]) -> int:
    """Bytes of the canonical RESP encoding of a request."""
    count = len(args)
    size = 4 if count < 10 else 3 + len(str(count))  # "*<count>\r\n"
    for arg in args:
        n = len(arg)  # "$<n>\r\n" + arg + "\r\n"
        size += n + 6 if n < 10 else n + 7 if n < 100 else n + 5 + len(str(n))
    return size


_STAR = 42  # b"*"
_COMPACT_BYTES = 65536


class InlineAwareReader:
    """A RESP request reader that also accepts inline commands between requests."""

    __slots__ = ("_inner", "_make", "_max_line_bytes", "_pending", "_pos", "_tracking")

    def __init__(self, make: Callable[[], RespReader], max_line_bytes: int) -> None:
        self._make = make
        self._inner = make()
        self._max_line_bytes = max_line_bytes
        self._pending = bytearray()  # bytes fed; those from _pos on are not handed out yet
        self._pos = 0
        self._tracking = True

    def feed(self, data: bytes) -> None:
        """Add received bytes."""
        if self._tracking:
            pending = self._pending
            if self._pos == len(pending):
                pending.clear()  # everything handed out: no copy needed
                self._pos = 0
            elif self._pos > _COMPACT_BYTES and 2 * self._pos > len(pending):
                del pending[: self._pos]
                self._pos = 0
            pending += data
            if self._pos < len(pending) and pending[self._pos] != _STAR:
                return  # an inline line is next: the wrapped reader must not see it
        self._inner.feed(data)

    def get(self) -> list[bytes] | None:
        """The next complete request, or ``None``."""
        if self._tracking and self._inline_follows():
            return self._inline()
        try:
            args = self._inner.get()
        except RespError:
            if self._tracking and self._inline_follows():
                return self._restart()
            raise
        if args is None:
            if self._tracking and self._inline_follows():
                return self._restart()
            return None
        if self._tracking:
            pos = self._pos + encoded_size(args)
            if pos > len(self._pending):
                self._tracking = False  # non-canonical encoding: stop guessing boundaries
                self._pending.clear()
                self._pos = 0
            else:
                self._pos = pos
        return args

    def _inline_follows(self) -> bool:
        return self._pos < len(self._pending) and self._pending[self._pos] != _STAR

    def _restart(self) -> list[bytes] | None:
        """The wrapped reader hit an inline line: start a fresh one after it."""
        self._inner = self._make()
        return self._inline()

    def _inline(self) -> list[bytes] | None:
        pending = self._pending
        del pending[: self._pos]  # rare path: work on a buffer that starts at the line
        self._pos = 0
        while pending[:1] not in (bytearray(b"*"), bytearray()):
            nl = pending.find(b"\n")
            if nl < 0:
                if len(pending) > self._max_line_bytes:
                    raise RespError("too big inline request")
                return None
            args = bytes(pending[:nl]).rstrip(b"\r").split()
            del pending[: nl + 1]
            self._inner = self._make()  # it may hold this line too: start it after the line
            if pending[:1] == bytearray(b"*"):
                self._inner.feed(bytes(pending))
            if args:
                return args
        return None
