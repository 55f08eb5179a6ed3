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
import zlib
from dataclasses import dataclass
from typing import NamedTuple

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
    length = MIN_PAYLOAD_BYTES + len(key) + len(value)
    if length > MAX_PAYLOAD_BYTES:
        raise ValueError("record too large for one frame")
    head = PAYLOAD_HEADER.pack(position, op_byte, len(key))
    packed_version = VERSION.pack(version)
    crc = zlib.crc32(value, zlib.crc32(packed_version, zlib.crc32(key, zlib.crc32(head))))
    buf += FRAME_HEADER.pack(length, crc)
    buf += head
    buf += key
    buf += packed_version
    buf += value
    return FRAME_HEADER_BYTES + length


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
        if zlib.crc32(view[offset + FRAME_HEADER_BYTES:frame_end]) != crc:
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
    offset = start
    while offset < stop:
        frame_end, error, need = check_frame(buf, offset, stop)
        if error is not None:
            return Decoded(out, offset, error, need)
        position, _op, key_length = PAYLOAD_HEADER.unpack_from(buf, offset + FRAME_HEADER_BYTES)
        key_start = offset + FULL_HEADER.size
        entry = key_start + key_length
        out.append((position, VERSION.unpack_from(buf, entry)[0], buf[offset + OP_OFFSET],
                    buf[key_start:entry], buf[entry + VERSION.size:frame_end]))
        offset = frame_end
    return Decoded(out, offset, None, 0)
