"""The store's compaction driver: when to compact, and the loop-thread half of a compaction.

:class:`JournalCompaction` is a part of :class:`~supermassive.storage.store.Store` (its base
class), kept in its own module: it switches the journal to a new segment, hands the snapshot to
a worker thread (:func:`~supermassive.storage.compaction.write_compaction`) and, when that is
done, drops the segments the snapshot replaces. The crash-safety argument is in
:mod:`supermassive.storage.compaction`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading

from supermassive.storage import compaction
from supermassive.storage.journal import Fsync, Paths, Segment
from supermassive.storage.keyspace import Keyspace

log = logging.getLogger("supermassive.journal")


class JournalCompaction:
    """Compaction for the store (the attributes below are the store's; see its ``__init__``)."""

    paths: Paths
    keyspace: Keyspace
    position: int
    history_id: str
    compaction_factor: float
    compaction_min_bytes: int
    compactions: int
    compaction_failures: int
    snapshot_record_count: int
    snapshot_bytes: int
    snapshot_position: int
    _fsync: Fsync
    _segments: list[Segment]
    _buf: bytearray
    _dir_dirty: bool
    _rename_lock: threading.Lock
    _generation: int
    _compacting: asyncio.Future[tuple[int, int] | None] | None
    _closed: bool

    def flush(self) -> None:
        """Hand buffered records to the OS (the store's own)."""
        raise NotImplementedError

    @property
    def journal_bytes(self) -> int:
        """Bytes in the current segment, buffered records included."""
        return self._segments[-1].size + len(self._buf) if self._segments else 0

    def needs_compaction(self) -> bool:
        """Whether the journal is over both compaction thresholds."""
        size = self.journal_bytes
        return (size > self.compaction_min_bytes
                and size > self.compaction_factor * max(self.keyspace.data_bytes, 1))

    def maybe_compact(self) -> None:
        """Start a compaction if the journal is too big and none is running (cheap check)."""
        if self._compacting is None and not self._closed and self.needs_compaction():
            self.compact()

    def compact(self) -> None:
        """Switch to a new segment and write a snapshot of the keyspace at the switch point.

        With a running event loop the snapshot is written in a worker thread; without one, it
        is written before returning. No-op while another compaction runs.
        """
        if self._compacting is not None or self._closed:
            return
        self.flush()
        current = self._segments[-1]
        if current.last_position > current.base:
            old_path = self.paths.old_segment(current.base)
            os.rename(current.path, old_path)
            current.path = old_path
            self._segments.append(Segment.create(self.paths.journal, self.position,
                                                 self.history_id))
            self._dir_dirty = True
        position, generation = self.position, self._generation
        fds = [os.dup(segment.fd) for segment in self._segments]
        args = (self.paths, self.keyspace.copy(), position, self.history_id, fds, self._fsync,
                self._rename_lock, lambda: self._generation == generation)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:
            self._compaction_done(position, generation, compaction.write_compaction(*args))
            return
        future = loop.run_in_executor(None, compaction.write_compaction, *args)
        self._compacting = future
        future.add_done_callback(lambda done: self._compaction_finished(done, position,
                                                                        generation))

    def _compaction_finished(self, done: asyncio.Future[tuple[int, int] | None], position: int,
                             generation: int) -> None:
        self._compacting = None
        error = done.exception() if not done.cancelled() else asyncio.CancelledError()
        if error is not None:
            self.compaction_failures += 1
            log.error("%s: compaction failed: %s", self.paths.name, error)
            return
        self._compaction_done(position, generation, done.result())

    def _compaction_done(self, position: int, generation: int,
                         result: tuple[int, int] | None) -> None:
        if result is None or generation != self._generation:
            return
        keep: list[Segment] = []
        for segment in self._segments:
            if segment is not self._segments[-1] and segment.last_position <= position:
                segment.close()
                try:
                    os.unlink(segment.path)
                except FileNotFoundError:
                    pass
            else:
                keep.append(segment)
        self._segments = keep
        self._dir_dirty = True
        self.snapshot_record_count, self.snapshot_bytes = result
        self.snapshot_position = position
        self.compactions += 1
        log.info("%s: compacted at position %d (%d records, %d bytes)", self.paths.name,
                 position, result[0], result[1])

    async def wait_compaction(self) -> None:
        """Wait for a running compaction to end (tests, close)."""
        while self._compacting is not None:
            try:
                await asyncio.shield(self._compacting)
            except Exception:
                pass
