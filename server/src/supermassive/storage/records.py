"""Journal records: framing, encoding and decoding (pure).

One frame is ``[u32 payload length][u32 crc32(payload)][payload]`` and the payload is
``u64 position, u8 op, u32 key length, key, u64 version, value`` (all big-endian). ``op`` is
``S`` (set: the value is the new value) or ``D`` (tombstone: the value is empty). The version
sits right before the value so that ``version + value`` is one slice of the frame: exactly the
keyspace's per-key entry, which makes replay a single slice per record. The same frames are
used in journal segments and in snapshots.

The decoder stops at the first frame that is incomplete (torn) or fails its checksum (corrupt)
and says where the valid prefix ends, so the caller can truncate there.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from supermassive.storage.checksum import crc32

OP_SET = "S"
OP_DELETE = "D"
_OP_SET_BYTE = ord(OP_SET)
_OP_DELETE_BYTE = ord(OP_DELETE)

FRAME_HEADER = struct.Struct(">II")
PAYLOAD_HEADER = struct.Struct(">QBI")
FULL_HEADER = struct.Struct(">IIQBI")
"""Frame header and payload header read in one call (21 bytes)."""
VERSION = struct.Struct(">Q")
FRAME_HEADER_BYTES = FRAME_HEADER.size
PAYLOAD_HEADER_BYTES = PAYLOAD_HEADER.size
MIN_PAYLOAD_BYTES = PAYLOAD_HEADER_BYTES + VERSION.size
OP_OFFSET = FRAME_HEADER_BYTES + 8
"""Where the op byte sits in a frame."""
MAX_PAYLOAD_BYTES = (1 << 32) - 1
"""A frame's payload (key + value + 21 bytes) must fit in a u32."""
U64_MAX = (1 << 64) - 1


class Record(NamedTuple):
    """One journaled mutation: ``op`` is ``"S"`` (set ``value``) or ``"D"`` (tombstone)."""

    position: int
    version: int
    op: str
    key: bytes
    value: bytes


RawRecord = tuple[int, int, int, bytes, bytes]
"""``(position, version, op byte, key, value)``: the decoder's fast form of a record."""


def to_record(raw: RawRecord) -> Record:
    """Turn a decoded raw tuple into a :class:`Record`."""
    return Record(raw[0], raw[1], chr(raw[2]), raw[3], raw[4])


def encode_into(buf: bytearray, position: int, version: int, op: str, key: bytes,
                value: bytes) -> int:
    """Append one frame to ``buf``; return the number of bytes added."""
    if op == OP_SET:
        op_byte = _OP_SET_BYTE
    elif op == OP_DELETE:
        op_byte = _OP_DELETE_BYTE
        value = b""
    else:
        raise ValueError(f"unknown record op {op!r}")
    if not (0 <= position <= U64_MAX and 0 <= version <= U64_MAX):
        raise ValueError("position and version must fit in 64 bits")
    return encode_entry_into(buf, position, op_byte, key, VERSION.pack(version) + value)


def encode_entry_into(buf: bytearray, position: int, op_byte: int, key: bytes,
                      entry: bytes) -> int:
    """Append one frame whose ``version + value`` tail is ``entry`` (a keyspace entry).

    The fast form of :func:`encode_into` for the write path: the caller guarantees that
    ``op_byte`` is ``S`` or ``D`` (with an 8-byte ``entry`` for ``D``), that ``position``
    fits in 64 bits and that ``entry`` starts with the 8-byte big-endian version. One
    header pack and one checksum over the whole payload.
    """
    payload = PAYLOAD_HEADER.pack(position, op_byte, len(key)) + key + entry
    length = len(payload)
    if length > MAX_PAYLOAD_BYTES:
        raise ValueError("record too large for one frame")
    buf += FRAME_HEADER.pack(length, crc32(payload))
    buf += payload
    return FRAME_HEADER_BYTES + length


