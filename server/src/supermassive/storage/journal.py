"""Journal segments on disk: file names, segment headers, appends and scans.

A role's storage lives in its directory under its own name (``node`` or ``replica``), so two
roles never share a file:

* ``<name>.journal``: the current segment, appended to;
* ``<name>.journal.<n>``: older segments waiting for a compaction to finish (``n`` is the
  segment's base position + 1, zero-padded, so they sort in order);
* ``<name>.snapshot``: the latest snapshot (see :mod:`.snapshot`);
* ``<name>.clean``: written by a clean shutdown, removed at start;
* ``*.tmp``: half-written files, deleted at start.

A segment starts with a 36-byte header (magic, base position, history id, CRC) followed by
record frames (:mod:`.records`) whose positions are all after the base.
"""

from __future__ import annotations

import bisect
import logging
import os
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from supermassive.storage.checksum import crc32
from supermassive.storage.errors import JournalError
from supermassive.storage.keyspace import Keyspace
from supermassive.storage.records import RawRecord, Record, decode, to_record
from supermassive.storage.replay import Replayed, replay_frames

log = logging.getLogger("supermassive.journal")

SEGMENT_MAGIC = b"SMJRNL01"
_HEADER_BODY = struct.Struct(">8sq16s")
SEGMENT_HEADER_BYTES = _HEADER_BODY.size + 4
READ_CHUNK_BYTES = 8 << 20
"""Bytes read per ``pread`` while scanning a file."""
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")

Fsync = Callable[[int], None]


class SegmentHeader(NamedTuple):
    """What a segment header says: records in the segment are after ``base``."""

    base: int
    history_id: str


def encode_history_id(history_id: str) -> bytes:
    """A history id (32 hex characters) as its 16 raw bytes."""
    try:
        raw = bytes.fromhex(history_id)
    except ValueError:
        raw = b""
    if len(raw) != 16:
        raise ValueError(f"history id must be 32 hex characters: {history_id!r}")
    return raw


def encode_header(magic: bytes, position: int, history_id: str) -> bytes:
    """A 36-byte file header: magic, position, history id, CRC of the first 32 bytes."""
    body = _HEADER_BODY.pack(magic, position, encode_history_id(history_id))
    return body + struct.pack(">I", crc32(body))


def decode_header(magic: bytes, data: bytes) -> SegmentHeader | None:
    """Parse a header written by :func:`encode_header`; ``None`` when torn or not ours."""
    if len(data) < SEGMENT_HEADER_BYTES:
        return None
    body = data[: _HEADER_BODY.size]
    (crc,) = struct.unpack_from(">I", data, _HEADER_BODY.size)
    if crc32(body) != crc:
        return None
    found, position, raw_id = _HEADER_BODY.unpack(body)
    if found != magic:
        return None
    return SegmentHeader(position, raw_id.hex())


@dataclass(frozen=True)
class Paths:
    """Every file name one store uses in its directory."""

    directory: Path
    name: str

    def __post_init__(self) -> None:
        if _NAME.fullmatch(self.name) is None:
            raise ValueError(f"invalid store name {self.name!r}")

    @property
    def journal(self) -> Path:
        return self.directory / f"{self.name}.journal"

    def old_segment(self, base: int) -> Path:
        """Where the segment based at ``base`` goes while it waits for a compaction."""
        return self.directory / f"{self.name}.journal.{base + 1:020d}"

    def old_segments(self) -> list[Path]:
        """Older segments present on disk, oldest first."""
        pattern = re.compile(re.escape(self.name) + r"\.journal\.[0-9]{20}")
        found = [p for p in self.directory.iterdir() if pattern.fullmatch(p.name)]
        return sorted(found)

    @property
    def snapshot(self) -> Path:
        return self.directory / f"{self.name}.snapshot"

    @property
    def snapshot_tmp(self) -> Path:
        return self.directory / f"{self.name}.snapshot.tmp"

    @property
    def install_snapshot_tmp(self) -> Path:
        return self.directory / f"{self.name}.snapshot.install.tmp"

    @property
    def journal_tmp(self) -> Path:
        return self.directory / f"{self.name}.journal.tmp"

    @property
    def clean(self) -> Path:
        return self.directory / f"{self.name}.clean"

    def temporaries(self) -> list[Path]:
        """Half-written files a crash may have left."""
        prefix = self.name + "."
        return sorted(p for p in self.directory.iterdir()
                      if p.name.startswith(prefix) and p.name.endswith(".tmp"))


