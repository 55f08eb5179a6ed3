"""The CRC-32 of journal, snapshot and marker frames, from the fastest implementation installed.

The checksum is zlib's CRC-32 (IEEE 802.3), so files are the same whichever implementation
wrote them. zlib-ng (the optional extra ``supermassive[zlib-ng]``, which ``make install``
includes) computes it with carry-less multiplication: on a journal record of 100 bytes it costs
about half of zlib's, on 1 KiB a third. Replay checks one CRC per record and every write computes
one, so both get faster. Without zlib-ng the standard library's :func:`zlib.crc32` is used.
``SUPERMASSIVE_CRC32=zlib`` forces it. The choice is made once, at import.
"""

from __future__ import annotations

import os
from collections.abc import Callable

_Buffer = bytes | bytearray | memoryview


def _choose() -> tuple[str, Callable[..., int]]:
    wanted = os.environ.get("SUPERMASSIVE_CRC32", "").strip().lower()
    if wanted not in ("", "zlib", "zlib-ng"):
        raise RuntimeError(f"SUPERMASSIVE_CRC32={wanted!r}: expected zlib or zlib-ng")
    if wanted != "zlib":
        try:
            from zlib_ng import zlib_ng
        except ImportError:
            if wanted == "zlib-ng":
                raise RuntimeError("SUPERMASSIVE_CRC32=zlib-ng but zlib-ng is not installed "
                                   "(pip install 'supermassive[zlib-ng]')") from None
        else:
            return "zlib-ng", zlib_ng.crc32
    import zlib

    return "zlib", zlib.crc32


CRC32_NAME: str
"""Which implementation :func:`crc32` is: ``zlib-ng`` or ``zlib``."""
crc32: Callable[[_Buffer], int]
"""``crc32(data)``: the CRC-32 of ``data`` (bytes, bytearray or memoryview), as
:func:`zlib.crc32` computes it."""
CRC32_NAME, crc32 = _choose()

__all__ = ["CRC32_NAME", "crc32"]
