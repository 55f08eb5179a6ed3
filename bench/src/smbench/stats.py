"""Counters of one benchmark run: latencies per operation kind, errors, error samples.

A worker process fills one :class:`Stats`; the parent merges them from their dict form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from smbench.histogram import LatencyHistogram
from smbench.workload import Kind

MAX_ERROR_SAMPLES = 10


@dataclass
class Stats:
    """Latency histograms by kind (recorded ops only), the error count and a few samples."""

    histograms: dict[str, LatencyHistogram] = field(
        default_factory=lambda: {k.name: LatencyHistogram() for k in Kind})
    errors: int = 0
    samples: list[str] = field(default_factory=list)
    _by_kind: list[LatencyHistogram] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._by_kind = [self.histograms[k.name] for k in Kind]

    def record(self, kind: Kind, latency_ns: int) -> None:
        """One completed op inside the timed window."""
        self._by_kind[kind].record(latency_ns)

    def error(self, what: str) -> None:
        """One wrong reply, lost request or broken connection."""
        self.errors += 1
        if len(self.samples) < MAX_ERROR_SAMPLES:
            self.samples.append(what)

    @property
    def ops(self) -> int:
        """Completed ops in the timed window."""
        return sum(h.count for h in self.histograms.values())

    def overall(self) -> LatencyHistogram:
        """All kinds together."""
        total = LatencyHistogram()
        for h in self.histograms.values():
            total.merge(h)
        return total

    def merge(self, other: Stats) -> None:
        """Add another run's figures into this one."""
        for name, h in other.histograms.items():
            self.histograms[name].merge(h)
        self.errors += other.errors
        room = MAX_ERROR_SAMPLES - len(self.samples)
        self.samples.extend(other.samples[:room])

    def to_dict(self) -> dict[str, Any]:
        """A picklable form for the trip from a worker process."""
        return {
            "histograms": {n: h.to_dict() for n, h in self.histograms.items()},
            "errors": self.errors, "samples": list(self.samples),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Stats:
        """The inverse of :meth:`to_dict`."""
        stats = cls(errors=int(data["errors"]), samples=list(data["samples"]))
        for name, h in data["histograms"].items():
            stats.histograms[name] = LatencyHistogram.from_dict(h)
        stats.__post_init__()
        return stats
