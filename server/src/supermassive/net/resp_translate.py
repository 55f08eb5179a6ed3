"""RESP commands translated to native command lines (``protocol.md`` section 7).

:func:`translate` maps one RESP argument array to the native lines the role's dispatcher runs
(usually one; several for ``DEL``/``EXISTS`` with several keys; none for ``QUIT``, ``COMMAND``
and ``CONFIG GET``) and the :class:`~supermassive.net.resp_reply.ReplyShape` that turns their
replies into one RESP reply. Requests the native protocol cannot carry are answered at once
with a :class:`RespErrorReply`. The decisions (AUTH forms, SET options, INCR on a missing key,
...) are written down in ``docs/internals/resp.md``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from smclient.protocol.commands import Role
from supermassive.net import resp_reply as shapes
from supermassive.net.resp_glob import glob_to_re2
from supermassive.net.resp_reply import ReplyShape

DEFAULT_USER = b"default"
"""The user of the one-argument ``AUTH <password>`` on the cluster (Redis's default user)."""


@dataclass(frozen=True, slots=True)
class RespErrorReply:
    """A request refused before it reaches the dispatcher; ``data`` is the RESP error line."""

    data: bytes


Translation = tuple[list[bytes], ReplyShape]
Handler = Callable[[list[bytes], Role], "Translation | RespErrorReply"]


def _err(text: str) -> RespErrorReply:
    return RespErrorReply(b"-ERR " + text.encode() + b"\r\n")


def _arity(name: str) -> RespErrorReply:
    return _err(f"wrong number of arguments for '{name}'")


def _printable(raw: bytes, limit: int = 64) -> str:
    text = raw[:limit].decode("utf-8", "replace")
    return "".join(c if c.isprintable() and c != "'" else "?" for c in text)


def _bad_key(key: bytes) -> RespErrorReply | None:
    if not key:
        return _err("invalid input: empty key")
    if 32 in key or 13 in key or 10 in key or 0 in key:  # int needles: ~10x faster than b" "
        return _err("invalid input: keys cannot hold spaces, CR, LF or NUL")
    return None


def _bad_value(value: bytes) -> RespErrorReply | None:
    if 13 in value or 10 in value or 0 in value:
        return _err("invalid input: values cannot hold CR, LF or NUL")
    return None


def _bad_token(token: bytes, what: str) -> RespErrorReply | None:
    if not token or 32 in token or 13 in token or 10 in token or 0 in token:
        return _err(f"invalid input: {what} cannot be empty or hold spaces, CR, LF or NUL")
    return None


def _is_integer(raw: bytes) -> bool:
    digits = raw[1:] if raw[:1] == b"-" else raw
    return digits.isdigit() and len(digits) < 20 and abs(int(raw)) <= (1 << 63) - 1


# ---- handlers, one per command (the hot ones first)


def _get(args: list[bytes], role: Role) -> Translation | RespErrorReply:
    if len(args) != 2:
        return _ARITY_GET
    key = args[1]
    if not key or 32 in key or 13 in key or 10 in key or 0 in key:
        return _bad_key(key) or _ARITY_GET
    return [b"GET " + key], shapes.VALUE


def _set(args: list[bytes], role: Role) -> Translation | RespErrorReply:
    if len(args) != 3:
        if len(args) > 3:
            return _err("syntax error: SET options (EX, PX, NX, XX, KEEPTTL, GET) "
                        "are not supported")
        return _arity("SET")
    key, value = args[1], args[2]
    problem = _bad_key(key) or _bad_value(value)
    if problem:
        return problem
    return [b"PUT " + key + b" " + value], shapes.OK


def _put(args: list[bytes], role: Role) -> Translation | RespErrorReply:
    """Native PUT: the value is the rest of the arguments joined by spaces (may be empty)."""
    if len(args) < 2:
        return _arity("PUT")
    value = b" ".join(args[2:])
    problem = _bad_key(args[1]) or _bad_value(value)
    if problem:
        return problem
    return [b"PUT " + args[1] + b" " + value], shapes.OK


def _each_key(verb: bytes, name: str, args: list[bytes]) -> Translation | RespErrorReply:
    if len(args) < 2:
        return _arity(name)
    lines = []
    for key in args[1:]:
        problem = _bad_key(key)
        if problem:
            return problem
        lines.append(verb + key)
    return lines, shapes.COUNT


def _del(args: list[bytes], role: Role) -> Translation | RespErrorReply:
    return _each_key(b"DEL ", "DEL", args)


def _exists(args: list[bytes], role: Role) -> Translation | RespErrorReply:
    return _each_key(b"GET ", "EXISTS", args)


def _step(verb: bytes, name: str, by: bool) -> Handler:
    """INCR/DECR (delta 1) and INCRBY/DECRBY (an integer delta)."""

    def handler(args: list[bytes], role: Role) -> Translation | RespErrorReply:
        if len(args) != (3 if by else 2):
            return _arity(name)
        problem = _bad_key(args[1])
        if problem:
            return problem
        if not by:
            return [verb + args[1]], shapes.INTEGER
        if not _is_integer(args[2]):
            return _err("value is not an integer or out of range")
        return [verb + args[1] + b" " + args[2]], shapes.INTEGER

    return handler


def _incrbyfloat(args: list[bytes], role: Role) -> Translation | RespErrorReply:
    if len(args) != 3:
        return _arity("INCRBYFLOAT")
    problem = _bad_key(args[1]) or _bad_token(args[2], "the increment")
    if problem:
        return problem
    return [b"UPINCR " + args[1] + b" " + args[2]], shapes.NUMBER


def _keys(args: list[bytes], role: Role) -> Translation | RespErrorReply:
    if len(args) != 2:
        return _arity("KEYS")
    try:
        glob = args[1].decode("utf-8")
    except UnicodeDecodeError:
        return _err("invalid input: the pattern is not UTF-8")
    if "\0" in glob:
        return _err("invalid input: the pattern holds a NUL byte")
    return [b"REGX " + glob_to_re2(glob).encode()], shapes.KEYS


def _regx(args: list[bytes], role: Role) -> Translation | RespErrorReply:
    if len(args) not in (2, 4):
        return _arity("REGX")
    for token in args[1:]:
        problem = _bad_token(token, "REGX arguments (write a space in a pattern as \\x20)")
        if problem:
            return problem
    return [b" ".join(args)], shapes.PAIRS


def _fixed_line(name: str, line: bytes, shape: ReplyShape) -> Handler:
    def handler(args: list[bytes], role: Role) -> Translation | RespErrorReply:
        if len(args) != 1:
            return _arity(name)
        return [line], shape

    return handler


def _ping(args: list[bytes], role: Role) -> Translation | RespErrorReply:
    if len(args) == 1:
        return [b"PING"], shapes.PONG
    if len(args) == 2:
        return [b"PING"], shapes.echo(args[1])
    return _arity("PING")


def _quit(args: list[bytes], role: Role) -> Translation | RespErrorReply:
    return [], shapes.QUIT


def _auth(args: list[bytes], role: Role) -> Translation | RespErrorReply:
    """``AUTH <password>`` / ``AUTH <user> <password>``; on a node or replica, NAUTH."""
    if len(args) not in (2, 3):
        return _arity("AUTH")
    user = args[1] if len(args) == 3 else None
    return [_auth_line(user, args[-1], role)], shapes.OK


def _auth_line(user: bytes | None, secret: bytes, role: Role) -> bytes:
    if role & Role.CLUSTER:
        token = base64.b64encode((user or DEFAULT_USER) + b"\0" + secret)
        return b"AUTH " + token
    return b"NAUTH " + hashlib.sha256(secret).hexdigest().encode()


def _hello(args: list[bytes], role: Role) -> Translation | RespErrorReply:
    """``HELLO [2 [AUTH user password] [SETNAME name]]``: RESP2 only (RESP3 gets NOPROTO)."""
    if len(args) == 1:
        return [], shapes.HELLO
    if args[1] != b"2":
        if args[1].isdigit():
            return _NOPROTO
        return _err("Protocol version is not an integer or out of range")
    lines: list[bytes] = []
    i = 2
    while i < len(args):
        option = args[i].upper()
        if option == b"AUTH" and i + 2 < len(args):
            lines = [_auth_line(args[i + 1], args[i + 2], role)]
            i += 3
        elif option == b"SETNAME" and i + 1 < len(args):
            i += 2
        else:
            return _err(f"syntax error in HELLO option '{_printable(args[i])}'")
    return lines, shapes.HELLO


def _client(args: list[bytes], role: Role) -> Translation | RespErrorReply:
    if len(args) >= 2 and args[1].upper() in (b"SETNAME", b"SETINFO"):
        return [], shapes.FIXED_OK  # redis-py and others announce themselves; accepted, unused
    sub = _printable(args[1]) if len(args) >= 2 else ""
    return _err(f"unknown subcommand '{sub}'. Only CLIENT SETNAME and SETINFO are supported")


def _select(args: list[bytes], role: Role) -> Translation | RespErrorReply:
    if len(args) != 2:
        return _arity("SELECT")
    if args[1] == b"0":
        return [], shapes.FIXED_OK
    return _err("DB index is out of range (SuperMassive has one keyspace: SELECT 0)")


def _command(args: list[bytes], role: Role) -> Translation | RespErrorReply:
    return [], shapes.EMPTY_ARRAY  # redis-cli asks COMMAND DOCS on connect


def _config(args: list[bytes], role: Role) -> Translation | RespErrorReply:
    if len(args) >= 2 and args[1].upper() == b"GET":
        return [], shapes.EMPTY_ARRAY  # redis-benchmark asks CONFIG GET save / appendonly
    sub = _printable(args[1]) if len(args) >= 2 else ""
    return _err(f"unknown subcommand '{sub}'. Only CONFIG GET is supported")


_ARITY_GET = _arity("GET")
_NOPROTO = RespErrorReply(b"-NOPROTO sorry, this protocol version is not supported\r\n")

HANDLERS: dict[bytes, Handler] = {
    b"GET": _get,
    b"SET": _set,
    b"PUT": _put,
    b"DEL": _del,
    b"EXISTS": _exists,
    b"INCR": _step(b"UPINCR ", "INCR", by=False),
    b"DECR": _step(b"UPDECR ", "DECR", by=False),
    b"INCRBY": _step(b"UPINCR ", "INCRBY", by=True),
    b"DECRBY": _step(b"UPDECR ", "DECRBY", by=True),
    b"INCRBYFLOAT": _incrbyfloat,
    b"KEYS": _keys,
    b"REGX": _regx,
    b"STAT": _fixed_line("STAT", b"STAT", shapes.TEXT),
    b"RCNF": _fixed_line("RCNF", b"RCNF", shapes.OK),
    b"PING": _ping,
    b"QUIT": _quit,
    b"AUTH": _auth,
    b"COMMAND": _command,
    b"CONFIG": _config,
    b"HELLO": _hello,
    b"CLIENT": _client,
    b"SELECT": _select,
}
"""The supported RESP commands by upper-case name."""


def translate(args: list[bytes], role: Role = Role.CLUSTER) -> Translation | RespErrorReply:
    """Map one RESP command to ``(native lines, reply shape)``, or an immediate error reply.

    ``role`` is the serving role: ``AUTH`` becomes the native ``AUTH`` on the cluster and
    ``NAUTH`` on a node or replica.
    """
    if not args:
        return _err("empty command")
    handler = HANDLERS.get(args[0].upper())
    if handler is None:
        return _err(f"unknown command '{_printable(args[0])}'")
    return handler(args, role)


# ---- fast paths for the hot commands (the adapter tries them before :func:`translate`)


def fast_get(args: list[bytes]) -> bytes | None:
    """The native line of ``GET <key>`` (shape :data:`~resp_reply.VALUE`), or ``None``.

    ``None`` means "not the common case": any other command, arity, name case or a key that
    needs an error; :func:`translate` then answers. When a line is returned it is exactly the
    one :func:`translate` gives (pinned by ``test_resp_fast_paths.py``).
    """
    if len(args) != 2 or (args[0] != b"GET" and args[0] != b"get"):
        return None
    key = args[1]
    if not key or 32 in key or 13 in key or 10 in key or 0 in key:
        return None
    return b"GET " + key


def fast_set(args: list[bytes]) -> bytes | None:
    """The native line of ``SET <key> <value>`` (shape :data:`~resp_reply.OK`), or ``None``."""
    if len(args) != 3 or (args[0] != b"SET" and args[0] != b"set"):
        return None
    key, value = args[1], args[2]
    if not key or 32 in key or 13 in key or 10 in key or 0 in key:
        return None
    if 13 in value or 10 in value or 0 in value:
        return None
    return b"PUT " + key + b" " + value
