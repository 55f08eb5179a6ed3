"""Sequence-based round robin over the primaries (pure).

Each write takes the next sequence number; its first choice is primary ``seq mod n`` (config
order) and, if that one is down or fails the write before it was sent, the following ones in
order. Taking a number is a plain increment with no ``await`` in between, so it is atomic in
asyncio: concurrent writes never share a number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


class RoundRobin:
    """The write sequence shown by STAT as ``current_sequence``."""

    __slots__ = ("sequence",)

    def __init__(self, start: int = 0) -> None:
        self.sequence = start

    def take(self) -> int:
        """Return the current sequence number and advance it."""
        seq = self.sequence
        self.sequence = seq + 1
        return seq

    def order(self, members: Sequence[T], usable: Callable[[T], bool]) -> list[T]:
        """The usable ``members`` in the order this write should try them."""
        n = len(members)
        if n == 0:
            return []
        start = self.take() % n
        rotated = [members[(start + i) % n] for i in range(n)]
        return [m for m in rotated if usable(m)]

    @staticmethod
    def after(members: Sequence[T], start: int, usable: Callable[[T], bool]) -> list[T]:
        """The usable ``members`` that follow index ``start`` in the order of its write."""
        n = len(members)
        rotated = [members[(start + i) % n] for i in range(1, n)]
        return [m for m in rotated if usable(m)]
