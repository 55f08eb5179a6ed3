"""Sans-I/O RESP2 request readers: a pure-Python state machine and a hiredis-backed one.

Both take bytes with :meth:`feed` and hand out complete commands with :meth:`get`, each an
argument list ``list[bytes]`` (``[b"SET", b"k", b"v"]``), or ``None`` when no complete command
is buffered. A request is an array of bulk strings (``*N\\r\\n$len\\r\\n...\\r\\n``); ``*0``
and ``*-1`` are skipped, as Redis does. Malformed input, or input over a limit, raises
:class:`RespError`; the connection then answers ``-ERR Protocol error: <reason>`` and closes.

Limits (both readers):

* ``max_args``: arguments per command (default 1,048,576, Redis's limit);
* ``max_bulk_bytes``: bytes of one argument *and* of all arguments of one command together
  (the server passes ``max-line-bytes``: a RESP command becomes one native line).

The implementation is chosen once, at import: hiredis's ``Reader`` when installed, the pure
reader otherwise; ``SUPERMASSIVE_RESP_READER=python|hiredis`` forces one.
"""

from __future__ import annotations

import re
from typing import Protocol

from supermassive.accelerators import choose

DEFAULT_MAX_ARGS = 1024 * 1024
DEFAULT_MAX_BULK_BYTES = 16 * 1024 * 1024
_MAX_HEADER_BYTES = 32  # "*<count>" / "$<length>" lines are short; longer without CRLF is junk


class RespError(Exception):
    """The client sent something that is not a valid RESP2 request (or is over a limit)."""


class NullRequest(RespError):
    """hiredis read a null where a request starts, and cannot say which one it was: ``*-1``
    (an empty request, which RESP skips) or ``$-1`` / RESP3's ``_`` (no request at all, so an
    inline command line that looks like RESP). :class:`~supermassive.net.resp_inline.
    InlineAwareReader`, which every connection reads through, re-reads the bytes it kept to
    decide exactly (:class:`PythonRespReader` never raises it)."""

    def __init__(self) -> None:
        super().__init__("a null where a request starts")


class RespReader(Protocol):
    """What the connection layer needs from a RESP request reader."""

    def feed(self, data: bytes) -> None:
        """Add received bytes. May raise :class:`RespError`."""

    def get(self) -> list[bytes] | None:
        """Return the next complete command, or ``None``. Raises :class:`RespError`."""

    def drain(self, out: list[list[bytes]]) -> None:
        """Append every complete command to ``out`` (the per-read batch form of :meth:`get`).
        On :class:`RespError`, ``out`` holds the commands before the bad one."""

    def feed_drain(self, data: bytes, out: list[list[bytes]]) -> None:
        """:meth:`feed` then :meth:`drain`, in one call (the per-read hot path)."""

    def idle(self) -> bool:
        """No byte fed is left unparsed. (hiredis may still be inside a command whose parsed
        part ends exactly here; the pure reader is then not idle.)"""


