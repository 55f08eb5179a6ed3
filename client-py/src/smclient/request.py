"""Sans-I/O requests: one command's bytes, its reply shape and its decoder.

The async and sync clients and their pipelines build every command here, so both APIs send
the same bytes and decode the same way. Arguments are checked before anything is encoded:
a bad key or value raises ``ValueError`` and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from smclient import replies
from smclient.protocol.commands import Reply, lookup
from smclient.protocol.encoder import (
    Number,
    auth_token,
    check_key,
    check_token,
    check_value,
    encode_command,
    encode_line,
    format_number,
    nauth_token,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Request(Generic[T]):
    """One encoded command.

    ``multi`` says whether the reply is ``OK <n>`` + n lines; ``read_only`` whether the
    command changes nothing (and so may be re-sent after a timeout when the retry policy
    allows it); ``closes`` whether the server closes the connection after replying (QUIT).
    """

    name: str
    payload: bytes
    multi: bool
    read_only: bool
    decode: Callable[[replies.WireReply], T]
    closes: bool = False


def _value_text(value: str | Number) -> str:
    if isinstance(value, str):
        return check_value(value)
    return format_number(value)


def ping() -> Request[bool]:
    """``PING`` -> ``True``."""
    return Request("PING", encode_command("PING"), False, True, replies.decode_true)


def put(key: str, value: str | Number) -> Request[bool]:
    """``PUT key value`` -> ``True``. Numbers are written in plain notation."""
    payload = encode_command("PUT", check_key(key), _value_text(value))
    return Request("PUT", payload, False, False, replies.decode_true)


def get(key: str) -> Request[str | None]:
    """``GET key`` -> the value, or ``None`` when the key is missing."""
    payload = encode_command("GET", check_key(key))
    return Request("GET", payload, False, True, partial(replies.decode_get, key))


def delete(key: str) -> Request[bool]:
    """``DEL key`` -> ``True``, or ``False`` when the key was missing."""
    return Request("DEL", encode_command("DEL", check_key(key)), False, False,
                   replies.decode_delete)


def _counter(name: str, key: str, delta: Number | None) -> Request[Number]:
    args = [check_key(key)]
    if delta is not None:
        args.append(format_number(delta))
    payload = encode_command(name, *args)
    return Request(name, payload, False, False, partial(replies.decode_number, key))


def incr(key: str, delta: Number | None = None) -> Request[Number]:
    """``INCR key [delta]`` -> the new value (``int``, or ``Decimal`` with a fraction)."""
    return _counter("INCR", key, delta)


def decr(key: str, delta: Number | None = None) -> Request[Number]:
    """``DECR key [delta]`` -> the new value (``int``, or ``Decimal`` with a fraction)."""
    return _counter("DECR", key, delta)


def regx(pattern: str, offset: int = 0, limit: int | None = None) -> Request[list[tuple[str, str]]]:
    """``REGX pattern [offset limit]`` -> sorted ``(key, value)`` pairs."""
    args = [check_token(pattern, "pattern")]
    for name, number in (("offset", offset), ("limit", limit)):
        if number is not None and (isinstance(number, bool) or not isinstance(number, int)
                                   or number < 0):
            raise ValueError(f"{name} must be a non-negative int, not {number!r}")
    if limit is not None:
        args += [str(offset), str(limit)]
    elif offset:
        raise ValueError("an offset needs a limit (REGX <pattern> <offset> <limit>)")
    return Request("REGX", encode_command("REGX", *args), True, True, replies.decode_regx)


def stat() -> Request[replies.Stat]:
    """``STAT`` -> :class:`~smclient.replies.Stat`."""
    return Request("STAT", encode_command("STAT"), True, True, replies.decode_stat)


def reload_config() -> Request[bool]:
    """``RCNF`` -> ``True``."""
    return Request("RCNF", encode_command("RCNF"), False, False, replies.decode_true)


def auth(username: str, password: str) -> Request[bool]:
    """``AUTH base64(user NUL password)`` -> ``True``."""
    payload = encode_command("AUTH", auth_token(username, password))
    return Request("AUTH", payload, False, True, replies.decode_true)


def nauth(shared_key: str) -> Request[bool]:
    """``NAUTH hex(sha256(shared key))`` -> ``True`` (internal peers, tests, tools)."""
    payload = encode_command("NAUTH", nauth_token(shared_key))
    return Request("NAUTH", payload, False, True, replies.decode_true)


def raw(line: str) -> Request[replies.RawReply]:
    """One command line sent verbatim -> :class:`~smclient.replies.RawReply` (never raises
    on ERR). The reply shape comes from the command table."""
    payload = encode_line(line)
    name = line.strip(" ").split(" ", 1)[0].upper()
    spec = lookup(name)
    multi = spec is not None and spec.reply is Reply.MULTI
    read_only = spec is not None and not spec.write
    closes = spec is not None and spec.reply is Reply.CLOSE
    return Request(name, payload, multi, read_only, replies.decode_raw, closes)


AnyRequest = Request[Any]
"""A request of any result type (pipelines hold a list of them)."""
