"""Resolving the copies of a key that several members returned (pure).

Every copy carries a version (:mod:`supermassive.versions`); the highest version wins,
tombstones included (a winning tombstone means "not found"; at equal versions the live copy
wins, see :func:`resolve`). Live copies with a lower version
are *losers*: the cluster removes them with a conditional ``VREPAIR`` (only if the stored
version is still the losing one), so a newer write that landed meanwhile is never removed.

Parsers here read the internal replies of ``docs/internals/contracts.md``:
``VGET`` -> ``OK V <version> <value>`` / ``OK D <version>`` / ``ERR key-value not found``, and
``VREGX`` -> ``OK <n>`` + n lines ``<key> V <version> <value>`` / ``<key> D <version>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

S = TypeVar("S")
"""Where a copy came from (a member, or anything a test uses)."""

NOT_FOUND = b"ERR key-value not found"


class BadReply(Exception):
    """A member's reply is not a valid versioned reply."""


@dataclass(frozen=True, slots=True)
class Copy:
    """One stored copy of a key: a value, or a tombstone when ``value`` is ``None``."""

    version: int
    value: bytes | None

    @property
    def live(self) -> bool:
        """Whether this is a value (not a tombstone)."""
        return self.value is not None


@dataclass(frozen=True, slots=True)
class Loser(Generic[S]):
    """A live copy that lost to a newer version: repair it on ``source``."""

    source: S
    key: bytes
    losing: int
    winning: int


def _version(token: bytes) -> int:
    if not token.isdigit() or len(token) > 19:
        raise BadReply(f"bad version {token[:40]!r}")
    return int(token)


def parse_copy(body: bytes) -> Copy:
    """Parse ``V <version> <value>`` or ``D <version>`` (the part after ``OK ``)."""
    kind = body[:2]
    if kind == b"V ":
        sp = body.find(b" ", 2)
        if sp < 0:
            return Copy(_version(body[2:]), b"")
        return Copy(_version(body[2:sp]), body[sp + 1 :])
    if kind == b"D ":
        return Copy(_version(body[2:]), None)
    raise BadReply(f"bad copy {body[:40]!r}")


def parse_vget(reply: bytes) -> Copy | None:
    """A ``VGET`` reply: the copy, or ``None`` when the member does not know the key."""
    fields = vget_fields(reply)
    return None if fields is None else Copy(fields[0], fields[1])


def vget_fields(reply: bytes) -> tuple[int, bytes | None] | None:
    """A ``VGET`` reply as ``(version, value or None for a tombstone)``, or ``None`` when the
    member does not know the key (the allocation-light form of :func:`parse_vget`)."""
    kind = reply[:5]
    if kind == b"OK V ":
        sp = reply.find(b" ", 5)
        token, value = (reply[5:], b"") if sp < 0 else (reply[5:sp], reply[sp + 1 :])
    elif kind == b"OK D ":
        token, value = reply[5:], None
    elif reply == NOT_FOUND:
        return None
    else:
        raise BadReply(reply[:200].decode(errors="replace"))
    if not token.isdigit() or len(token) > 19:
        raise BadReply(f"bad version {token[:40]!r}")
    return int(token), value


def parse_vregx(reply: bytes | list[bytes]) -> dict[bytes, Copy]:
    """A ``VREGX`` reply (header + lines): copies by key."""
    if isinstance(reply, bytes):
        raise BadReply(reply[:200].decode(errors="replace"))
    found: dict[bytes, Copy] = {}
    for line in reply[1:]:
        sp = line.find(b" ")
        if sp <= 0:
            raise BadReply(f"bad VREGX line {line[:40]!r}")
        found[line[:sp]] = parse_copy(line[sp + 1 :])
    return found


@dataclass(frozen=True, slots=True)
class Resolution(Generic[S]):
    """The winning copy of a key (``None`` when nobody had it) and the live losers."""

    winner: Copy | None
    source: S | None
    losers: tuple[Loser[S], ...]

    @property
    def value(self) -> bytes | None:
        """The winning live value, ``None`` when missing or deleted."""
        return None if self.winner is None else self.winner.value


def _beats(copy: Copy, best: Copy) -> bool:
    if copy.version != best.version:
        return copy.version > best.version
    return copy.live and not best.live


def resolve(key: bytes, copies: Iterable[tuple[S, Copy]]) -> Resolution[S]:
    """Pick the highest version among ``copies``; live lower versions become losers.

    At equal versions a live copy beats a tombstone: a repaired copy becomes a tombstone *at
    the winning version* (it records which write superseded it), so it ties with the winner
    it must not hide. Every other write gets a fresh version, so no other tie occurs.
    """
    items = list(copies)
    best: tuple[S, Copy] | None = None
    for source, copy in items:
        if best is None or _beats(copy, best[1]):
            best = (source, copy)
    if best is None:
        return Resolution(None, None, ())
    winning = best[1].version
    losers = tuple(
        Loser(source, key, copy.version, winning)
        for source, copy in items
        if copy.live and copy.version < winning
    )
    return Resolution(best[1], best[0], losers)


def pick(
    key: bytes, found: Sequence[tuple[S, int, bytes | None]],
) -> tuple[int, bytes | None, list[Loser[S]]]:
    """:func:`resolve` for ``(source, version, value or None)`` triples, without building a
    :class:`Copy` per copy: ``(winning version, winning value, losers)``; ``found`` is not
    empty. Same rules: the highest version wins, a live copy beats a tombstone at the same
    version, the first of equals is kept; live copies below the winning version lose."""
    _, version, value = found[0]
    for _, v, val in found:
        if v > version or (v == version and val is not None and value is None):
            version, value = v, val
    losers = [Loser(source, key, v, version) for source, v, val in found
              if val is not None and v < version]
    return version, value, losers


def merge_regx(
    results: Iterable[tuple[S, dict[bytes, Copy]]],
) -> tuple[list[tuple[bytes, bytes]], list[Loser[S]]]:
    """Merge every member's matches: live winners sorted by key, and the losers to repair."""
    per_key: dict[bytes, list[tuple[S, Copy]]] = {}
    for source, found in results:
        for key, copy in found.items():
            per_key.setdefault(key, []).append((source, copy))
    live: list[tuple[bytes, bytes]] = []
    losers: list[Loser[S]] = []
    for key, copies in per_key.items():
        res = resolve(key, copies)
        if res.value is not None:
            live.append((key, res.value))
        losers.extend(res.losers)
    live.sort()
    return live, losers


def page(items: Sequence[tuple[bytes, bytes]], offset: int, limit: int | None) -> list[bytes]:
    """``key value`` lines of the sorted ``items`` from ``offset``, at most ``limit``."""
    end = len(items) if limit is None else offset + limit
    return [k + b" " + v for k, v in items[offset:end]]