class PythonRespReader:
    """A resumable RESP2 request parser (named states: count, bulk header, bulk body).

    >>> r = PythonRespReader()
    >>> r.feed(b"*2\\r\\n$3\\r\\nGET\\r\\n$1\\r\\nk\\r\\n*1\\r\\n$4\\r\\nPI")
    >>> r.get(), r.get()
    ([b'GET', b'k'], None)
    >>> r.feed(b"NG\\r\\n")
    >>> r.get()
    [b'PING']
    """

    __slots__ = ("_args", "_buf", "_left", "_pos", "_total", "max_args", "max_bulk_bytes")

    def __init__(
        self, max_bulk_bytes: int = DEFAULT_MAX_BULK_BYTES, max_args: int = DEFAULT_MAX_ARGS
    ) -> None:
        self.max_bulk_bytes = max_bulk_bytes
        self.max_args = max_args
        self._buf = bytearray()
        self._pos = 0  # start of unparsed bytes in _buf
        self._args: list[bytes] = []  # arguments of the command being read
        self._left = 0  # arguments still to read; 0: expecting a "*N" header
        self._total = 0  # bytes of arguments read so far for this command

    def feed(self, data: bytes) -> None:
        """Add received bytes."""
        buf = self._buf
        if self._pos and self._pos == len(buf):
            buf.clear()
            self._pos = 0
        elif self._pos > 65536 and self._pos * 2 > len(buf):
            del buf[: self._pos]
            self._pos = 0
        buf += data

    @property
    def position(self) -> int:
        """Bytes consumed so far by the commands handed out (and skipped empty arrays), counted
        from the start of the bytes still buffered at the last :meth:`feed` compaction; only
        meaningful for a reader fed once (see :func:`skip_commands`)."""
        return self._pos

    def drain(self, out: list[list[bytes]]) -> None:
        """Append every complete command to ``out``."""
        while (args := self.get()) is not None:
            out.append(args)

    def feed_drain(self, data: bytes, out: list[list[bytes]]) -> None:
        """:meth:`feed` then :meth:`drain`."""
        self.feed(data)
        self.drain(out)

    def idle(self) -> bool:
        """Nothing of an incomplete command is buffered (exact)."""
        return self._left == 0 and self._pos == len(self._buf)

    def _short_header(self, pos: int, kind: int) -> None:
        """No CRLF within reach at ``pos``: raise if it can no longer be a header."""
        buf = self._buf
        if len(buf) - pos >= _MAX_HEADER_BYTES:
            raise RespError(f"too big {'mbulk' if kind == 42 else 'bulk'} count string")
        if len(buf) > pos and buf[pos] != kind:
            self._unexpected(pos, kind)

    def _unexpected(self, pos: int, kind: int) -> None:
        raise RespError(f"expected '{chr(kind)}', got {chr(self._buf[pos])!r}")

    def get(self) -> list[bytes] | None:
        """Return the next complete command, or ``None`` if none is buffered yet."""
        buf = self._buf
        size = len(buf)
        pos = self._pos
        limit = self.max_bulk_bytes
        while True:
            if self._left == 0:  # state: expecting "*<count>"
                if pos >= size:
                    self._pos = pos
                    return None
                end = buf.find(b"\r\n", pos, pos + _MAX_HEADER_BYTES)
                if buf[pos] != 42:
                    self._unexpected(pos, 42)
                if end < 0:
                    self._pos = pos
                    self._short_header(pos, 42)
                    return None
                digits = buf[pos + 1 : end]
                if digits.isdigit():
                    count = int(digits)
                elif digits[:1] == b"-" and digits[1:].isdigit():
                    count = 0  # "*-1": no command
                else:
                    raise RespError("invalid multibulk length")
                pos = end + 2
                if count == 0:
                    continue
                if count > self.max_args:
                    raise RespError("invalid multibulk length")
                self._left = count
                self._total = 0
            args = self._args
            left = self._left
            total = self._total
            while left:  # state: expecting "$<length>" then the body
                if pos >= size or buf[pos] != 36:
                    if pos < size:
                        self._unexpected(pos, 36)
                    break
                end = buf.find(b"\r\n", pos, pos + _MAX_HEADER_BYTES)
                if end < 0:
                    self._short_header(pos, 36)
                    break
                digits = buf[pos + 1 : end]
                if not digits.isdigit():
                    raise RespError("invalid bulk length")
                length = int(digits)
                if length > limit:
                    raise RespError("invalid bulk length")
                if total + length > limit:
                    raise RespError("command too big")
                body = end + 2
                stop = body + length
                if size < stop + 2:
                    break  # the body has not fully arrived: resume at this header
                if buf[stop] != 13 or buf[stop + 1] != 10:
                    raise RespError("expected CRLF after bulk string")
                args.append(bytes(buf[body:stop]))
                total += length
                pos = stop + 2
                left -= 1
            self._pos = pos
            if left:
                self._left = left
                self._total = total
                return None
            self._left = 0
            self._args = []
            return args


