"""The store: a keyspace made durable by a journal, snapshots and compaction.

This is the only storage object the node and replica roles use. Every mutation applies to the
keyspace and, if it changed anything, appends one record (position ``self.position + 1``) to an
in-memory buffer and calls the listeners. :meth:`Store.flush` hands the buffer to the OS (once
per network read batch, before replies are sent); the sync policy decides when it is fsynced
(:mod:`.durability`). See ``docs/internals/journal.md``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from supermassive.storage import compaction
from supermassive.storage.checksum import crc32
from supermassive.storage.compacting import JournalCompaction
from supermassive.storage.durability import SYNC_POLICIES, Syncer
from supermassive.storage.journal import Fsync, Paths, Segment, iter_raw_batches
from supermassive.storage.keyspace import Keyspace
from supermassive.storage.records import (
    FRAME_HEADER,
    MAX_PAYLOAD_BYTES,
    OP_DELETE,
    OP_SET,
    PAYLOAD_HEADER,
    VERSION,
    RawRecord,
    Record,
    to_record,
)
from supermassive.storage.recovery import Recovered, recover, write_clean_marker
from supermassive.versions import VERSION_MAX, HybridClock, pack

log = logging.getLogger("supermassive.journal")

FLUSH_THRESHOLD_BYTES = 1 << 20
"""The write buffer is handed to the OS as soon as it holds this much."""
INDEX_EVERY = 1024
_OP_SET_BYTE = ord(OP_SET)
_OP_DELETE_BYTE = ord(OP_DELETE)
_PAYLOAD_HEAD = PAYLOAD_HEADER.pack
_pack_version = VERSION.pack
_FRAME_HEAD = FRAME_HEADER.pack
_version_of = VERSION.unpack_from
_new_record = tuple.__new__

Listener = Callable[[Record], None]
EntryListener = Callable[[int, int, bytes, bytes], None]
"""``fn(position, op byte, key, entry)``: a journaled mutation in the journal's own terms
(``entry`` is the 8-byte big-endian version followed by the value, empty for ``D``)."""


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


def _record_tap(fn: Listener) -> EntryListener:
    """``fn`` (which takes a :class:`Record`) as an entry listener."""
    def tap(position: int, op_byte: int, key: bytes, entry: bytes) -> None:
        # tuple.__new__: the record without the named tuple's Python-level __new__
        fn(_new_record(Record, (position, _version_of(entry)[0],
                                OP_SET if op_byte == _OP_SET_BYTE else OP_DELETE, key,
                                entry[8:])))
    return tap


def new_history_id() -> str:
    """A fresh random history id (32 hex characters)."""
    return os.urandom(16).hex()


class Store(JournalCompaction):
    """Keyspace + journal + snapshots for one role (``node`` or ``replica``)."""

    def __init__(self, paths: Paths, keyspace: Keyspace, clock: HybridClock, syncer_policy: str,
                 compaction_factor: float, compaction_min_bytes: int, fsync: Fsync,
                 wall_ms: Callable[[], int]) -> None:
        """Use :meth:`open`."""
        self.paths = paths
        self.keyspace = keyspace
        self.clock = clock
        self.position = -1
        self.history_id = ""
        self.compaction_factor = compaction_factor
        self.compaction_min_bytes = compaction_min_bytes
        self._fsync = fsync
        self._wall_ms = wall_ms
        self._segments: list[Segment] = []
        self._buf = bytearray()
        self._listeners: list[tuple[object, EntryListener]] = []
        self._taps: tuple[EntryListener, ...] = ()
        """What each write calls: every listener in entry form (rebuilt on add/remove)."""
        self._dir_dirty = False
        self._syncer = Syncer(syncer_policy, fsync, self._sync_targets, self.flush, wall_ms,
                              self._sync_failed)
        self._rename_lock = threading.Lock()
        self._generation = 0
        self._compacting: asyncio.Future[tuple[int, int] | None] | None = None
        self._closed = False
        self.compactions = 0
        self.compaction_failures = 0
        self.snapshot_record_count = 0
        self.snapshot_bytes = 0
        self.snapshot_position = -1
        self.recovery: Recovered | None = None

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, directory: Path, name: str, *, sync: str = "everysec",
             compaction_factor: float = 2.0, compaction_min_bytes: int = 4 << 20,
             writer_id: int = 0, wall_ms: Callable[[], int] = _wall_ms,
             fsync: Fsync = os.fsync, rotate_history_on_crash: bool = True) -> Store:
        """Replay snapshot + journal and return a ready store.

        A torn or corrupt tail is truncated at the last good record and logged on
        ``supermassive.journal``. When records were lost, or (``rotate_history_on_crash``)
        the previous run did not shut down cleanly, everything is rewritten under a new
        history id, so a replica that may hold records this store no longer has resyncs.
        """
        if sync not in SYNC_POLICIES:
            raise ValueError(f"journal sync policy must be one of {', '.join(SYNC_POLICIES)}")
        paths = Paths(Path(directory), name)
        keyspace = Keyspace()
        clock = (HybridClock.from_ns(writer_id, time.time_ns) if wall_ms is _wall_ms
                 else HybridClock(writer_id, wall_ms))  # the same versions, a call less
        store = cls(paths, keyspace, clock, sync, compaction_factor, compaction_min_bytes,
                    fsync, wall_ms)
        found = recover(paths, keyspace, fsync)
        store.recovery = found
        store.position = found.position
        store.clock.observe(keyspace.max_version())
        store.snapshot_record_count = found.snapshot_records
        store.snapshot_position = found.snapshot_position
        if paths.snapshot.exists():
            store.snapshot_bytes = paths.snapshot.stat().st_size
        unclean = not found.clean and found.position >= 0 and rotate_history_on_crash
        if found.loss or unclean or found.history_id is None:
            store.history_id = new_history_id()
            if found.loss or unclean:
                log.warning("%s: new history id %s (%s)", name, store.history_id,
                            "records were lost" if found.loss else "unclean shutdown")
        else:
            store.history_id = found.history_id
        if (store.history_id != found.history_id or not found.has_current
                or len(found.segments) > 1):
            for segment in found.segments:
                segment.close()
            store._install()
        else:
            store._segments = found.segments
        log.info("%s: recovered position %d (%d keys, %d tombstones, %d journal records)",
                 name, store.position, len(keyspace), keyspace.tombstones,
                 found.journal_records)
        return store

    def _install(self) -> None:
        """Rewrite everything as a snapshot at ``self.position`` plus an empty segment."""
        segment, records, size = compaction.install(
            self.paths, self.keyspace, self.position, self.history_id, self._fsync,
            self._rename_lock, self._bump_generation)
        self._segments = [segment]
        self.snapshot_record_count, self.snapshot_bytes = records, size
        self.snapshot_position = self.position
        self._syncer.release_waiters()

    def _bump_generation(self) -> None:
        self._generation += 1

    # -- listeners -------------------------------------------------------------------------

    def add_listener(self, fn: Listener) -> None:
        """Call ``fn(record)`` after each journaled mutation."""
        self._add_tap(fn, _record_tap(fn))

    def add_entry_listener(self, fn: EntryListener) -> None:
        """Call ``fn(position, op_byte, key, entry)`` after each journaled mutation: the form
        of :meth:`add_listener` that builds no :class:`Record` (``op_byte`` is ``ord("S")``
        or ``ord("D")``; ``entry`` is the 8-byte big-endian version, then the value)."""
        self._add_tap(fn, fn)

    def remove_listener(self, fn: Listener | EntryListener) -> None:
        """Stop calling ``fn``, added by either method (no error if it was not registered)."""
        for index, (added, _) in enumerate(self._listeners):
            if added == fn:
                del self._listeners[index]
                break
        self._taps = tuple(tap for _, tap in self._listeners)

    def _add_tap(self, fn: object, tap: EntryListener) -> None:
        self._listeners.append((fn, tap))
        self._taps = tuple(tap for _, tap in self._listeners)

    # -- mutations -------------------------------------------------------------------------

    def _given(self, version: int) -> int:
        if not 0 < version <= VERSION_MAX:
            raise ValueError(f"version out of range: {version}")
        self.clock.observe(version)
        return version

    def _stamp(self, key: bytes) -> int:
        version = self.clock.now()
        stored = self.keyspace.version_of(key)
        if stored >= version:
            self.clock.observe(stored)
            version = self.clock.now()
        return version

    def _append_entry(self, op_byte: int, key: bytes, entry: bytes,
                      position: int | None = None) -> None:
        """Journal one record whose ``version + value`` tail is ``entry`` (the hot path)."""
        if self._closed:
            raise RuntimeError("store is closed")
        if position is None:
            position = self.position + 1
        segment = self._segments[-1]
        buf = self._buf
        records = segment.records
        if not records % INDEX_EVERY:
            segment.index.append((position, segment.size + len(buf)))
        # encode_entry_into, inlined (one call less per write; the same bytes)
        payload = _PAYLOAD_HEAD(position, op_byte, len(key)) + key + entry  # (faster than join)
        length = len(payload)
        if length > MAX_PAYLOAD_BYTES:
            raise ValueError("record too large for one frame")
        buf += _FRAME_HEAD(length, crc32(payload))
        buf += payload
        segment.records = records + 1
        segment.last_position = position
        self.position = position
        taps = self._taps
        if taps:
            for tap in taps:
                try:
                    tap(position, op_byte, key, entry)
                except Exception:
                    log.exception("journal listener failed")
        if len(buf) >= FLUSH_THRESHOLD_BYTES:
            self.flush()

    def put(self, key: bytes, value: bytes, version: int | None = None) -> bool:
        """Set ``key`` (stamped by :attr:`clock` when ``version`` is None); True if applied."""
        if version is None:
            self._append_entry(_OP_SET_BYTE, key,
                               self.keyspace.put_stamped(key, value, self.clock))
            return True
        self._given(version)
        entry = _pack_version(version) + value
        if not self.keyspace.put_entry(key, entry, version):
            return False
        self._append_entry(_OP_SET_BYTE, key, entry)
        return True

    def delete(self, key: bytes, version: int | None = None) -> bool:
        """Leave a tombstone if newer than what is stored; True when a live value was removed."""
        version = self._stamp(key) if version is None else self._given(version)
        applied, removed = self.keyspace.delete(key, version)
        if applied:
            self._append_entry(_OP_DELETE_BYTE, key, _pack_version(version))
        return removed

    def repair(self, key: bytes, losing: int, winning: int) -> bool:
        """Conditional delete for read repair (see :meth:`Keyspace.repair`)."""
        self._given(winning)
        if not self.keyspace.repair(key, losing, winning):
            return False
        self._append_entry(_OP_DELETE_BYTE, key, _pack_version(winning))
        return True

    def incr(self, key: bytes, delta: bytes, negate: bool, version: int | None = None,
             expected: int | None = None) -> bytes:
        """INCR/DECR (see :meth:`Keyspace.incr`), journaled as the resulting value."""
        version = self._stamp(key) if version is None else self._given(version)
        result = self.keyspace.incr(key, delta, negate, version, expected)
        self._append_entry(_OP_SET_BYTE, key, _pack_version(version) + result)
        return result

    def apply_record(self, rec: Record) -> bool:
        """Replica: apply a primary's record and journal it at the primary's position.

        Skipped (False) when ``rec.position`` is not after :attr:`position`. A record that is
        older than what is stored is still journaled, so the position stays the primary's.
        """
        if rec.op == OP_SET:
            return self.apply_set(rec.position, rec.version, rec.key, rec.value)
        if rec.op != OP_DELETE:
            raise ValueError(f"unknown record op {rec.op!r}")
        if rec.position <= self.position:
            return False
        self._check_position(rec.position)
        self._given(rec.version)
        changed = self.keyspace.delete(rec.key, rec.version)[0]
        self._append_entry(_OP_DELETE_BYTE, rec.key, VERSION.pack(rec.version), rec.position)
        return changed

    def apply_set(self, position: int, version: int, key: bytes, value: bytes) -> bool:
        """:meth:`apply_record` for a set record, without building a :class:`Record`."""
        if position <= self.position:
            return False
        self._check_position(position)
        self._given(version)
        entry = VERSION.pack(version) + value
        changed = self.keyspace.put_entry(key, entry, version)
        self._append_entry(_OP_SET_BYTE, key, entry, position)
        return changed

    @staticmethod
    def _check_position(position: int) -> None:
        if position > VERSION_MAX:
            raise ValueError(f"position out of range: {position}")

    def load_snapshot(self, position: int, history_id: str, records: Iterable[Record]) -> None:
        """Replica: replace everything by a primary's snapshot at ``position``.

        Written to disk (snapshot + fresh segment) before returning; blocks the loop for
        the time it takes to write the data once.
        """
        self._buf.clear()
        self.keyspace.clear()
        for rec in records:
            if rec.op == OP_SET:
                self.keyspace.put(rec.key, rec.value, rec.version)
            else:
                self.keyspace.delete(rec.key, rec.version)
            self._given(rec.version)
        for segment in self._segments:
            segment.close()
        self._segments = []
        self.position = position
        self.history_id = history_id
        self._install()

    # -- I/O -------------------------------------------------------------------------------

    @property
    def unwritten_buffer(self) -> bytearray:
        """The buffer of records not yet handed to the OS, for a caller that checks it per
        request without a call: emptied in place, never replaced (do not modify it)."""
        return self._buf

    def flush(self) -> None:
        """Hand buffered records to the OS (``os.write``); cheap when there are none."""
        if not self._buf:
            return
        self._segments[-1].append(self._buf)
        self._buf.clear()
        self._syncer.note_written()

    def durable(self) -> asyncio.Future[None] | None:
        """``always``: a future resolved once everything flushed so far is fsynced.

        Flushes first. ``None`` when there is nothing to wait for (and for everysec/no).
        """
        return self._syncer.durable()

    def _sync_targets(self) -> tuple[list[int], Path | None]:
        fds = [os.dup(segment.fd) for segment in self._segments if segment.fd >= 0]
        directory = self.paths.directory if self._dir_dirty else None
        self._dir_dirty = False
        return fds, directory

    def _sync_failed(self) -> None:
        self._dir_dirty = True

    def records_after(self, position: int) -> Iterator[Record] | None:
        """Records after ``position`` up to the current :attr:`position`, oldest first.

        Read from the segments on disk (flushing the buffer first). ``None`` when the journal
        no longer reaches back to ``position`` (compacted past it) or ``position`` is beyond
        :attr:`position` (a different history). Records appended after this call are not
        included: they reach listeners.
        """
        batches = self.record_batches_after(position)
        if batches is None:
            return None
        return (to_record(raw) for batch in batches for raw in batch)

    def record_batches_after(self, position: int) -> Iterator[list[RawRecord]] | None:
        """:meth:`records_after` in raw form (``(position, version, op byte, key, value)``),
        one list per chunk read: the fast form for replica catch-up."""
        if position > self.position or not self._segments:
            return None
        if position < self._segments[0].base:
            return None
        if position == self.position:
            return iter(())
        self.flush()
        plan: list[tuple[int, int, int]] = []
        for segment in self._segments:
            if segment.last_position <= position:
                continue
            plan.append((os.dup(segment.fd), segment.offset_after(position), segment.size))
        return self._read_plan(plan, position)

    @staticmethod
    def _read_plan(plan: list[tuple[int, int, int]],
                   position: int) -> Iterator[list[RawRecord]]:
        try:
            while plan:
                fd, start, end = plan.pop(0)
                yield from iter_raw_batches(fd, start, end, position)
        finally:
            for fd, _, _ in plan:
                os.close(fd)

    def snapshot_records(self) -> tuple[int, list[Record]]:
        """``(position, records)``: every live value and tombstone, at :attr:`position`."""
        position = self.position
        frame_position = max(position, 0)
        out = [Record(frame_position, version, OP_SET if value is not None else OP_DELETE, key,
                      value if value is not None else b"")
               for key, value, version in self.keyspace.items()]
        return position, out

    # -- maintenance -----------------------------------------------------------------------

    def collect_tombstones(self, grace_s: float) -> int:
        """Forget tombstones whose version is older than ``grace_s`` seconds."""
        cutoff_ms = self._wall_ms() - int(grace_s * 1000)
        if cutoff_ms <= 0:
            return 0
        return self.keyspace.collect_tombstones(pack(cutoff_ms, 0, 0))

    def stats(self) -> dict[str, str]:
        """Journal and snapshot figures for STAT (names are ``snake_case``).

        The position, history id and key counts are not repeated here: they are attributes
        (:attr:`position`, :attr:`history_id`, ``keyspace``) the role reports itself.
        """
        current = self._segments[-1] if self._segments else None
        syncer = self._syncer
        now_ms = self._wall_ms()
        recovery = self.recovery
        figures: dict[str, object] = {
            "journal_file": self.paths.journal.name,
            "journal_bytes": self.journal_bytes,
            "journal_segments": len(self._segments),
            "journal_records": current.records if current else 0,
            "journal_base_position": current.base if current else -1,
            "journal_buffered_bytes": len(self._buf),
            "journal_sync": syncer.policy,
            "journal_fsyncs": syncer.fsyncs,
            "journal_fsync_failures": syncer.failures,
            "journal_last_fsync_age_s": (f"{(now_ms - syncer.last_fsync_ms) / 1000:.3f}"
                                         if syncer.last_fsync_ms else "never"),
            "snapshot_file": self.paths.snapshot.name,
            "snapshot_bytes": self.snapshot_bytes,
            "snapshot_records": self.snapshot_record_count,
            "snapshot_position": self.snapshot_position,
            "compactions": self.compactions,
            "compaction_failures": self.compaction_failures,
            "compacting": "yes" if self._compacting is not None else "no",
            "live_data_bytes": self.keyspace.data_bytes,
            "recovery_clean": ("yes" if recovery.clean else "no") if recovery else "-",
            "recovery_truncated_bytes": recovery.truncated_bytes if recovery else 0,
        }
        return {name: str(value) for name, value in figures.items()}

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the background flush/fsync timer (needs a running loop)."""
        self._syncer.start()

    async def close(self) -> None:
        """Flush, fsync, close the files and leave the clean-shutdown marker."""
        if self._closed:
            return
        await self._syncer.stop()
        await self.wait_compaction()
        self.flush()
        self._closed = True
        self._dir_dirty = True
        self._syncer.sync_now()
        for segment in self._segments:
            segment.close()
        write_clean_marker(self.paths, self.position, self.history_id, self._fsync)