def encode_entries_into(buf: bytearray, position: int, op_byte: int,
                        pairs: Iterable[tuple[bytes, bytes]], limit: int) -> tuple[int, int]:
    """:func:`encode_entry_into` for many ``(key, entry)`` pairs at one ``position`` (a
    snapshot), in a tight loop; stops once ``buf`` holds ``limit`` bytes or more. Returns
    ``(frames, bytes)`` added; call again with the same iterator for the rest."""
    head = PAYLOAD_HEADER.pack
    frame = FRAME_HEADER.pack
    checksum = crc32
    join = b"".join
    start = len(buf)
    count = 0
    for key, entry in pairs:
        payload = join((head(position, op_byte, len(key)), key, entry))
        if len(payload) > MAX_PAYLOAD_BYTES:
            raise ValueError("record too large for one frame")
        buf += frame(len(payload), checksum(payload))
        buf += payload
        count += 1
        if len(buf) >= limit:
            break
    return count, len(buf) - start


def encode(record: Record) -> bytes:
    """One record as one frame."""
    buf = bytearray()
    encode_into(buf, record.position, record.version, record.op, record.key, record.value)
    return bytes(buf)


@dataclass
class Decoded:
    """What :func:`decode` found: records, where the valid prefix ends, and why it stopped.

    ``error`` is ``None`` when the buffer ended exactly after a frame, otherwise a short reason.
    ``need`` is the total frame size when the stop was an incomplete frame (read more and retry:
    it may just be a chunk boundary), else 0.
    """

    records: list[RawRecord]
    end: int
    error: str | None
    need: int = 0


def check_frame(buf: bytes, offset: int, stop: int) -> tuple[int, str | None, int]:
    """Validate the frame at ``offset``: ``(frame end, error, need)``; error ``None`` if good."""
    if offset + FULL_HEADER.size > stop:
        if offset + FRAME_HEADER_BYTES <= stop:
            length = FRAME_HEADER.unpack_from(buf, offset)[0]
            if length < MIN_PAYLOAD_BYTES:
                return offset, "frame shorter than a record header", 0
            return offset, "incomplete frame", FRAME_HEADER_BYTES + length
        return offset, "incomplete frame header", FULL_HEADER.size
    length, crc, _position, op, key_length = FULL_HEADER.unpack_from(buf, offset)
    frame_end = offset + FRAME_HEADER_BYTES + length
    if length < MIN_PAYLOAD_BYTES:
        return offset, "frame shorter than a record header", 0
    if frame_end > stop:
        return offset, "incomplete frame", FRAME_HEADER_BYTES + length
    with memoryview(buf) as view:
        if crc32(view[offset + FRAME_HEADER_BYTES:frame_end]) != crc:
            return offset, "checksum mismatch", 0
    entry = offset + FULL_HEADER.size + key_length
    if frame_end - entry < VERSION.size or (
            op != _OP_SET_BYTE and (op != _OP_DELETE_BYTE or frame_end - entry != VERSION.size)):
        return offset, "malformed record", 0
    return frame_end, None, 0


def decode(buf: bytes, start: int = 0, end: int | None = None) -> Decoded:
    """Decode frames from ``buf[start:end]`` until the end or the first bad frame."""
    stop = len(buf) if end is None else end
    out: list[RawRecord] = []
    append = out.append
    unpack = FULL_HEADER.unpack_from
    version_of = VERSION.unpack_from
    checksum = crc32
    header_bytes = FULL_HEADER.size
    offset = start
    with memoryview(buf) as view:
        while offset + header_bytes <= stop:  # the checks of check_frame, inlined
            length, crc, position, op, key_length = unpack(buf, offset)
            frame_end = offset + FRAME_HEADER_BYTES + length
            entry = offset + header_bytes + key_length
            if (frame_end > stop or length < MIN_PAYLOAD_BYTES or frame_end - entry < 8
                    or (op != _OP_SET_BYTE and (op != _OP_DELETE_BYTE or frame_end - entry != 8))
                    or checksum(view[offset + FRAME_HEADER_BYTES:frame_end]) != crc):
                break
            append((position, version_of(buf, entry)[0], op, buf[offset + header_bytes:entry],
                    buf[entry + 8:frame_end]))
            offset = frame_end
    if offset < stop:
        _, error, need = check_frame(buf, offset, stop)
        return Decoded(out, offset, error or "malformed record", need)
    return Decoded(out, offset, None, 0)
