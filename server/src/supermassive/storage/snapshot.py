"""Snapshot files: the whole keyspace (values and tombstones) at one journal position.

Layout: a 36-byte header (magic ``SMSNAP01``, position, history id, CRC), then one record
frame per key (every frame carries the snapshot's position), then a 24-byte trailer (magic
``SMSNEND1``, record count, frame bytes). A snapshot is written to a ``.tmp`` file, fsynced and
renamed into place, so a visible snapshot is complete; the trailer still lets a reader reject
a truncated or damaged one.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterable
from pathlib import Path

from supermassive.storage.errors import JournalError
from supermassive.storage.journal import (
    SEGMENT_HEADER_BYTES,
    Fsync,
    decode_header,
    encode_header,
    scan_into,
    write_all,
)
from supermassive.storage.keyspace import Keyspace
from supermassive.storage.records import (
    OP_DELETE,
    OP_SET,
    VERSION,
    encode_entries_into,
    encode_into,
)

_OP_SET_BYTE = ord(OP_SET)
_OP_DELETE_BYTE = ord(OP_DELETE)

SNAPSHOT_MAGIC = b"SMSNAP01"
TRAILER_MAGIC = b"SMSNEND1"
_TRAILER = struct.Struct(">8sQQ")
WRITE_CHUNK_BYTES = 1 << 20

Item = tuple[bytes, bytes | None, int]
"""``(key, value, version)``; value ``None`` for a tombstone."""


Fill = Callable[[bytearray, Callable[[], None]], tuple[int, int]]
"""Encodes a snapshot's frames into a buffer, calling ``spill()`` whenever the buffer should be
written out; returns ``(frames, frame bytes)``."""


def write_snapshot(path: Path, position: int, history_id: str, items: Iterable[Item],
                   fsync: Fsync) -> tuple[int, int]:
    """Write a complete, fsynced snapshot file at ``path``; return ``(records, bytes)``."""
    frame_position = max(position, 0)

    def fill(buf: bytearray, spill: Callable[[], None]) -> tuple[int, int]:
        count = 0
        frame_bytes = 0
        for key, value, version in items:
            if value is None:
                frame_bytes += encode_into(buf, frame_position, version, OP_DELETE, key, b"")
            else:
                frame_bytes += encode_into(buf, frame_position, version, OP_SET, key, value)
            count += 1
            if len(buf) >= WRITE_CHUNK_BYTES:
                spill()
        return count, frame_bytes

    return _write_file(path, position, history_id, fsync, fill)


def write_keyspace_snapshot(path: Path, position: int, history_id: str, keyspace: Keyspace,
                            fsync: Fsync) -> tuple[int, int]:
    """:func:`write_snapshot` of a whole keyspace (not written to meanwhile: a copy), with the
    frames encoded straight from its stored entries: the same bytes, several times faster."""
    frame_position = max(position, 0)
    live, dead = keyspace.entries()
    tombstones = ((key, VERSION.pack(version)) for key, version in dead)

    def fill(buf: bytearray, spill: Callable[[], None]) -> tuple[int, int]:
        count = frame_bytes = 0
        for op_byte, pairs in ((_OP_SET_BYTE, iter(live)), (_OP_DELETE_BYTE, tombstones)):
            while True:
                frames, size = encode_entries_into(buf, frame_position, op_byte, pairs,
                                                   WRITE_CHUNK_BYTES)
                count += frames
                frame_bytes += size
                if len(buf) < WRITE_CHUNK_BYTES:
                    break  # the pairs ran out before the chunk filled
                spill()
        return count, frame_bytes

    return _write_file(path, position, history_id, fsync, fill)


def _write_file(path: Path, position: int, history_id: str, fsync: Fsync,
                fill: Fill) -> tuple[int, int]:
    """Header, the frames ``fill`` encodes (written out in chunks), trailer, fsync; return
    ``(frames, file bytes)``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        write_all(fd, encode_header(SNAPSHOT_MAGIC, position, history_id))
        buf = bytearray()

        def spill() -> None:
            write_all(fd, buf)
            buf.clear()

        count, frame_bytes = fill(buf, spill)
        buf += _TRAILER.pack(TRAILER_MAGIC, count, frame_bytes)
        write_all(fd, buf)
        fsync(fd)
    finally:
        os.close(fd)
    return count, SEGMENT_HEADER_BYTES + frame_bytes + _TRAILER.size


def read_snapshot(path: Path, keyspace: Keyspace) -> tuple[int, str, int]:
    """Load a snapshot into an empty ``keyspace``; return ``(position, history id, records)``.

    Raises :class:`JournalError` if the file is damaged (the keyspace may then hold part of
    it: clear it).
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        header = decode_header(SNAPSHOT_MAGIC, os.pread(fd, SEGMENT_HEADER_BYTES, 0))
        if header is None:
            raise JournalError(f"{path.name}: bad snapshot header")
        if size < SEGMENT_HEADER_BYTES + _TRAILER.size:
            raise JournalError(f"{path.name}: snapshot has no trailer")
        trailer = os.pread(fd, _TRAILER.size, size - _TRAILER.size)
        magic, count, frame_bytes = _TRAILER.unpack(trailer)
        frames_end = size - _TRAILER.size
        if magic != TRAILER_MAGIC or frame_bytes != frames_end - SEGMENT_HEADER_BYTES:
            raise JournalError(f"{path.name}: bad snapshot trailer")
        result = scan_into(fd, SEGMENT_HEADER_BYTES, frames_end, keyspace, -1)
        if result.error is not None or result.end != frames_end or result.records != count:
            raise JournalError(f"{path.name}: damaged snapshot at offset {result.end}: "
                               f"{result.error or 'record count mismatch'}")
    finally:
        os.close(fd)
    return header.base, header.history_id, count