# A large array header at a line start. hiredis allocates the whole list when it reads the
# header, so a count over the limit is refused before hiredis sees it, and so are many large
# headers sent ahead of the arguments they announce (nested arrays, never valid here).
_BIG_COUNT = re.compile(rb"\n\*([0-9]{5,})\r")
_BIG = 10000
_INCOMPLETE = object()
_MIN_ARG_BYTES = 6  # "$0\r\n\r\n"
_BOUNDARY = 64  # bytes of a new chunk that a header begun in the previous one can reach
_TAIL_BYTES = _MAX_HEADER_BYTES + 2


class HiredisRespReader:
    """The same contract on top of ``hiredis.Reader`` (the C parser from redis/hiredis).

    hiredis parses RESP3 types too and does not tell a simple string from a bulk string, so it
    also accepts arrays whose elements are simple strings (``*1\\r\\n+PING\\r\\n``); anything
    that does not come out as a list of ``bytes`` is refused.
    """

    __slots__ = ("_big", "_careful_over", "_max_unparsed", "_reader", "_tail", "_unparsed",
                 "max_args", "max_bulk_bytes")

    def __init__(
        self, max_bulk_bytes: int = DEFAULT_MAX_BULK_BYTES, max_args: int = DEFAULT_MAX_ARGS
    ) -> None:
        import hiredis

        self.max_bulk_bytes = max_bulk_bytes
        self.max_args = max_args
        self._reader = hiredis.Reader(protocolError=RespError, notEnoughData=_INCOMPLETE)
        self._tail = b"\n"  # last bytes fed, so a header split across feeds is still seen
        self._unparsed = 0  # bytes fed since a command last came out
        self._big = 0  # large array headers fed and not yet returned as commands
        self._max_unparsed = 2 * max_bulk_bytes + 65536
        self._careful_over = min(max_bulk_bytes, 6 * max_args)  # see drain()

    def feed(self, data: bytes) -> None:
        """Add received bytes. Raises :class:`RespError` for an oversized array header."""
        self._unparsed += len(data)
        tail = self._tail
        small = len(data) < 65536
        window = tail + data if small else b""
        if 42 in data or 42 in tail:  # b"*" as an int needle: much cheaper
            # One C search finds whether any large header is in sight; only then are they
            # counted one by one. Large reads are searched without copying them: a header has
            # at most 20 digits, so one across the boundary ends within _BOUNDARY bytes.
            if (_BIG_COUNT.search(window) is not None if small
                    else (_BIG_COUNT.search(data) is not None
                          or _BIG_COUNT.search(tail + data[:_BOUNDARY]) is not None)):
                self._count_big(window or tail + data, len(tail))
            if self._big > 1 + self._unparsed // (_BIG * _MIN_ARG_BYTES):
                raise RespError("invalid multibulk length (nested or oversized arrays)")
        self._tail = (window if small else data)[-_TAIL_BYTES:]
        # Bound memory: a command may hold max_bulk_bytes of arguments plus framing.
        if self._unparsed > self._max_unparsed:
            raise RespError("command too big")
        self._reader.feed(data)

    def get(self) -> list[bytes] | None:
        """Return the next complete command, or ``None`` if none is buffered yet."""
        while True:
            item = self._reader.gets()  # raises RespError (protocolError=RespError)
            if item is _INCOMPLETE:
                return None
            self._unparsed = 0
            if item is None:
                raise NullRequest
            if type(item) is list and not item:
                continue  # "*0": no command
            self._check(item)
            return item  # type: ignore[no-any-return]

    def _count_big(self, window: bytes, seen: int) -> None:
        """Count the large array headers in ``window`` that end after its first ``seen``
        bytes (those were counted when they arrived)."""
        for match in _BIG_COUNT.finditer(window):
            if match.end() <= seen:
                continue
            count = int(match.group(1))
            if count > self.max_args:
                raise RespError("invalid multibulk length")
            if count >= _BIG:
                self._big += 1

    def drain(self, out: list[list[bytes]]) -> None:
        """Append every complete command to ``out`` (:meth:`get`'s checks, done per batch).

        The size checks are skipped when they cannot fail: no command (its arguments together,
        or its count at 6 bytes per argument) is larger than the bytes fed since one last came
        out. On :class:`RespError`, ``out`` holds the commands before the bad one.
        """
        careful = self._big > 0 or self._unparsed > self._careful_over
        append = out.append
        item: object = _INCOMPLETE
        for item in iter(self._reader.gets, _INCOMPLETE):  # raises RespError
            if careful or type(item) is not list:
                self._unparsed = 0
                if item is None:
                    raise NullRequest
                if type(item) is list and not item:
                    continue  # "*0": no command
                self._check(item)
            elif item:
                for arg in item:
                    if type(arg) is not bytes:
                        raise RespError("expected '$', got a non-string element")
            else:
                continue
            append(item)  # type: ignore[arg-type]
        if item is not _INCOMPLETE:
            self._unparsed = 0

    def feed_drain(self, data: bytes, out: list[list[bytes]]) -> None:
        """:meth:`feed` then :meth:`drain`, in one call and, for a read that cannot hold a large
        array header, without the search for one.

        It cannot when no large header is counted (``_big`` is 0), the bytes fed before end a
        line, the read starts with ``*`` not followed by five digits and holds no other
        ``\\n*``: :data:`_BIG_COUNT` can then match nothing that ends in it (a match that starts
        in the kept tail can only start at its last byte, the LF), exactly as :meth:`feed`
        would find. The kept tail is then the read's last bytes; when the read ends with LF,
        that LF alone (only the last byte of a tail ending with LF can start a match).
        """
        tail = self._tail
        if (self._big or data[:1] != b"*" or tail[-1:] != b"\n" or data[1:6].isdigit()
                or b"\n*" in data):
            self.feed(data)
            self.drain(out)
            return
        self._unparsed += len(data)
        if data[-1:] == b"\n":
            self._tail = b"\n"
        else:
            self._tail = (data if len(data) >= _TAIL_BYTES else tail + data)[-_TAIL_BYTES:]
        if self._unparsed > self._max_unparsed:
            raise RespError("command too big")
        self._reader.feed(data)
        if self._unparsed > self._careful_over:
            self.drain(out)
            return
        # drain(), not careful, inlined (one frame less per read)
        append = out.append
        item: object = _INCOMPLETE
        for item in iter(self._reader.gets, _INCOMPLETE):  # raises RespError
            if type(item) is not list:
                self._unparsed = 0
                if item is None:
                    raise NullRequest
                self._check(item)
                continue
            if not item:
                continue
            for arg in item:
                if type(arg) is not bytes:
                    raise RespError("expected '$', got a non-string element")
            append(item)
        if item is not _INCOMPLETE:
            self._unparsed = 0

    def idle(self) -> bool:
        """No byte fed is left unparsed (hiredis may be inside a command: see the protocol)."""
        return not self._reader.has_data()

    def _check(self, item: object) -> None:
        """The checks of one item (a command), shared by :meth:`get` and the careful path of
        :meth:`drain`; counts a large array header as consumed."""
        if type(item) is not list:
            raise RespError(f"expected '*', got a {type(item).__name__}")
        if len(item) >= _BIG:
            self._big = max(0, self._big - 1)
        total = 0
        for arg in item:
            if type(arg) is not bytes:
                raise RespError("expected '$', got a non-string element")
            total += len(arg)
        if len(item) > self.max_args:
            raise RespError("invalid multibulk length")
        if total > self.max_bulk_bytes:
            raise RespError("command too big")


READER_NAME: str = choose("SUPERMASSIVE_RESP_READER", "python", "hiredis", "hiredis", "hiredis")
"""The reader this process uses, chosen once at import: ``hiredis`` or ``python``."""

READERS: dict[str, type[PythonRespReader] | type[HiredisRespReader]] = {
    "python": PythonRespReader,
    "hiredis": HiredisRespReader,
}


def make_resp_reader(
    max_bulk_bytes: int = DEFAULT_MAX_BULK_BYTES,
    max_args: int = DEFAULT_MAX_ARGS,
    name: str | None = None,
) -> RespReader:
    """A new request reader for one connection (``name`` forces one, else :data:`READER_NAME`)."""
    return READERS[name or READER_NAME](max_bulk_bytes, max_args)
