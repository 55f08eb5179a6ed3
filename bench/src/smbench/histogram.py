"""A log-linear latency histogram (HDR-like): fixed memory, under 1% relative error.

Values are integers (nanoseconds). A value below 256 has its own bucket; above, each power of
two is split into 128 equal buckets, so a bucket is at most 1/128 of its values wide.
Histograms merge by adding counts, which is how worker processes combine their figures.
"""

from __future__ import annotations

_SUB_BITS = 7
_SUB = 1 << _SUB_BITS
_BUCKETS = (64 - _SUB_BITS) * _SUB + 2 * _SUB


def bucket_index(value: int) -> int:
    """The bucket of a non-negative integer."""
    bits = value.bit_length()
    if bits <= _SUB_BITS + 1:
        return value
    shift = bits - _SUB_BITS - 1
    return (shift << _SUB_BITS) + (value >> shift)


def bucket_bounds(index: int) -> tuple[int, int]:
    """The smallest and largest value of a bucket."""
    if index < 2 * _SUB:
        return index, index
    shift = (index >> _SUB_BITS) - 1
    low = (index - (shift << _SUB_BITS)) << shift
    return low, low + (1 << shift) - 1


class LatencyHistogram:
    """Counts of latencies; :meth:`percentile` answers within one bucket's width."""

    __slots__ = ("count", "counts", "max", "min", "total")

    def __init__(self) -> None:
        self.counts = [0] * _BUCKETS
        self.count = 0
        self.total = 0
        self.min = 0
        self.max = 0

    def record(self, value: int) -> None:
        """Add one value (negative values count as 0)."""
        if value < 0:
            value = 0
        self.counts[bucket_index(value)] += 1
        if self.count == 0 or value < self.min:
            self.min = value
        if value > self.max:
            self.max = value
        self.count += 1
        self.total += value

    def merge(self, other: LatencyHistogram) -> None:
        """Add another histogram's counts into this one."""
        if other.count == 0:
            return
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        self.min = other.min if self.count == 0 else min(self.min, other.min)
        self.max = max(self.max, other.max)
        self.count += other.count
        self.total += other.total

    def percentile(self, q: float) -> int:
        """The value at quantile ``q`` (0..100), as the middle of its bucket; 0 when empty."""
        if self.count == 0:
            return 0
        rank = max(1, round(self.count * q / 100.0))
        seen = 0
        for index, n in enumerate(self.counts):
            seen += n
            if seen >= rank:
                low, high = bucket_bounds(index)
                return min(max((low + high) // 2, self.min), self.max)
        return self.max

    @property
    def mean(self) -> float:
        """The average value (0 when empty)."""
        return self.total / self.count if self.count else 0.0

    def to_dict(self) -> dict[str, object]:
        """A compact, picklable and JSON-able form (non-zero buckets only)."""
        return {
            "buckets": {str(i): n for i, n in enumerate(self.counts) if n},
            "count": self.count, "total": self.total, "min": self.min, "max": self.max,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> LatencyHistogram:
        """The inverse of :meth:`to_dict`."""
        h = cls()
        buckets = data["buckets"]
        assert isinstance(buckets, dict)
        for index, n in buckets.items():
            h.counts[int(index)] = int(n)
        for name in ("count", "total", "min", "max"):
            value = data[name]
            assert isinstance(value, int)
            setattr(h, name, value)
        return h
