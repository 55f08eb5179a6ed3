"""Compaction: replace the journal history by a snapshot, crash-safely.

Background compaction (:func:`write_compaction`, in a worker thread) happens after the store
has, on the loop thread, flushed, copied the keyspace at position ``P``, renamed
``<name>.journal`` to ``<name>.journal.<n>`` and started a fresh ``<name>.journal`` based at
``P``. The worker then:

1. fsyncs every segment and the directory (records up to ``P`` and the new segment are durable);
2. writes ``<name>.snapshot.tmp`` from the copy and fsyncs it;
3. renames it to ``<name>.snapshot`` and fsyncs the directory.

Back on the loop thread the older segments are deleted. A crash at any point leaves either the
old snapshot plus every segment, or the new snapshot plus segments whose records it already
holds (skipped on replay): recovery finds the same state either way.

:func:`install` replaces everything at once (a replica loading a primary's snapshot, or a
rewrite at start after a loss); it renames the snapshot before the segment, and a segment whose
history id differs from the snapshot's is discarded at recovery, so a crash between the two
renames is safe too.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from supermassive.storage.durability import run_sync_job
from supermassive.storage.journal import Fsync, Paths, Segment, fsync_directory
from supermassive.storage.keyspace import Keyspace
from supermassive.storage.snapshot import write_keyspace_snapshot


def write_compaction(paths: Paths, copy: Keyspace, position: int, history_id: str,
                     fds: list[int], fsync: Fsync, rename_lock: threading.Lock,
                     still_current: Callable[[], bool]) -> tuple[int, int] | None:
    """Worker-thread part of a compaction; returns ``(records, bytes)`` of the snapshot.

    Returns ``None`` when the store installed another history meanwhile (the snapshot is then
    discarded). ``fds`` are duplicated descriptors of every segment; they are closed.
    """
    run_sync_job(fds, paths.directory, fsync)
    records, size = write_keyspace_snapshot(paths.snapshot_tmp, position, history_id, copy, fsync)
    with rename_lock:
        if not still_current():
            os.unlink(paths.snapshot_tmp)
            return None
        os.replace(paths.snapshot_tmp, paths.snapshot)
    fsync_directory(paths.directory, fsync)
    return records, size


def install(paths: Paths, keyspace: Keyspace, position: int, history_id: str, fsync: Fsync,
            rename_lock: threading.Lock,
            bump_generation: Callable[[], None]) -> tuple[Segment, int, int]:
    """Write ``keyspace`` as the snapshot at ``position`` and start an empty segment after it.

    Deletes every older segment. Returns ``(segment, snapshot records, snapshot bytes)``.
    """
    records, size = write_keyspace_snapshot(paths.install_snapshot_tmp, position, history_id,
                                            keyspace, fsync)
    segment = Segment.create(paths.journal_tmp, position, history_id)
    try:
        fsync(segment.fd)
        with rename_lock:
            bump_generation()
            os.replace(paths.install_snapshot_tmp, paths.snapshot)
        os.replace(paths.journal_tmp, paths.journal)
        segment.path = paths.journal
        segment.dirty = False
        fsync_directory(paths.directory, fsync)
        for old in paths.old_segments():
            old.unlink()
        fsync_directory(paths.directory, fsync)
    except BaseException:
        segment.close()
        raise
    return segment, records, size
