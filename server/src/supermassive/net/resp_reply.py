"""Native replies turned into RESP2 replies, by reply shape.

A :class:`ReplyShape` says how the native reply (or replies) of one translated command become
one RESP reply. :func:`encode_reply` takes the native reply in any of the forms the connection
layer may hold it in:

* one line, ``bytes``, with or without its trailing CRLF;
* a multi-line reply (REGX, STAT) as ``list[bytes]`` (the header ``OK <n>`` and n lines, as
  ``smclient.protocol.ReplyReader`` returns it) or as one ``bytes`` blob of CRLF-ended lines;
* for commands translated to several native lines (``DEL k1 k2``, ``EXISTS k1 k2``) the list
  of their one-line replies, in order (a single ``bytes`` is taken as a list of one), and for
  commands translated to no native line (``QUIT``, ``COMMAND``, ``CONFIG GET``) anything
  (an empty list).

Any native ``ERR <text>`` becomes ``-ERR <text>`` except where the shape gives it a meaning
(``GET``'s not-found is ``$-1``; ``DEL``/``EXISTS`` count it as 0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from supermassive import __version__

NativeReply = bytes | list[bytes]
"""A native reply as the connection layer holds it (see the module docstring)."""

_NOT_FOUND = b"ERR key-value not found"
_NULL = b"$-1\r\n"
_UNEXPECTED = b"-ERR internal error: unexpected reply from the server\r\n"
_INT64_MAX = (1 << 63) - 1


@dataclass(frozen=True, slots=True, eq=False)
class ReplyShape:
    """How to encode the reply of one translated command.

    ``close`` asks the connection layer to close the connection once the reply is written
    (``QUIT``); ``data`` is the fixed reply of shapes that have one (``+PONG``, ``*0``).
    """

    name: str
    encoder: Callable[[ReplyShape, NativeReply], bytes]
    data: bytes = b""
    close: bool = False


def encode_reply(shape: ReplyShape, native: NativeReply) -> bytes:
    """Return the RESP2 bytes (CRLF included) for the native reply of a translated command."""
    return shape.encoder(shape, native)


def bulk(value: bytes) -> bytes:
    """A RESP bulk string."""
    return b"$%d\r\n%b\r\n" % (len(value), value)


def array(items: list[bytes]) -> bytes:
    """A RESP array of bulk strings."""
    return b"*%d\r\n" % len(items) + b"".join([b"$%d\r\n%b\r\n" % (len(x), x) for x in items])


def error(text: bytes) -> bytes:
    """A RESP error line from a native ``ERR ...`` line (anything else is unexpected)."""
    if text.startswith(b"ERR"):
        return b"-" + text + b"\r\n"
    return _UNEXPECTED


def _line(native: NativeReply) -> bytes:
    line = native if isinstance(native, bytes) else (native[0] if native else b"")
    if line.endswith(b"\n"):
        return line.rstrip(b"\r\n")
    return line


def _lines(native: NativeReply) -> list[bytes]:
    if type(native) is list:
        return [_line(x) for x in native]
    lines = cast(bytes, native).split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [x[:-1] if x.endswith(b"\r") else x for x in lines]


def _value_after_key(line: bytes) -> bytes:
    """The value of ``OK <key> <value>`` (keys hold no space; the value may be empty)."""
    space = line.find(b" ", 3)
    return b"" if space < 0 else line[space + 1 :]


def _if_ok(shape: ReplyShape, native: NativeReply) -> bytes:
    if isinstance(native, list) and not native:
        return shape.data  # nothing had to run (HELLO without AUTH)
    line = _line(native)
    if line.startswith(b"OK"):
        return shape.data
    return error(line)


def _fixed(shape: ReplyShape, native: NativeReply) -> bytes:
    return shape.data


def _bulk_value(shape: ReplyShape, native: NativeReply) -> bytes:
    line = _line(native)
    if line.startswith(b"OK "):
        value = _value_after_key(line)
        return b"$%d\r\n%b\r\n" % (len(value), value)
    if line == _NOT_FOUND:
        return _NULL
    return error(line)


def _integer(shape: ReplyShape, native: NativeReply) -> bytes:
    line = _line(native)
    if not line.startswith(b"OK "):
        return error(line)
    value = _value_after_key(line)
    digits = value[1:] if value[:1] == b"-" else value
    if digits.isdigit() and (len(digits) < 19 or abs(int(value)) <= _INT64_MAX):
        return b":%b\r\n" % value
    return bulk(value)  # a decimal or a number beyond 64 bits: sent as text


def _bulk_number(shape: ReplyShape, native: NativeReply) -> bytes:
    line = _line(native)
    if line.startswith(b"OK "):
        return bulk(_value_after_key(line))
    return error(line)


def _count(shape: ReplyShape, native: NativeReply) -> bytes:
    replies = [native] if type(native) is bytes else cast(list[bytes], native)
    found = 0
    for reply in replies:
        line = _line(reply)
        if line.startswith(b"OK"):
            found += 1
        elif line != _NOT_FOUND:
            return error(line)
    return b":%d\r\n" % found


def _multi(native: NativeReply) -> list[bytes] | bytes:
    """The body lines of an ``OK <n>`` reply, or the RESP error to send instead."""
    lines = _lines(native)
    if not lines:
        return _UNEXPECTED
    header = lines[0]
    if not header.startswith(b"OK "):
        return error(header)
    count = header[3:]
    if not count.isdigit() or int(count) != len(lines) - 1:
        return _UNEXPECTED
    return lines[1:]


def _keys(shape: ReplyShape, native: NativeReply) -> bytes:
    body = _multi(native)
    if isinstance(body, bytes):
        return body
    return array([line.split(b" ", 1)[0] for line in body])


def _pairs(shape: ReplyShape, native: NativeReply) -> bytes:
    body = _multi(native)
    if isinstance(body, bytes):
        return body
    flat: list[bytes] = []
    for line in body:
        key, _, value = line.partition(b" ")
        flat.append(key)
        flat.append(value)
    return array(flat)


def _text(shape: ReplyShape, native: NativeReply) -> bytes:
    body = _multi(native)
    if isinstance(body, bytes):
        return body
    return bulk(b"".join([line + b"\r\n" for line in body]))


OK = ReplyShape("ok", _if_ok, b"+OK\r\n")
PONG = ReplyShape("pong", _if_ok, b"+PONG\r\n")
VALUE = ReplyShape("value", _bulk_value)
INTEGER = ReplyShape("integer", _integer)
NUMBER = ReplyShape("number", _bulk_number)
COUNT = ReplyShape("count", _count)
KEYS = ReplyShape("keys", _keys)
PAIRS = ReplyShape("pairs", _pairs)
TEXT = ReplyShape("text", _text)
EMPTY_ARRAY = ReplyShape("empty-array", _fixed, b"*0\r\n")
FIXED_OK = ReplyShape("fixed-ok", _fixed, b"+OK\r\n")
HELLO = ReplyShape("hello", _if_ok, b"".join([
    b"*14\r\n", bulk(b"server"), bulk(b"supermassive"), bulk(b"version"),
    bulk(__version__.encode()),
    bulk(b"proto"), b":2\r\n", bulk(b"id"), b":0\r\n", bulk(b"mode"), bulk(b"standalone"),
    bulk(b"role"), bulk(b"master"), bulk(b"modules"), b"*0\r\n",
]))
"""``HELLO 2``'s reply: the server's properties as a flat key/value array (RESP2)."""
QUIT = ReplyShape("quit", _fixed, b"+OK\r\n", close=True)


def echo(message: bytes) -> ReplyShape:
    """The shape of ``PING <message>``: the message as a bulk string once the PING succeeds."""
    return ReplyShape("echo", _if_ok, bulk(message))


def value_reply(native: bytes) -> bytes:
    """:func:`encode_reply` for :data:`VALUE` and a one-line ``bytes`` reply, done faster.

    The common ``OK <key> <value>\\r\\n`` is sliced once; anything else takes the general
    encoder, so the bytes are always the same (pinned by ``test_resp_fast_paths.py``).
    """
    if native[:3] == b"OK " and native[-2:] == b"\r\n" and native[-3:-2] not in (b"\r", b"\n"):
        space = native.find(b" ", 3)
        if space >= 0:
            tail = native[space + 1 :]  # the value and its CRLF
            return b"$%d\r\n" % (len(tail) - 2) + tail
    return _bulk_value(VALUE, native)


def ok_reply(native: bytes) -> bytes:
    """:func:`encode_reply` for :data:`OK` and a one-line ``bytes`` reply, done faster."""
    if native[:2] == b"OK":
        return b"+OK\r\n"
    return _if_ok(OK, native)
