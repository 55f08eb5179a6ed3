"""Versions: a hybrid logical clock packed into one integer.

A version is ``(wall_ms << 22) | (logical << 8) | writer_id`` (see
``docs/internals/contracts.md``). Versions compare as plain integers, so the highest version
wins; ``0`` means "no version". Everything here is pure: the wall clock is passed in.
"""

from __future__ import annotations

from collections.abc import Callable

WALL_SHIFT = 22
LOGICAL_SHIFT = 8
LOGICAL_MAX = (1 << 14) - 1
WRITER_MAX = (1 << 8) - 1
WALL_MAX = (1 << 41) - 1
VERSION_MAX = (1 << 63) - 1
"""Largest valid version: versions fit a signed 64-bit integer."""


def pack(wall_ms: int, logical: int, writer_id: int) -> int:
    """Pack the three parts of a version into one integer.

    Raises ``ValueError`` when a part is out of range (wall time 0..2**41-1 ms, logical
    0..16383, writer id 0..255).
    """
    if not 0 <= wall_ms <= WALL_MAX:
        raise ValueError(f"wall_ms out of range: {wall_ms}")
    if not 0 <= logical <= LOGICAL_MAX:
        raise ValueError(f"logical counter out of range: {logical}")
    if not 0 <= writer_id <= WRITER_MAX:
        raise ValueError(f"writer id out of range: {writer_id}")
    return (wall_ms << WALL_SHIFT) | (logical << LOGICAL_SHIFT) | writer_id


def unpack(version: int) -> tuple[int, int, int]:
    """Split a version into ``(wall_ms, logical, writer_id)``."""
    if not 0 <= version <= VERSION_MAX:
        raise ValueError(f"version out of range: {version}")
    return version >> WALL_SHIFT, (version >> LOGICAL_SHIFT) & LOGICAL_MAX, version & WRITER_MAX


def is_valid(version: int) -> bool:
    """Whether ``version`` is a usable version (1 .. 2**63-1)."""
    return 0 < version <= VERSION_MAX


class HybridClock:
    """A strictly increasing version source for one writer.

    ``now()`` follows the wall clock when it moves forward and otherwise bumps the logical
    counter (moving to the next millisecond when the 14-bit counter overflows). ``observe()``
    makes sure no later ``now()`` is at or below a version seen elsewhere.
    """

    __slots__ = ("_last", "_ticks", "_ticks_per_ms", "writer_id")

    def __init__(self, writer_id: int, wall_ms: Callable[[], int]) -> None:
        if not 0 <= writer_id <= WRITER_MAX:
            raise ValueError(f"writer id out of range: {writer_id}")
        self.writer_id = writer_id
        self._ticks = wall_ms
        self._ticks_per_ms = 1
        self._last = 0

    @classmethod
    def from_ns(cls, writer_id: int, wall_ns: Callable[[], int]) -> HybridClock:
        """A clock whose wall time is ``wall_ns() // 1_000_000`` (nanoseconds to milliseconds).

        The same versions as ``HybridClock(writer_id, lambda: wall_ns() // 1_000_000)``, one
        Python call less per :meth:`now` when ``wall_ns`` is a C function (``time.time_ns``).
        """
        clock = cls(writer_id, wall_ns)
        clock._ticks_per_ms = 1_000_000
        return clock

    @property
    def last(self) -> int:
        """The highest version stamped or observed so far (0 at first)."""
        return self._last

    def now(self) -> int:
        """Return a new version, strictly greater than every version stamped or observed.

        Hot path (one call per write), so the packing is inlined: bumping ``last >> 8`` by one
        increments the logical counter and, when it overflows, carries into the wall time,
        exactly as ``pack(last_wall + 1, 0, writer_id)``. Raises ``ValueError`` past
        :data:`VERSION_MAX`.
        """
        wall = self._ticks() // self._ticks_per_ms
        last = self._last
        if last >> WALL_SHIFT < wall <= WALL_MAX:
            version = (wall << WALL_SHIFT) | self.writer_id
        else:
            version = (((last >> LOGICAL_SHIFT) + 1) << LOGICAL_SHIFT) | self.writer_id
            if version > VERSION_MAX:
                raise ValueError(f"wall_ms out of range: {(last >> WALL_SHIFT) + 1}")
        self._last = version
        return version

    def observe(self, version: int) -> None:
        """Never stamp at or below ``version`` from now on."""
        if version > self._last:
            self._last = version if version <= VERSION_MAX else VERSION_MAX  # min(), no call
