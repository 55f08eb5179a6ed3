"""Client command lines at the cluster: parse and validate completely before any fan-out (pure).

Nothing malformed reaches a node: every rule of ``protocol.md`` section 3 is checked here
(NUL bytes, UTF-8, arity, key rules, INCR/DECR numbers, REGX offset/limit and the RE2 pattern
itself). :func:`parse_request` returns a :class:`Request` or the ``ERR`` reply bytes to send.
The key rules and error strings are the ones the data roles use
(:mod:`supermassive.roles.data`), so a client sees the same answer from a node and from the
cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

from supermassive.roles.data import (
    ERR_INVALID_VALUE,
    ERR_NOT_AUTH,
    ERR_NUL,
    ERR_UNKNOWN,
    MAX_KEY_BYTES,
    arity_error,
    key_error,
    line_error,
    parse_offset_limit,
)
from supermassive.storage.errors import InvalidPattern, InvalidValue
from supermassive.storage.numbers import is_number, negate_delta
from supermassive.storage.patterns import compile_pattern

ERR_OFFSET_LIMIT = b"ERR invalid input: offset and limit must be non-negative integers\r\n"

READS = frozenset({"GET", "REGX", "STAT"})
"""Commands that may run concurrently with other reads of the same connection."""
WRITES = frozenset({"PUT", "DEL", "INCR", "DECR", "UPINCR", "UPDECR", "RCNF"})
"""Commands that wait for everything sent before them on their connection."""
LOCAL = frozenset({"AUTH", "PING", "QUIT"})
"""Commands answered by the cluster itself, accepted before authentication."""
KNOWN = READS | WRITES | LOCAL


@dataclass(slots=True)
class Request:
    """One validated client command.

    ``delta`` is the signed delta for INCR/DECR (already negated for DECR); ``limit`` is
    ``None`` when REGX has no offset/limit. Treat it as immutable (it is not frozen only
    because a frozen dataclass costs a microsecond more to build, on every command).
    """

    name: str
    key: bytes = b""
    value: bytes = b""
    delta: bytes = b""
    offset: int = 0
    limit: int | None = None

    @property
    def is_write(self) -> bool:
        """Whether the command changes data or configuration (ordered after earlier ones)."""
        return self.name in WRITES


def split_name(line: bytes) -> tuple[str, bytes | None]:
    """``(UPPER NAME, rest or None)``; the name is ``""`` when it is not ASCII."""
    sp = line.find(b" ")
    raw, rest = (line, None) if sp < 0 else (line[:sp], line[sp + 1 :])
    if not raw.isascii():
        return "", rest
    return raw.decode("ascii").upper(), rest


def parse_request(line: bytes, authenticated: bool) -> Request | bytes:
    """Validate one client line; return a :class:`Request` or an ``ERR`` reply (CRLF ended)."""
    if authenticated:
        common = _common(line)
        if common is not None:
            return common
    return _parse_general(line, authenticated)


def _parse_general(line: bytes, authenticated: bool) -> Request | bytes:
    """Every rule, for every line (:func:`_common` is a shortcut to the same answers)."""
    name, rest = split_name(line)
    if name not in KNOWN:
        if b"\0" in line:
            return ERR_NUL
        return ERR_UNKNOWN if authenticated else ERR_NOT_AUTH
    bad = line_error(line)
    if bad is not None:
        return bad
    if name in LOCAL:
        return _local(name, rest)
    if not authenticated:
        return ERR_NOT_AUTH
    return _PARSERS[name](name, rest)


def plain_key(key: bytes) -> bool:
    """Whether ``key`` is a valid key made of printable ASCII (no space): the common case."""
    return 0 < len(key) <= MAX_KEY_BYTES and (key.isalnum() or (
        key.isascii() and 32 not in key and key.decode("ascii").isprintable()))


def _common(line: bytes) -> Request | None:
    """``GET``/``DEL``/``PUT`` in capitals with a plain key (and an ASCII value without NUL):
    the lines a benchmark or an SDK sends all day, accepted in a few checks. ``None`` for
    anything else, which the general rules below then handle (same result, see the tests)."""
    head = line[:4]
    if head == b"GET " or head == b"DEL ":
        key = line[4:]
        if plain_key(key):
            return Request("GET" if head == b"GET " else "DEL", key=key)
    elif head == b"PUT ":
        sp = line.find(b" ", 4)
        key, value = (line[4:], b"") if sp < 0 else (line[4:sp], line[sp + 1 :])
        if plain_key(key) and value.isascii() and b"\0" not in value:
            return Request("PUT", key=key, value=value)
    return None


def _local(name: str, rest: bytes | None) -> Request | bytes:
    if name == "AUTH":
        if rest is None or b" " in rest or not rest:
            return arity_error(b"AUTH")
        return Request(name, value=rest)
    return Request(name)


def _no_args(name: str, rest: bytes | None) -> Request | bytes:
    if rest is not None:
        return arity_error(name.encode())
    return Request(name)


def _one_key(name: str, rest: bytes | None) -> Request | bytes:
    if rest is None or b" " in rest:
        return arity_error(name.encode())
    return key_error(rest) or Request(name, key=rest)


def _put(name: str, rest: bytes | None) -> Request | bytes:
    if rest is None:
        return arity_error(b"PUT")
    sp = rest.find(b" ")
    key, value = (rest, b"") if sp < 0 else (rest[:sp], rest[sp + 1 :])
    err = key_error(key)
    if err is not None:
        return err
    return Request(name, key=key, value=value)


def _incr(name: str, rest: bytes | None) -> Request | bytes:
    parts = rest.split(b" ") if rest is not None else []
    if not 1 <= len(parts) <= 2:
        return arity_error(name.encode())
    key = parts[0]
    err = key_error(key)
    if err is not None:
        return err
    delta = parts[1] if len(parts) == 2 else b"1"
    if not is_number(delta):
        return ERR_INVALID_VALUE
    if name in ("DECR", "UPDECR"):
        try:
            delta = negate_delta(delta)
        except InvalidValue:
            return ERR_INVALID_VALUE
    return Request(name, key=key, delta=delta)


def _regx(name: str, rest: bytes | None) -> Request | bytes:
    parts = rest.split(b" ") if rest is not None else []
    if len(parts) not in (1, 3):
        return arity_error(b"REGX")
    offset, limit = 0, None
    if len(parts) == 3:
        parsed = parse_offset_limit(parts[1], parts[2])
        if parsed is None:
            return ERR_OFFSET_LIMIT
        offset, limit = parsed
    try:
        compile_pattern(parts[0])
    except InvalidPattern as exc:
        return b"ERR invalid pattern: " + exc.reason.encode(errors="replace") + b"\r\n"
    return Request(name, key=parts[0], offset=offset, limit=limit)


_PARSERS = {
    "GET": _one_key,
    "DEL": _one_key,
    "PUT": _put,
    "INCR": _incr,
    "DECR": _incr,
    "UPINCR": _incr,
    "UPDECR": _incr,
    "REGX": _regx,
    "STAT": _no_args,
    "RCNF": _no_args,
}
