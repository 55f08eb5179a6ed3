"""Retry policy: which failures may be retried, how often, and after how long.

The policy is pure: the client's thin retry loop asks :meth:`Retry.next_delay` after each
failure, passing the time spent so far, and sleeps for the answer (or re-raises on ``None``).

Only failures known to leave no effect are retried by default: a connection that could not be
opened (nothing was sent), ``ERR no primary nodes available`` and ``ERR unavailable`` (the
server refused before applying anything). A timeout or a link that broke after the request was
written is indeterminate: it is retried only when ``retry_reads_on_timeout`` is set, and then
only for read-only commands, so a write (and above all INCR/DECR) is never sent twice.
"""

from __future__ import annotations

from smclient.backoff import Backoff, ExponentialBackoff
from smclient.exceptions import ClientClosedError, ConnectionError, ResponseError


class Retry:
    """Retry up to ``retries`` times after the first attempt, within ``total_s`` seconds."""

    def __init__(
        self,
        backoff: Backoff | None = None,
        retries: int = 3,
        total_s: float = 10.0,
        *,
        retry_reads_on_timeout: bool = False,
    ) -> None:
        if retries < 0:
            raise ValueError("retries must not be negative")
        if total_s < 0:
            raise ValueError("total_s must not be negative")
        self.backoff: Backoff = backoff if backoff is not None else ExponentialBackoff()
        self.retries = retries
        self.total_s = total_s
        self.retry_reads_on_timeout = retry_reads_on_timeout

    @classmethod
    def never(cls) -> Retry:
        """A policy that never retries."""
        return cls(retries=0, total_s=0)

    def is_safe(self, error: BaseException, *, read_only: bool) -> bool:
        """Whether ``error`` may be retried for a command (``read_only``: it changes nothing)."""
        if isinstance(error, ClientClosedError):
            return False
        if isinstance(error, ResponseError) and error.retryable:
            return True
        if isinstance(error, ConnectionError) and not error.indeterminate:
            return True
        indeterminate = getattr(error, "indeterminate", False)
        return bool(indeterminate and read_only and self.retry_reads_on_timeout)

    def next_delay(
        self, error: BaseException, failures: int, elapsed_s: float, *, read_only: bool
    ) -> float | None:
        """Seconds to wait before retrying after failure number ``failures`` (1-based).

        ``None`` means give up and raise ``error``: it is not safe to retry, the retry count is
        spent, or the delay would end past ``total_s`` since the first attempt started.
        """
        if failures > self.retries or not self.is_safe(error, read_only=read_only):
            return None
        delay = max(self.backoff.compute(failures), 0.0)
        if elapsed_s + delay > self.total_s:
            return None
        return delay

    def __repr__(self) -> str:
        return (
            f"Retry(backoff={self.backoff!r}, retries={self.retries}, total_s={self.total_s}, "
            f"retry_reads_on_timeout={self.retry_reads_on_timeout})"
        )
