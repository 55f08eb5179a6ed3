"""Requests and reply checks for the two wire protocols (native lines and RESP2).

A codec encodes an :class:`~smbench.workload.Op`, reads replies (sans-I/O: the native
:class:`smclient.protocol.ReplyReader`, or :class:`RespReplyReader` here) and says whether a
reply is the one the op expects. The native protocol speaks ``protocol.md`` section 3, RESP the
section 7 mapping (``SET``/``GET``/``DEL``/``INCR``), which Redis answers the same way.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Protocol

from smbench.workload import Kind, Op
from smclient.protocol import ReplyReader


class ReplyError(Exception):
    """The peer sent bytes that are not a reply of the expected protocol."""


class RespErrorValue(bytes):
    """A RESP error reply (``-ERR ...``), kept apart from simple strings."""


class RespReplyReader:
    """A tiny RESP2 reply parser: simple strings, errors, integers, bulk strings (and null)."""

    __slots__ = ("_buf", "_pos")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pos = 0

    def feed(self, data: bytes) -> None:
        """Add received bytes."""
        if self._pos and self._pos == len(self._buf):
            self._buf.clear()
            self._pos = 0
        self._buf += data

    def pop(self) -> bytes | int | None:
        """The next complete reply, or ``None`` when it has not arrived (``$-1`` is NULL).

        Raises :class:`ReplyError` for bytes that are not a RESP2 reply.
        """
        buf = self._buf
        pos = self._pos
        end = buf.find(b"\r\n", pos)
        if end < 0:
            if len(buf) - pos > 1 << 20:
                raise ReplyError("RESP line too long")
            return None
        kind = buf[pos]
        line = bytes(buf[pos + 1 : end])
        if kind == 43:  # '+'
            self._pos = end + 2
            return line
        if kind == 45:  # '-'
            self._pos = end + 2
            return RespErrorValue(line)
        if kind == 58:  # ':'
            self._pos = end + 2
            return _integer(line)
        if kind == 36:  # '$'
            length = _integer(line)
            if length < 0:
                self._pos = end + 2
                return NULL
            if len(buf) < end + 4 + length:
                return None
            self._pos = end + 4 + length
            return bytes(buf[end + 2 : end + 2 + length])
        raise ReplyError(f"unexpected RESP reply type {chr(kind)!r}")


def _integer(text: bytes) -> int:
    try:
        return int(text)
    except ValueError:
        raise ReplyError(f"bad RESP integer {text[:40]!r}")


class _Null(bytes):
    """The RESP null bulk string ``$-1`` (distinct from "no reply yet")."""


NULL = _Null(b"<null>")


class Codec(Protocol):
    """What a benchmark connection needs from a protocol."""

    name: str

    def new_reader(self) -> ReplyReader | RespReplyReader:
        """A fresh reply reader for one connection."""

    def request(self, op: Op) -> bytes:
        """The wire bytes of one request."""

    def check(self, op: Op, reply: object) -> str | None:
        """``None`` when ``reply`` is what ``op`` expects, else what is wrong."""

    def auth_password(self, user: str, password: str) -> bytes:
        """The request that authenticates with a user and password (cluster)."""

    def auth_shared_key(self, key: str) -> bytes:
        """The request that authenticates with the shared key (node)."""

    def auth_ok(self, reply: object) -> bool:
        """Whether ``reply`` says the authentication succeeded."""


def _show(reply: object) -> str:
    text = repr(reply)
    return text if len(text) <= 120 else text[:117] + "..."


class NativeCodec:
    """The native text protocol."""

    name = "native"

    def new_reader(self) -> ReplyReader:
        """A native reply reader (lines up to 1 MiB + the largest value)."""
        return ReplyReader(max_line_bytes=4 * 1024 * 1024)

    def request(self, op: Op) -> bytes:
        """``GET k``, ``PUT k v``, ``DEL k`` or ``INCR k``, CRLF-terminated."""
        kind = op.kind
        if kind is Kind.GET:
            return b"GET " + op.key + b"\r\n"
        if kind is Kind.PUT:
            return b"PUT " + op.key + b" " + op.value + b"\r\n"
        if kind is Kind.DEL:
            return b"DEL " + op.key + b"\r\n"
        return b"INCR " + op.key + b"\r\n"

    def check(self, op: Op, reply: object) -> str | None:
        """Compare with the exact native reply the op must get."""
        kind = op.kind
        if kind is Kind.GET:
            if op.expect is None:
                want = b"ERR key-value not found"
            else:
                assert isinstance(op.expect, bytes)
                want = b"OK " + op.key + b" " + op.expect
        elif kind is Kind.PUT:
            want = b"OK key-value written"
        elif kind is Kind.DEL:
            want = b"OK key-value deleted" if op.expect else b"ERR key-value not found"
        else:
            want = b"OK " + op.key + b" " + str(op.expect).encode()
        if reply == want:
            return None
        return f"{kind.name} {op.key.decode()}: expected {_show(want)}, got {_show(reply)}"

    def auth_password(self, user: str, password: str) -> bytes:
        """``AUTH base64(user NUL password)``."""
        token = base64.b64encode(user.encode() + b"\0" + password.encode())
        return b"AUTH " + token + b"\r\n"

    def auth_shared_key(self, key: str) -> bytes:
        """``NAUTH sha256hex(key)``."""
        return b"NAUTH " + hashlib.sha256(key.encode()).hexdigest().encode() + b"\r\n"

    def auth_ok(self, reply: object) -> bool:
        """``OK authenticated``."""
        return reply == b"OK authenticated"


def _resp(*args: bytes) -> bytes:
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        parts.append(b"$%d\r\n%b\r\n" % (len(a), a))
    return b"".join(parts)


class RespCodec:
    """RESP2, as Redis and SuperMassive's RESP mode speak it."""

    name = "resp"

    def new_reader(self) -> RespReplyReader:
        """A RESP reply reader."""
        return RespReplyReader()

    def request(self, op: Op) -> bytes:
        """``SET``/``GET``/``DEL``/``INCR`` as RESP arrays."""
        kind = op.kind
        key = op.key
        if kind is Kind.GET:
            return b"*2\r\n$3\r\nGET\r\n$%d\r\n%b\r\n" % (len(key), key)
        if kind is Kind.PUT:
            return b"*3\r\n$3\r\nSET\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n" % (
                len(key), key, len(op.value), op.value)
        if kind is Kind.DEL:
            return b"*2\r\n$3\r\nDEL\r\n$%d\r\n%b\r\n" % (len(key), key)
        return b"*2\r\n$4\r\nINCR\r\n$%d\r\n%b\r\n" % (len(key), key)

    def check(self, op: Op, reply: object) -> str | None:
        """Compare with the exact RESP reply the op must get."""
        kind = op.kind
        want: object
        if isinstance(reply, RespErrorValue):
            return f"{kind.name} {op.key.decode()}: error reply {_show(bytes(reply))}"
        if kind is Kind.GET:
            want = NULL if op.expect is None else op.expect
            ok = reply is NULL if op.expect is None else (type(reply) is bytes and reply == want)
        elif kind is Kind.PUT:
            want = b"OK"
            ok = reply == want and type(reply) is bytes
        elif kind is Kind.DEL:
            want = 1 if op.expect else 0
            ok = reply == want and type(reply) is int
        else:
            want = op.expect
            ok = reply == want and type(reply) is int
        if ok:
            return None
        return f"{kind.name} {op.key.decode()}: expected {_show(want)}, got {_show(reply)}"

    def auth_password(self, user: str, password: str) -> bytes:
        """``AUTH user password``."""
        return _resp(b"AUTH", user.encode(), password.encode())

    def auth_shared_key(self, key: str) -> bytes:
        """``AUTH <shared key>`` (the RESP form of NAUTH on a node)."""
        return _resp(b"AUTH", key.encode())

    def auth_ok(self, reply: object) -> bool:
        """``+OK``."""
        return reply == b"OK" and not isinstance(reply, RespErrorValue)


CODECS: dict[str, type[NativeCodec] | type[RespCodec]] = {"native": NativeCodec, "resp": RespCodec}
