"""The CRC-32 of journal, snapshot and marker frames, from the fastest implementation installed.

The checksum is zlib's CRC-32 (IEEE 802.3), so files are the same whichever implementation
wrote them. zlib-ng (the optional extra ``supermassive[zlib-ng]``, which ``make install``
includes) computes it with carry-less multiplication: on a journal record of 100 bytes it costs
about half of zlib's, on 1 KiB a third. Replay checks one CRC per record and every write computes
one, so both get faster. Without zlib-ng the standard library's :func:`zlib.crc32` is used.
``SUPERMASSIVE_CRC32=zlib`` forces it. The choice is made once, at import.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

from supermassive.accelerators import choose

_Buffer = bytes | bytearray | memoryview

CRC32_NAME: str = choose("SUPERMASSIVE_CRC32", "zlib", "zlib-ng", "zlib_ng", "zlib-ng")
"""Which implementation :func:`crc32` is: ``zlib-ng`` or ``zlib``."""

crc32: Callable[[_Buffer], int] = zlib.crc32
"""``crc32(data)``: the CRC-32 of ``data`` (bytes, bytearray or memoryview), as
:func:`zlib.crc32` computes it."""
if CRC32_NAME == "zlib-ng":
    from zlib_ng import zlib_ng

    crc32 = zlib_ng.crc32

__all__ = ["CRC32_NAME", "crc32"]
