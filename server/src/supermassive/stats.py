"""Process figures for STAT and the memory threshold: command rate, RSS, system memory."""

from __future__ import annotations

import os
import sys
import time


def rss_bytes() -> int:
    """Resident set size of this process in bytes (0 when unknown)."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak if sys.platform == "darwin" else peak * 1024)
    except (ImportError, OSError):  # pragma: no cover - Windows
        return 0


def total_memory_bytes() -> int:
    """Physical memory of the machine in bytes (0 when unknown)."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - Windows
        return 0


class Counters:
    """Command counter with a once-a-second rate, and memory figures."""

    __slots__ = ("_last_ops", "_last_t", "ops", "ops_per_sec", "rss", "started", "total_mem")

    def __init__(self) -> None:
        self.ops = 0
        self.ops_per_sec = 0.0
        self._last_ops = 0
        self._last_t = time.monotonic()
        self.started = time.time()
        self.rss = rss_bytes()
        self.total_mem = total_memory_bytes()

    def tick(self) -> None:
        """Update the rate and RSS (call about once a second)."""
        now = time.monotonic()
        elapsed = now - self._last_t
        if elapsed > 0:
            self.ops_per_sec = (self.ops - self._last_ops) / elapsed
        self._last_ops = self.ops
        self._last_t = now
        self.rss = rss_bytes()

    def memory_percent(self) -> float:
        """RSS as a percentage of physical memory (0 when unknown)."""
        return 100.0 * self.rss / self.total_mem if self.total_mem else 0.0

    def memory_items(self) -> list[tuple[str, object]]:
        """``name value`` pairs for STAT."""
        return [
            ("rss_bytes", self.rss),
            ("system_memory_bytes", self.total_mem),
            ("memory_percent", f"{self.memory_percent():.2f}"),
            ("uptime_s", int(time.time() - self.started)),
        ]