def fsync_directory(directory: Path, fsync: Fsync) -> None:
    """Make renames, creations and deletions in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        fsync(fd)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    """``os.write`` until every byte is written."""
    with memoryview(data) as view:
        done = 0
        while done < len(view):
            done += os.write(fd, view[done:])


@dataclass
class Segment:
    """One open journal segment file (appended with ``O_APPEND``, read with ``pread``)."""

    path: Path
    fd: int
    base: int
    history_id: str
    size: int
    """Bytes in the file (header and frames written to the OS)."""
    last_position: int
    records: int = 0
    index: list[tuple[int, int]] = field(default_factory=list)
    """``(position, offset)`` samples for :meth:`offset_after`."""
    dirty: bool = False
    """Written since its last fsync."""

    @classmethod
    def create(cls, path: Path, base: int, history_id: str) -> Segment:
        """Create (or replace) ``path`` as an empty segment based at ``base``."""
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
        try:
            write_all(fd, encode_header(SEGMENT_MAGIC, base, history_id))
        except BaseException:
            os.close(fd)
            raise
        return cls(path, fd, base, history_id, SEGMENT_HEADER_BYTES, base, dirty=True)

    def append(self, data: bytes | bytearray) -> None:
        """Write ``data`` at the end; on error, cut the file back to its last good size."""
        try:
            write_all(self.fd, data)
        except OSError:
            try:
                os.ftruncate(self.fd, self.size)
            except OSError:
                pass
            raise
        self.size += len(data)
        self.dirty = True

    def offset_after(self, position: int) -> int:
        """A frame offset at or before the first record after ``position``."""
        samples = bisect.bisect_right(self.index, position, key=lambda sample: sample[0])
        return self.index[samples - 1][1] if samples else SEGMENT_HEADER_BYTES

    def close(self) -> None:
        """Close the file descriptor (idempotent)."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def read_header(fd: int) -> SegmentHeader | None:
    """The header of an open segment file, or ``None``."""
    return decode_header(SEGMENT_MAGIC, os.pread(fd, SEGMENT_HEADER_BYTES, 0))


def scan_into(fd: int, start: int, size: int, keyspace: Keyspace,
              after_position: int) -> Replayed:
    """Replay the frames of an open file from ``start`` to ``size`` into ``keyspace``.

    Reads in chunks; a frame cut by a chunk boundary is re-read with the next chunk. Index
    offsets in the result are file offsets.
    """
    total = Replayed(start, None, 0)
    offset = start
    while offset < size:
        want = min(size - offset, max(READ_CHUNK_BYTES, total.need))
        chunk = os.pread(fd, want, offset)
        if not chunk:
            total.error, total.need = "file shorter than expected", 0
            break
        part = replay_frames(chunk, 0, len(chunk), keyspace, after_position, total.records)
        total.index.extend((p, o + offset) for p, o in part.index)
        total.records += part.records
        if part.last_position >= 0:
            total.last_position = part.last_position
        offset += part.end
        total.end, total.error, total.need = offset, part.error, part.need
        if part.error is None:
            continue
        if part.need and offset + part.need <= size and part.end + part.need > len(chunk):
            continue  # cut by the chunk boundary: read on from the frame's start
        break
    return total


def iter_records(fd: int, start: int, end: int, after_position: int) -> Iterator[Record]:
    """Yield the records of ``fd[start:end]`` whose position is after ``after_position``.

    Closes ``fd`` when done. Raises :class:`JournalError` on a bad frame (the range is known
    to be good, so that means the file changed under us).
    """
    for batch in iter_raw_batches(fd, start, end, after_position):
        yield from map(to_record, batch)


def iter_raw_batches(fd: int, start: int, end: int,
                     after_position: int) -> Iterator[list[RawRecord]]:
    """Like :func:`iter_records`, in raw form, one list per chunk read (the fast form)."""
    try:
        offset = start
        need = 0
        while offset < end:
            chunk = os.pread(fd, min(end - offset, max(READ_CHUNK_BYTES, need)), offset)
            decoded = decode(chunk)
            records = decoded.records
            if records and records[0][0] <= after_position:
                records = [raw for raw in records if raw[0] > after_position]
            if records:
                yield records
            offset += decoded.end
            need = decoded.need
            if decoded.error is not None and (not decoded.need or decoded.end + need
                                              <= len(chunk) or offset + need > end):
                raise JournalError(f"journal changed while reading: {decoded.error}")
    finally:
        os.close(fd)
