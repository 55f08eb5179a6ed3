"""Sans-I/O encoding of native command lines, with the client-side checks that keep a
connection in sync (``protocol.md`` sections 2 and 3).

A key is one token: no spaces or control characters, at most :data:`MAX_KEY_BYTES` bytes of
UTF-8. A value (PUT's rest of the line) may hold spaces but no CR, LF or NUL. Anything else
raises :class:`ValueError` *before* a byte is sent: a stray CRLF inside a value would turn one
command into two and hand every later caller the wrong reply.
"""

from __future__ import annotations

import base64
import hashlib
import re
from decimal import Decimal

MAX_KEY_BYTES = 64 * 1024
"""Longest key the protocol accepts, in bytes of UTF-8."""

_BAD_TOKEN = re.compile(r"[\x00-\x20\x7f]")
_BAD_VALUE = re.compile(r"[\r\n\x00]")

Number = int | Decimal
"""A numeric argument or result (INCR/DECR): integers stay integers, fractions are exact."""


def check_token(text: str, what: str = "token") -> str:
    """Return ``text`` if it is a valid single token (non-empty, no spaces or control chars)."""
    if not isinstance(text, str):
        raise TypeError(f"{what} must be str, not {type(text).__name__}")
    if not text:
        raise ValueError(f"{what} must not be empty")
    bad = _BAD_TOKEN.search(text)
    if bad is not None:
        raise ValueError(f"{what} must not contain spaces or control characters: {bad.group()!r}")
    return text


def check_key(key: str) -> str:
    """Return ``key`` if the protocol accepts it as a key, else raise ``ValueError``."""
    check_token(key, "key")
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise ValueError(f"key is longer than {MAX_KEY_BYTES} bytes")
    return key


def check_value(value: str) -> str:
    """Return ``value`` if it can be sent as a PUT value, else raise ``ValueError``."""
    if not isinstance(value, str):
        raise TypeError(f"value must be str, not {type(value).__name__}")
    bad = _BAD_VALUE.search(value)
    if bad is not None:
        raise ValueError(f"value must not contain CR, LF or NUL: {bad.group()!r}")
    return value


def format_number(number: Number) -> str:
    """Render an ``int`` or a finite ``Decimal`` in plain notation (never an exponent)."""
    if isinstance(number, bool) or not isinstance(number, (int, Decimal)):
        raise TypeError(f"number must be int or Decimal, not {type(number).__name__}")
    if isinstance(number, Decimal):
        if not number.is_finite():
            raise ValueError(f"number must be finite, not {number}")
        return format(number, "f")
    return str(number)


def parse_number(text: str) -> Number:
    """Parse a numeric reply: ``int`` when it has no fraction, else an exact ``Decimal``."""
    if "." in text:
        return Decimal(text)
    return int(text)


def encode_line(line: str) -> bytes:
    """Encode one raw command line (no terminator) to bytes ending in CRLF.

    The line must be non-blank and hold no CR, LF or NUL.
    """
    check_value(line)
    if not line.strip(" "):
        raise ValueError("command line must not be blank")
    return line.encode("utf-8") + b"\r\n"


def encode_command(name: str, *args: str) -> bytes:
    """Encode ``name`` and its tokens as one CRLF-terminated line.

    Every argument but the last must be a single token; the last may hold spaces (PUT's
    value), but never CR, LF or NUL. Callers check keys with :func:`check_key` first.
    """
    check_token(name, "command name")
    for arg in args[:-1]:
        check_token(arg, "argument")
    if args:
        check_value(args[-1])
    return " ".join((name, *args)).encode("utf-8") + b"\r\n"


def auth_token(username: str, password: str) -> str:
    """The AUTH argument: base64 of ``username NUL password``."""
    if "\0" in username:
        raise ValueError("username must not contain NUL")
    raw = f"{username}\0{password}".encode()
    return base64.b64encode(raw).decode("ascii")


def nauth_token(shared_key: str) -> str:
    """The NAUTH argument: hex SHA-256 of the shared key."""
    return hashlib.sha256(shared_key.encode("utf-8")).hexdigest()
