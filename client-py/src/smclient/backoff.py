"""Backoff strategies: small pure classes that say how long to wait before retry number n.

None of them reads a clock or the global random generator: :class:`FullJitterBackoff` takes
its random source, so a seeded ``random.Random`` reproduces a run.
"""

from __future__ import annotations

import random
from typing import Protocol


class Backoff(Protocol):
    """How long to sleep before a retry."""

    def compute(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failed attempt (1 for the first)."""
        ...


class RandomSource(Protocol):
    """What :class:`FullJitterBackoff` needs from a random generator."""

    def uniform(self, a: float, b: float) -> float:
        """A float in ``[a, b]``."""
        ...


class NoBackoff:
    """Retry at once."""

    def compute(self, failures: int) -> float:
        """Always 0."""
        return 0.0

    def __repr__(self) -> str:
        return "NoBackoff()"


class ConstantBackoff:
    """Wait the same time before every retry."""

    def __init__(self, delay_s: float) -> None:
        if delay_s < 0:
            raise ValueError("delay_s must not be negative")
        self.delay_s = delay_s

    def compute(self, failures: int) -> float:
        """Always ``delay_s``."""
        return self.delay_s

    def __repr__(self) -> str:
        return f"ConstantBackoff({self.delay_s!r})"


def _exponential(base_s: float, cap_s: float, failures: int) -> float:
    exponent = max(failures - 1, 0)
    if exponent >= 64:
        return cap_s
    return float(min(cap_s, base_s * (2**exponent)))


class ExponentialBackoff:
    """``base_s * 2**(failures-1)``, capped at ``cap_s``."""

    def __init__(self, base_s: float = 0.05, cap_s: float = 2.0) -> None:
        if base_s < 0 or cap_s < 0:
            raise ValueError("base_s and cap_s must not be negative")
        self.base_s = base_s
        self.cap_s = cap_s

    def compute(self, failures: int) -> float:
        """The capped exponential delay."""
        return _exponential(self.base_s, self.cap_s, failures)

    def __repr__(self) -> str:
        return f"ExponentialBackoff(base_s={self.base_s!r}, cap_s={self.cap_s!r})"


class FullJitterBackoff:
    """A uniform random delay in ``[0, min(cap_s, base_s * 2**(failures-1))]``.

    "Full jitter" spreads retries of many clients apart (AWS architecture blog, 2015).
    """

    def __init__(
        self, base_s: float = 0.05, cap_s: float = 2.0, *, rng: RandomSource | None = None
    ) -> None:
        if base_s < 0 or cap_s < 0:
            raise ValueError("base_s and cap_s must not be negative")
        self.base_s = base_s
        self.cap_s = cap_s
        self.rng: RandomSource = rng if rng is not None else random.Random()

    def compute(self, failures: int) -> float:
        """A random delay up to the capped exponential one."""
        return self.rng.uniform(0.0, _exponential(self.base_s, self.cap_s, failures))

    def __repr__(self) -> str:
        return f"FullJitterBackoff(base_s={self.base_s!r}, cap_s={self.cap_s!r})"
