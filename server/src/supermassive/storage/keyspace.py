"""The keyspace: every key's value (or tombstone) and version, in memory (pure, hot path).

Representation (chosen for memory, see ``docs/internals/storage.md``):

* live keys: ``_live[key] = version.to_bytes(8, "big") + value``: one ``bytes`` object per key
  holds both the version and the value;
* tombstones: ``_dead[key] = version`` in a separate, usually small, dict.

A key is in at most one of the two dicts. Every write carries a version and is applied only if
it is newer than what is stored (value or tombstone): last writer wins.
"""

from __future__ import annotations

import heapq
import struct
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from supermassive.storage.errors import Conflict, InvalidValue, NotFound
from supermassive.storage.numbers import apply_delta
from supermassive.storage.patterns import compile_pattern

if TYPE_CHECKING:
    from supermassive.versions import HybridClock

__all__ = ["Conflict", "InvalidValue", "Keyspace", "NotFound"]

_VERSION = struct.Struct(">Q")
_version_of = _VERSION.unpack_from
_pack_version = _VERSION.pack
TOMBSTONE_COST_BYTES = 8
"""Bytes counted for a tombstone's version in :attr:`Keyspace.data_bytes`."""


class Keyspace:
    """Keys to (value or tombstone, version), with last-writer-wins writes."""

    __slots__ = ("_data_bytes", "_dead", "_live", "lookup")

    def __init__(self) -> None:
        self._live: dict[bytes, bytes] = {}
        self._dead: dict[bytes, int] = {}
        self._data_bytes = 0
        self.lookup = self._live.get
        """``lookup(key)``: the raw entry of a live key (8-byte big-endian version, then the
        value) or ``None``. The read hot path: one C call, no slicing. Read-only use."""

    # -- reads -----------------------------------------------------------------------------

    def get(self, key: bytes) -> bytes | None:
        """The live value of ``key``, or ``None`` (missing or deleted)."""
        entry = self._live.get(key)
        return None if entry is None else entry[8:]

    def get_versioned(self, key: bytes) -> tuple[bytes | None, int] | None:
        """``(value, version)``; ``(None, version)`` for a tombstone; ``None`` when unknown."""
        entry = self._live.get(key)
        if entry is not None:
            return entry[8:], _version_of(entry)[0]
        dead = self._dead.get(key)
        return None if dead is None else (None, dead)

    def version_of(self, key: bytes) -> int:
        """The stored version of ``key`` (value or tombstone), 0 when unknown."""
        entry = self._live.get(key)
        if entry is not None:
            return int(_version_of(entry)[0])
        return self._dead.get(key, 0)

    def __len__(self) -> int:
        """Number of live keys."""
        return len(self._live)

    def __contains__(self, key: object) -> bool:
        return key in self._live

    @property
    def tombstones(self) -> int:
        """Number of tombstones."""
        return len(self._dead)

    @property
    def data_bytes(self) -> int:
        """Approximate bytes of live data: keys, values, versions and tombstones."""
        return self._data_bytes

    # -- writes ----------------------------------------------------------------------------

    def put(self, key: bytes, value: bytes, version: int) -> bool:
        """Store ``value`` at ``version`` if newer than what is stored; return whether it was."""
        return self.put_entry(key, _pack_version(version) + value, version)

    def put_entry(self, key: bytes, entry: bytes, version: int) -> bool:
        """:meth:`put` with the entry already built (``entry`` is the 8-byte big-endian
        ``version`` followed by the value), so a caller that journals the same bytes builds
        them once."""
        live = self._live
        old = live.get(key)
        if old is not None:
            if version <= _version_of(old)[0]:
                return False
            self._data_bytes += len(entry) - len(old)
        else:
            dead = self._dead.get(key)
            if dead is not None:
                if version <= dead:
                    return False
                del self._dead[key]
                self._data_bytes += len(entry) - TOMBSTONE_COST_BYTES
            else:
                self._data_bytes += len(key) + len(entry)
        live[key] = entry
        return True

    def put_stamped(self, key: bytes, value: bytes, clock: HybridClock) -> bytes:
        """Store ``value`` at a fresh version from ``clock``, newer than what is stored.

        The write hot path of a node stamping its own versions: one lookup for both the
        stamping and the write. Always applies; returns the new entry (version + value).
        """
        version = clock.now()
        live = self._live
        entry = live.get(key)
        dead = None if entry is not None else self._dead.get(key)
        stored = _version_of(entry)[0] if entry is not None else (dead or 0)
        if stored >= version:
            clock.observe(stored)
            version = clock.now()
        new_entry = _pack_version(version) + value
        if entry is not None:
            self._data_bytes += len(new_entry) - len(entry)
        elif dead is not None:
            del self._dead[key]
            self._data_bytes += len(new_entry) - TOMBSTONE_COST_BYTES
        else:
            self._data_bytes += len(key) + len(new_entry)
        live[key] = new_entry
        return new_entry

    def delete(self, key: bytes, version: int) -> tuple[bool, bool]:
        """Leave a tombstone at ``version`` if newer than what is stored.

        Returns ``(applied, removed_live)``; a tombstone is stored even for an unknown key.
        """
        entry = self._live.get(key)
        if entry is not None:
            if version <= _version_of(entry)[0]:
                return False, False
            del self._live[key]
            self._data_bytes += TOMBSTONE_COST_BYTES - len(entry)
            self._dead[key] = version
            return True, True
        dead = self._dead.get(key)
        if dead is not None:
            if version <= dead:
                return False, False
        else:
            self._data_bytes += len(key) + TOMBSTONE_COST_BYTES
        self._dead[key] = version
        return True, False

    def repair(self, key: bytes, losing: int, winning: int) -> bool:
        """If the stored version is ``losing``, replace it by a tombstone at ``winning``.

        Conditional delete for read repair: a version other than ``losing`` (a newer write) is
        never touched. ``winning`` must be greater than ``losing``.
        """
        if winning <= losing:
            return False
        # version_of, then delete, inlined (one dict lookup; the same outcome and counts)
        entry = self._live.get(key)
        if entry is not None:
            if _version_of(entry)[0] != losing:
                return False
            del self._live[key]
            self._data_bytes += TOMBSTONE_COST_BYTES - len(entry)
            self._dead[key] = winning
            return True
        dead = self._dead.get(key)
        if (0 if dead is None else dead) != losing:
            return False
        if dead is None:
            self._data_bytes += len(key) + TOMBSTONE_COST_BYTES
        self._dead[key] = winning
        return True

    def incr(self, key: bytes, delta: bytes, negate: bool, version: int,
             expected: int | None = None) -> bytes:
        """Add ``delta`` (subtract when ``negate``) to the live value and store it at ``version``.

        Raises :class:`NotFound` (missing or tombstone), :class:`Conflict` (``expected`` given
        and not the stored version, or ``version`` not newer than the stored one) and
        :class:`InvalidValue` (not numbers). Returns the new value.
        """
        entry = self._live.get(key)
        if entry is None:
            raise NotFound("key-value not found")
        stored_version = _version_of(entry)[0]
        if expected is not None and expected != stored_version:
            raise Conflict("conflict")
        if version <= stored_version:
            raise Conflict("version is not newer than the stored one")
        result = apply_delta(entry[8:], delta, negate)
        new_entry = _pack_version(version) + result
        self._live[key] = new_entry
        self._data_bytes += len(new_entry) - len(entry)
        return result

    # -- scans -----------------------------------------------------------------------------

    def match(self, pattern: bytes | str, offset: int = 0,
              limit: int | None = None) -> list[tuple[bytes, bytes]]:
        """Live ``(key, value)`` pairs whose key matches ``pattern``, sorted by key.

        ``offset`` and ``limit`` apply to the sorted result. Raises ``InvalidPattern``.
        """
        if offset < 0 or (limit is not None and limit < 0):
            raise ValueError("offset and limit must not be negative")
        matcher = compile_pattern(pattern)
        keys = [key for key in self._live if matcher(key)]
        if limit is not None:
            keys = heapq.nsmallest(offset + limit, keys)
        else:
            keys.sort()
        live = self._live
        return [(key, live[key][8:]) for key in keys[offset:]]

    def match_versioned(self, pattern: bytes | str) -> list[tuple[bytes, bytes | None, int]]:
        """Every matching key, unsorted: ``(key, value, version)``, value ``None`` if deleted."""
        matcher = compile_pattern(pattern)
        out: list[tuple[bytes, bytes | None, int]] = [
            (key, entry[8:], _version_of(entry)[0])
            for key, entry in self._live.items() if matcher(key)
        ]
        out.extend((key, None, version) for key, version in self._dead.items() if matcher(key))
        return out

    def items(self) -> Iterator[tuple[bytes, bytes | None, int]]:
        """Every ``(key, value, version)``, tombstones included (value ``None``), unsorted."""
        for key, entry in self._live.items():
            yield key, entry[8:], _version_of(entry)[0]
        for key, version in self._dead.items():
            yield key, None, version

    def entries(self) -> tuple[Iterable[tuple[bytes, bytes]], Iterable[tuple[bytes, int]]]:
        """The raw form of :meth:`items` for snapshot writing: live ``(key, entry)`` pairs
        (entry = 8-byte big-endian version + value) and tombstone ``(key, version)`` pairs.
        Views of the dicts: iterate them only while nothing writes (a :meth:`copy`)."""
        return self._live.items(), self._dead.items()

    # -- maintenance -----------------------------------------------------------------------

    def collect_tombstones(self, before_version: int) -> int:
        """Forget tombstones older than ``before_version``; return how many were dropped."""
        old = [key for key, version in self._dead.items() if version < before_version]
        for key in old:
            del self._dead[key]
            self._data_bytes -= len(key) + TOMBSTONE_COST_BYTES
        return len(old)

    def copy(self) -> Keyspace:
        """A shallow copy (the dicts are copied, the immutable bytes shared): for snapshots."""
        other = Keyspace()
        other._live = self._live.copy()
        other.lookup = other._live.get
        other._dead = self._dead.copy()
        other._data_bytes = self._data_bytes
        return other

    def recount(self) -> None:
        """Recompute :attr:`data_bytes` (after a bulk load that wrote the dicts directly)."""
        live, dead = self._live, self._dead
        self._data_bytes = (sum(map(len, live)) + sum(map(len, live.values()))
                            + sum(map(len, dead)) + TOMBSTONE_COST_BYTES * len(dead))

    def max_version(self) -> int:
        """The highest stored version (values and tombstones), 0 when empty."""
        best = max(self._dead.values(), default=0)
        # Entries start with the big-endian version, so the greatest entry has the greatest
        # version (bytes compare lexicographically): one C-level pass.
        top = max(self._live.values(), default=None)
        if top is not None:
            best = max(best, _version_of(top)[0])
        return int(best)

    def clear(self) -> None:
        """Forget everything."""
        self._live.clear()
        self._dead.clear()
        self._data_bytes = 0
