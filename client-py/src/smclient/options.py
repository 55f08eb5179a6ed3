"""Client options: timeouts, pool limits, health checks and the retry policy, in one frozen
record shared by both clients."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from smclient.backoff import FullJitterBackoff
from smclient.protocol.lines import DEFAULT_MAX_LINE_BYTES
from smclient.retry import Retry


def default_retry() -> Retry:
    """Three retries within 10 s, full-jitter backoff from 50 ms up to 1 s."""
    return Retry(FullJitterBackoff(0.05, 1.0, rng=random.Random()), retries=3, total_s=10.0)


@dataclass(frozen=True)
class ClientOptions:
    """How a client behaves once it knows where to connect.

    * ``timeout_s``: longest wait for each reply (``None``: wait forever);
    * ``max_connections``: pool size limit; ``pool_timeout_s``: longest wait for a free
      connection when all are busy (then :class:`~smclient.PoolTimeoutError`);
    * ``health_check_interval_s``: a pooled connection idle longer than this is checked with
      PING before reuse (a cheap non-blocking liveness check always runs);
    * ``retry``: the :class:`~smclient.Retry` policy;
    * ``max_line_bytes``: longest reply line accepted (the server's limit by default).
    """

    timeout_s: float | None = 5.0
    max_connections: int = 10
    pool_timeout_s: float | None = 5.0
    health_check_interval_s: float = 30.0
    retry: Retry = field(default_factory=default_retry)
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES

    def __post_init__(self) -> None:
        if self.timeout_s is not None and self.timeout_s <= 0:
            raise ValueError("timeout_s must be positive (or None)")
        if self.max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        if self.pool_timeout_s is not None and self.pool_timeout_s < 0:
            raise ValueError("pool_timeout_s must not be negative (or None)")
        if self.health_check_interval_s < 0:
            raise ValueError("health_check_interval_s must not be negative")
        if self.max_line_bytes < 64:
            raise ValueError("max_line_bytes must be at least 64")


@dataclass(frozen=True)
class PoolStatistics:
    """A snapshot of a connection pool (as Trio's ``statistics()`` records)."""

    max_connections: int
    idle: int
    in_use: int
    opened_total: int
    discarded_total: int
