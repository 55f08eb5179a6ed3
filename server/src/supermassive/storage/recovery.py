"""Recovery: rebuild a keyspace from the snapshot and journal segments found on disk.

Steps (see ``docs/internals/journal.md``):

1. delete ``*.tmp`` leftovers (half-written snapshots or segments);
2. load ``<name>.snapshot`` if present (a damaged one is ignored and counts as a loss);
3. replay the older segments, oldest first, then ``<name>.journal``; a segment whose history id
   differs from the snapshot's belongs to an abandoned history (an interrupted snapshot
   install) and is deleted; a segment that starts after the recovered position is a gap (loss);
   records at or before the recovered position are skipped (already in the snapshot);
4. truncate a segment at its first torn or corrupt frame, log it, count it as a loss;
5. check the clean-shutdown marker.

The caller (:class:`~supermassive.storage.store.Store`) then decides whether to rewrite
everything (new snapshot + fresh segment) and whether the history id must change.
"""

from __future__ import annotations

import logging
import os
import struct
from dataclasses import dataclass, field

from supermassive.storage.checksum import crc32
from supermassive.storage.errors import JournalError
from supermassive.storage.journal import (
    SEGMENT_HEADER_BYTES,
    Fsync,
    Paths,
    Segment,
    encode_history_id,
    fsync_directory,
    read_header,
    scan_into,
    write_all,
)
from supermassive.storage.keyspace import Keyspace
from supermassive.storage.snapshot import read_snapshot

log = logging.getLogger("supermassive.journal")

CLEAN_MAGIC = b"SMCLEAN1"
_CLEAN = struct.Struct(">8sq16s")


@dataclass
class Recovered:
    """What recovery found."""

    position: int = -1
    history_id: str | None = None
    segments: list[Segment] = field(default_factory=list)
    """Usable segments, oldest first (their files are open and positioned for appends)."""
    loss: bool = False
    """Some records could not be recovered (torn tail, corruption, gap, damaged snapshot)."""
    clean: bool = False
    """The previous run shut down cleanly at exactly this position and history."""
    has_current: bool = False
    """``segments[-1]`` is ``<name>.journal``."""
    snapshot_records: int = 0
    snapshot_position: int = -1
    journal_records: int = 0
    truncated_bytes: int = 0
    notes: list[str] = field(default_factory=list)


def encode_clean_marker(position: int, history_id: str) -> bytes:
    """Contents of the clean-shutdown marker."""
    body = _CLEAN.pack(CLEAN_MAGIC, position, encode_history_id(history_id))
    return body + struct.pack(">I", crc32(body))


def write_clean_marker(paths: Paths, position: int, history_id: str, fsync: Fsync) -> None:
    """Durably record a clean shutdown at ``position`` of ``history_id``."""
    tmp = paths.directory / f"{paths.name}.clean.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        write_all(fd, encode_clean_marker(position, history_id))
        fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, paths.clean)
    fsync_directory(paths.directory, fsync)


def _read_clean_marker(paths: Paths) -> tuple[int, str] | None:
    try:
        data = paths.clean.read_bytes()
    except FileNotFoundError:
        return None
    if len(data) != _CLEAN.size + 4 or crc32(data[:-4]) != struct.unpack(
            ">I", data[-4:])[0]:
        return None
    magic, position, raw = _CLEAN.unpack_from(data)
    return (position, raw.hex()) if magic == CLEAN_MAGIC else None


def _note(found: Recovered, level: int, message: str) -> None:
    log.log(level, "%s", message)
    found.notes.append(message)


def _load_snapshot(paths: Paths, keyspace: Keyspace, found: Recovered) -> None:
    if not paths.snapshot.exists():
        return
    try:
        position, history_id, records = read_snapshot(paths.snapshot, keyspace)
    except (JournalError, OSError) as exc:
        keyspace.clear()
        found.loss = True
        _note(found, logging.ERROR, f"ignoring unreadable snapshot: {exc}")
        return
    found.position, found.history_id, found.snapshot_records = position, history_id, records
    found.snapshot_position = position


def _replay_segment(paths: Paths, path: os.PathLike[str], keyspace: Keyspace,
                    found: Recovered) -> Segment | None:
    fd = os.open(path, os.O_RDWR | os.O_APPEND)
    size = os.fstat(fd).st_size
    header = read_header(fd)
    name = os.fspath(path).rsplit("/", 1)[-1]
    if header is None:
        os.close(fd)
        if size > SEGMENT_HEADER_BYTES:
            found.loss = True
            _note(found, logging.ERROR, f"{name}: unreadable segment header, segment dropped")
        os.unlink(path)
        return None
    if found.history_id is None:
        found.history_id = header.history_id
    elif header.history_id != found.history_id:
        os.close(fd)
        _note(found, logging.WARNING, f"{name}: belongs to an abandoned history, deleted")
        os.unlink(path)
        return None
    if header.base > found.position:
        found.loss = True
        _note(found, logging.ERROR,
              f"{name}: starts after position {header.base}, records "
              f"{found.position + 1}..{header.base} are missing")
    result = scan_into(fd, SEGMENT_HEADER_BYTES, size, keyspace, found.position)
    if result.error is not None:
        found.loss = True
        found.truncated_bytes += size - result.end
        _note(found, logging.WARNING,
              f"{name}: {result.error} at offset {result.end}; truncating "
              f"{size - result.end} bytes after the last good record")
        os.ftruncate(fd, result.end)
    found.journal_records += result.records
    last = max(result.last_position, header.base)
    found.position = max(found.position, last)
    return Segment(paths.journal, fd, header.base, header.history_id, result.end, last,
                   result.records, result.index)


def recover(paths: Paths, keyspace: Keyspace, fsync: Fsync) -> Recovered:
    """Rebuild ``keyspace`` (empty on entry) from the files of ``paths``."""
    found = Recovered()
    paths.directory.mkdir(parents=True, exist_ok=True)
    for leftover in paths.temporaries():
        _note(found, logging.INFO, f"removing leftover {leftover.name}")
        leftover.unlink()
    _load_snapshot(paths, keyspace, found)
    for path in [*paths.old_segments(), paths.journal]:
        if not path.exists():
            continue
        segment = _replay_segment(paths, path, keyspace, found)
        if segment is not None:
            segment.path = path
            found.segments.append(segment)
            found.has_current = path == paths.journal
    marker = _read_clean_marker(paths)
    found.clean = (not found.loss and found.history_id is not None
                   and marker == (found.position, found.history_id))
    if paths.clean.exists():
        paths.clean.unlink()
    fsync_directory(paths.directory, fsync)
    keyspace.recount()
    return found
