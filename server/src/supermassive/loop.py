"""Event loop selection: uvloop on Linux/macOS, plain asyncio elsewhere or on request.

``SUPERMASSIVE_LOOP=asyncio`` forces the standard loop (the Windows path, tested on Linux);
``SUPERMASSIVE_LOOP=uvloop`` requires uvloop. The choice is made once, at start.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_name() -> str:
    """The loop implementation this process will use: ``uvloop`` or ``asyncio``."""
    wanted = os.environ.get("SUPERMASSIVE_LOOP", "").strip().lower()
    if wanted == "asyncio" or sys.platform == "win32":
        return "asyncio"
    try:
        import uvloop  # noqa: F401
    except ImportError:
        if wanted == "uvloop":
            raise RuntimeError("SUPERMASSIVE_LOOP=uvloop but uvloop is not installed") from None
        return "asyncio"
    return "uvloop"


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` on the selected loop."""
    if loop_name() == "uvloop":
        import uvloop

        return uvloop.run(main)
    return asyncio.run(main)
