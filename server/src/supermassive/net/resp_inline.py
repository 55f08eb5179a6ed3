"""Inline commands on a RESP connection (``PING\\r\\n`` instead of ``*1\\r\\n$4\\r\\nPING``).

Redis accepts a request that does not start with ``*`` as an *inline* command: one line,
arguments separated by spaces. ``redis-benchmark -t ping`` relies on it (after ``AUTH`` was
sent as an array, often in the same segment). :class:`InlineAwareReader` wraps either RESP
reader and costs nothing per request on the common path:

* a *sync point* is a read after which the wrapped reader holds no partial request: the
  one request handed out since the last one has the kept size when canonically encoded (no
  encoding is shorter, so that is a proof), or the reader has no unparsed byte and the read
  ends with the canonical encoding of the last request handed out (hiredis cannot say
  whether it is inside a request whose parsed part ends exactly there; that check settles
  it for every client that does not put RESP framing inside its values). One check per
  read, not per request. Only the bytes fed since the last sync
  point are kept (as the list of received chunks, not copied) with the number of requests
  handed out since then;
* an inline line can only start where a request ends. At a sync point that is the first byte
  of the read; later it is where the wrapped reader fails (every RESP reader refuses a
  request that does not start with ``*``). Then, and only then, the kept bytes are re-parsed
  with the pure-Python reader to find where the failing request starts (:func:`skip_commands`:
  exact for any valid encoding). If a ``*`` is there the error is real and is raised.
  Otherwise the inline lines are taken up to the next ``*``, and the rest goes to a fresh
  wrapped reader.

A connection that never reaches a sync point (a long stream of pipelined requests whose reads
all end mid-request) has its kept bytes re-parsed and trimmed once they pass
:data:`KEEP_LIMIT_BYTES`, so memory stays bounded.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from supermassive.net.resp_reader import NullRequest, PythonRespReader, RespError, RespReader

_STAR = 42  # b"*"
KEEP_LIMIT_BYTES = 1 << 20
"""Bytes kept since the last sync point before they are re-parsed and trimmed."""
_EMPTY_ARRAYS = (b"*0\r\n", b"*-1\r\n")


def encoded_size(args: list[bytes]) -> int:
    """Bytes of the canonical RESP encoding of a request."""
    count = len(args)
    # "*<count>\r\n", then "$<n>\r\n<arg>\r\n" per argument: 6 bytes + n + extra digits
    size = (4 if count < 10 else 3 + len(str(count))) + 6 * count
    for n in map(len, args):
        size += n if n < 10 else n + 1 if n < 100 else n + len(str(n)) - 1
    return size


def encode_request(args: list[bytes]) -> bytes:
    """The canonical RESP encoding of a request."""
    return b"*%d\r\n" % len(args) + b"".join([b"$%d\r\n%b\r\n" % (len(a), a) for a in args])


def skip_commands(data: bytes, count: int) -> int | None:
    """Where the request after the first ``count`` requests of ``data`` starts (empty arrays
    after them skipped too), or ``None`` when ``data`` does not hold ``count`` requests."""
    reader = PythonRespReader(len(data) + 1, len(data) + 1)
    reader.feed(data)
    try:
        for _ in range(count):
            if reader.get() is None:
                return None
    except RespError:
        return None
    pos = reader.position
    while data.startswith(_EMPTY_ARRAYS, pos):
        pos = data.index(b"\n", pos) + 1
    return pos


class InlineAwareReader:
    """A RESP request reader that also accepts inline commands between requests.

    :meth:`take` is the per-read API; :meth:`feed` / :meth:`get` give one request at a time.
    """

    __slots__ = ("_chunks", "_count", "_error", "_inline_tail", "_inner", "_kept", "_make",
                 "_max_line_bytes", "_ready")

    def __init__(self, make: Callable[[], RespReader], max_line_bytes: int) -> None:
        self._make = make
        self._inner = make()
        self._max_line_bytes = max_line_bytes
        self._chunks: list[bytes] = []  # bytes fed since the last sync point
        self._kept = 0  # their total size
        self._count = 0  # requests handed out since the last sync point
        self._inline_tail = b""  # the start of an inline line whose end has not arrived
        self._ready: deque[list[bytes]] = deque()  # for get()
        self._error: RespError | None = None

    def take(self, data: bytes) -> tuple[list[list[bytes]], RespError | None]:
        """Add received bytes; return every request they complete, in order, and the error
        that stopped reading (the connection must then answer it and close), if any."""
        out: list[list[bytes]] = []
        if self._chunks or self._inline_tail or data[:1] != b"*":
            try:
                self._take(data, out)
            except RespError as exc:
                return out, exc
            return out, None
        # The common case, inlined (it is _take and _run): at a sync point, a read of requests.
        inner = self._inner
        try:
            inner.feed_drain(data, out)
        except RespError as exc:
            self._chunks.append(data)
            self._kept = len(data)
            self._count = len(out)
            try:
                self._continue(self._recover(exc), out)
            except RespError as error:
                return out, error
            return out, None
        if out and ((len(out) == 1 and encoded_size(out[0]) == len(data))
                    or (inner.idle() and data.endswith(encode_request(out[-1])))):
            return out, None  # still at a sync point
        self._chunks.append(data)
        self._kept = len(data)
        self._count = len(out)
        if self._kept > KEEP_LIMIT_BYTES:
            self._trim()
        return out, None

    def feed(self, data: bytes) -> None:
        """Add received bytes (requests come out of :meth:`get`, which raises
        :class:`RespError` after the requests before an error)."""
        out, error = self.take(data)
        self._ready.extend(out)
        if error is not None:
            self._error = error

    def get(self) -> list[bytes] | None:
        """The next complete request, or ``None``."""
        if self._ready:
            return self._ready.popleft()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return None

    def _take(self, data: bytes, out: list[list[bytes]]) -> None:
        found: tuple[bytes, int] | None
        if self._inline_tail:
            found = (self._inline_tail + data, 0)
            self._inline_tail = b""
        elif not self._chunks and data[:1] != b"*" and data:  # a sync point, then not "*"
            found = (data, 0)
        else:
            self._chunks.append(data)
            self._kept += len(data)
            found = self._run(data, out)
        self._continue(found, out)

    def _continue(self, found: tuple[bytes, int] | None, out: list[list[bytes]]) -> None:
        """Take inline lines where ``found`` says, then RESP again, as long as they alternate."""
        while found is not None:  # a loop, not recursion: reads may alternate many times
            data, pos = found
            pos = self._inline(data, pos, out)
            if pos >= len(data):
                return
            rest = data[pos:]
            self._chunks.append(rest)
            self._kept = len(rest)
            found = self._run(rest, out)

    def _run(self, data: bytes, out: list[list[bytes]]) -> tuple[bytes, int] | None:
        """Feed ``data`` (already kept) to the wrapped reader and drain it; return the kept
        bytes and where an inline line starts in them when one does."""
        inner = self._inner
        before = len(out)
        try:
            inner.feed_drain(data, out)
        except RespError as exc:
            self._count += len(out) - before
            return self._recover(exc)
        taken = len(out) - before
        self._count += taken
        if taken and ((self._count == 1 and encoded_size(out[-1]) == self._kept)
                      or (inner.idle() and self._ends_with(data, out[-1]))):
            self._chunks.clear()  # a sync point
            self._kept = self._count = 0
        elif self._kept > KEEP_LIMIT_BYTES:
            self._trim()
        return None

    def _recover(self, exc: RespError) -> tuple[bytes, int]:
        """The wrapped reader failed: where an inline line starts, or ``exc`` raised when the
        failing request starts with ``*`` (a real error). For a :class:`NullRequest` (hiredis
        cannot tell ``*-1`` from an inline ``_`` or ``$-1`` line), the exact reader decides:
        reading goes on after the requests handed out and any empty ones, whether an inline
        line or another request starts there."""
        kept = self._kept_bytes()
        pos = skip_commands(kept, self._count)
        if type(exc) is NullRequest and pos is not None:
            return kept, pos
        if pos is None or pos >= len(kept) or kept[pos] == _STAR:
            raise exc
        return kept, pos

    def _ends_with(self, data: bytes, args: list[bytes]) -> bool:
        """Whether the kept bytes end with the canonical encoding of ``args``."""
        size = encoded_size(args)
        if len(data) < size:
            if self._kept < size:
                return False
            data = self._kept_bytes()
        return data.endswith(encode_request(args))

    def _kept_bytes(self) -> bytes:
        chunks = self._chunks
        if len(chunks) > 1:
            chunks[:] = [b"".join(chunks)]
        return chunks[0]

    def _trim(self) -> None:
        """Drop kept bytes of requests already handed out (bounded memory without a sync)."""
        kept = self._kept_bytes()
        pos = skip_commands(kept, self._count)
        if pos is None:  # pragma: no cover - the wrapped reader handed these out
            return
        self._chunks[:] = [kept[pos:]]
        self._kept = len(kept) - pos
        self._count = 0

    def _inline(self, data: bytes, pos: int, out: list[list[bytes]]) -> int:
        """Take inline lines from ``data[pos:]`` up to the next ``*`` and return where it is
        (``len(data)`` when there is none); the wrapped reader starts afresh there."""
        self._inner = self._make()
        self._chunks.clear()
        self._kept = self._count = 0
        end = len(data)
        while pos < end and data[pos] != _STAR:
            nl = data.find(b"\n", pos)
            if nl < 0:
                if end - pos > self._max_line_bytes:
                    raise RespError("too big inline request")
                self._inline_tail = data[pos:]
                return end
            args = data[pos:nl].rstrip(b"\r").split()
            pos = nl + 1
            if args:
                out.append(args)
        return pos
