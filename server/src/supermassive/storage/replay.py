"""Replay: journal or snapshot frames straight into a keyspace (pure, the recovery hot path).

This is :func:`records.decode` fused with :meth:`Keyspace.put` / :meth:`Keyspace.delete` so a
record costs one header unpack, one checksum and one slice: the frame's ``version + value``
tail *is* the keyspace entry. It is a friend of :class:`Keyspace` (it writes its dicts
directly) and must keep the same last-writer-wins rules; the keyspace's byte count is
recomputed once at the end by the caller (:meth:`Keyspace.recount`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from supermassive.storage.checksum import crc32
from supermassive.storage.keyspace import Keyspace
from supermassive.storage.records import (
    FRAME_HEADER_BYTES,
    FULL_HEADER,
    MIN_PAYLOAD_BYTES,
    VERSION,
    check_frame,
)

INDEX_EVERY = 1024
"""One ``(position, offset)`` index sample every this many records (for ``records_after``)."""

_OP_SET = ord("S")
_OP_DELETE = ord("D")


@dataclass
class Replayed:
    """Outcome of :func:`replay_frames`."""

    end: int
    """Offset just after the last good frame."""
    error: str | None
    """Why decoding stopped before ``stop`` (``None``: clean end)."""
    need: int
    """Total size of the incomplete frame at ``end`` (0 unless it stopped on one)."""
    records: int = 0
    """Good frames read (applied or skipped)."""
    last_position: int = -1
    """Position of the last good frame (-1 if none)."""
    index: list[tuple[int, int]] = field(default_factory=list)
    """``(position, offset)`` of every :data:`INDEX_EVERY`-th frame."""


def replay_frames(buf: bytes, start: int, stop: int, keyspace: Keyspace,
                  after_position: int, base_count: int = 0) -> Replayed:
    """Apply every good frame of ``buf[start:stop]`` whose position is after ``after_position``.

    ``base_count`` is how many frames of the same file came before (for index sampling).
    """
    live = keyspace._live
    dead = keyspace._dead
    get_live = live.get
    unpack = FULL_HEADER.unpack_from
    checksum = crc32
    version_of = VERSION.unpack_from
    header_bytes = FULL_HEADER.size
    view = memoryview(buf)
    result = Replayed(start, None, 0)
    index = result.index
    count = base_count
    offset = start
    last_position = -1
    countdown = (-base_count) % INDEX_EVERY
    try:
        while offset + header_bytes <= stop:
            length, crc, position, op, key_length = unpack(buf, offset)
            frame_end = offset + FRAME_HEADER_BYTES + length
            entry_start = offset + header_bytes + key_length
            if (frame_end > stop or length < MIN_PAYLOAD_BYTES or entry_start + 8 > frame_end
                    or checksum(view[offset + FRAME_HEADER_BYTES:frame_end]) != crc):
                break
            if op == _OP_SET:
                if position > after_position:
                    key = buf[offset + header_bytes:entry_start]
                    old = get_live(key)
                    if old is None:
                        if key not in dead:
                            live[key] = buf[entry_start:frame_end]
                        elif version_of(buf, entry_start)[0] > dead[key]:
                            del dead[key]
                            live[key] = buf[entry_start:frame_end]
                    elif version_of(buf, entry_start)[0] > version_of(old)[0]:
                        live[key] = buf[entry_start:frame_end]
            elif op == _OP_DELETE and frame_end == entry_start + 8:
                if position > after_position:
                    key = buf[offset + header_bytes:entry_start]
                    _apply_delete(live, dead, key, version_of(buf, entry_start)[0])
            else:
                break
            if not countdown:
                index.append((position, offset))
                countdown = INDEX_EVERY
            countdown -= 1
            count += 1
            last_position = position
            offset = frame_end
    finally:
        view.release()
    result.end = offset
    result.records = count - base_count
    result.last_position = last_position
    if offset < stop:
        _, error, need = check_frame(buf, offset, stop)
        result.error = error or "malformed record"
        result.need = need
    return result


def _apply_delete(live: dict[bytes, bytes], dead: dict[bytes, int], key: bytes,
                  version: int) -> None:
    old = live.get(key)
    if old is not None:
        if version > VERSION.unpack_from(old)[0]:
            del live[key]
            dead[key] = version
        return
    tomb = dead.get(key)
    if tomb is None or version > tomb:
        dead[key] = version
