"""Sans-I/O decoding of replies into Python values (``protocol.md`` section 3).

Each decoder takes what the :class:`~smclient.protocol.ReplyReader` returned for one command
(one line as ``bytes``, or a multi-line reply as a list of lines) and returns the value the
client method promises, or raises the mapped :class:`~smclient.exceptions.ResponseError`.
A reply that cannot belong to the command raises
:class:`~smclient.exceptions.UnexpectedReplyError`, and the connection is then closed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import InvalidOperation
from typing import NamedTuple

from smclient.exceptions import KeyNotFoundError, UnexpectedReplyError, error_from_reply
from smclient.protocol.encoder import Number, parse_number
from smclient.protocol.reader import MultiReply, multi_count

WireReply = bytes | MultiReply
"""One reply as the reader returns it."""


def text_of(line: bytes) -> str:
    """Decode one reply line (UTF-8; undecodable bytes become U+FFFD)."""
    return line.decode("utf-8", "replace")


def _first(reply: WireReply) -> str:
    return text_of(reply if isinstance(reply, bytes) else reply[0])


def _ok_body(reply: WireReply) -> str:
    """Return the text after ``OK `` (or raise the ERR as an exception)."""
    text = _first(reply)
    if text.startswith("ERR"):
        raise error_from_reply(text)
    if text == "OK":
        return ""
    if not text.startswith("OK "):
        raise UnexpectedReplyError(f"reply is neither OK nor ERR: {text[:80]!r}")
    return text[3:]


def decode_true(reply: WireReply) -> bool:
    """``OK ...`` -> ``True`` (PUT, PING, RCNF); ERR raises."""
    _ok_body(reply)
    return True


def _keyed_body(reply: WireReply, key: str) -> str:
    body = _ok_body(reply)
    got, sep, value = body.partition(" ")
    if got != key:
        raise UnexpectedReplyError(f"reply is for key {got[:80]!r}, expected {key[:80]!r}")
    return value if sep else ""


def decode_get(key: str, reply: WireReply) -> str | None:
    """``OK <key> <value>`` -> value; ``ERR key-value not found`` -> ``None``."""
    try:
        return _keyed_body(reply, key)
    except KeyNotFoundError:
        return None


def decode_delete(reply: WireReply) -> bool:
    """``OK key-value deleted`` -> ``True``; ``ERR key-value not found`` -> ``False``."""
    try:
        _ok_body(reply)
    except KeyNotFoundError:
        return False
    return True


def decode_number(key: str, reply: WireReply) -> Number:
    """``OK <key> <value>`` of INCR/DECR -> ``int`` or exact ``Decimal``."""
    value = _keyed_body(reply, key)
    try:
        return parse_number(value)
    except (ValueError, InvalidOperation):
        raise UnexpectedReplyError(f"INCR/DECR reply is not a number: {value[:80]!r}") from None


def _multi_body(reply: WireReply) -> list[str]:
    if isinstance(reply, bytes):
        _ok_body(reply)
        raise UnexpectedReplyError(f"expected a multi-line reply, got {text_of(reply)[:80]!r}")
    count = multi_count(reply[0])
    if count is None or count != len(reply) - 1:
        raise UnexpectedReplyError(f"bad multi-line reply header {text_of(reply[0])[:80]!r}")
    return [text_of(line) for line in reply[1:]]


def decode_regx(reply: WireReply) -> list[tuple[str, str]]:
    """``OK <n>`` + n lines ``<key> <value>`` -> ordered ``(key, value)`` pairs."""
    pairs: list[tuple[str, str]] = []
    for line in _multi_body(reply):
        key, _, value = line.partition(" ")
        pairs.append((key, value))
    return pairs


class StatSection(NamedTuple):
    """One STAT section: its header line (``PRIMARY 127.0.0.1:4001``) and its figures."""

    header: str
    values: dict[str, str]

    @property
    def kind(self) -> str:
        """``CLUSTER``, ``PRIMARY`` or ``REPLICA`` (the header's first word)."""
        return self.header.partition(" ")[0]

    @property
    def address(self) -> str:
        """The member address in the header."""
        return self.header.partition(" ")[2]


@dataclass(frozen=True)
class Stat:
    """A STAT reply: the sections in order, and the raw body lines."""

    sections: list[StatSection] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[StatSection]:
        return iter(self.sections)

    def __len__(self) -> int:
        return len(self.sections)

    def section(self, header: str) -> StatSection | None:
        """The first section whose header is ``header`` (or whose kind is ``header``)."""
        for s in self.sections:
            if header in (s.header, s.kind):
                return s
        return None


def parse_stat_lines(lines: list[str]) -> Stat:
    """Group STAT body lines into sections.

    A line that does not start with a tab opens a section; ``\\tname value`` lines add a
    figure to it (``section DISK``-style group labels are kept in :attr:`Stat.lines` only).
    """
    sections: list[StatSection] = []
    for line in lines:
        if not line.strip():
            continue
        if not line.startswith("\t"):
            sections.append(StatSection(line.strip(), {}))
            continue
        name, _, value = line.strip().partition(" ")
        if name == "section":
            continue
        if not sections:
            sections.append(StatSection("", {}))
        sections[-1].values[name] = value
    return Stat(sections, list(lines))


def decode_stat(reply: WireReply) -> Stat:
    """``OK <n>`` + n lines -> :class:`Stat`."""
    return parse_stat_lines(_multi_body(reply))


@dataclass(frozen=True)
class RawReply:
    """A reply to :meth:`~smclient.Client.execute_raw`, ERR included.

    ``text`` is the first line; ``lines`` holds the body lines of a multi-line reply.
    """

    ok: bool
    text: str
    lines: list[str] = field(default_factory=list)


def decode_raw(reply: WireReply) -> RawReply:
    """Any reply -> :class:`RawReply` (never raises on ERR)."""
    if isinstance(reply, bytes):
        text = text_of(reply)
        return RawReply(text.startswith("OK"), text, [])
    text = text_of(reply[0])
    return RawReply(text.startswith("OK"), text, [text_of(line) for line in reply[1:]])
