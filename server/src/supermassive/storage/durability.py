"""Durability: when journal bytes handed to the OS are fsynced (the asyncio shell).

* ``always``: :meth:`Syncer.durable` returns a future resolved once every byte flushed before
  the call is fsynced. Group commit: one fsync in a worker thread covers everything flushed
  before it started; callers arriving while it runs wait for it to end and then share the next.
* ``everysec``: a background task fsyncs once a second when something was written.
* ``no``: only :meth:`Syncer.sync_now` (on close) fsyncs.

The fsyncs run on duplicated file descriptors, so a segment may be closed (after a compaction)
while an fsync of it is still running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from supermassive.storage.journal import Fsync

log = logging.getLogger("supermassive.journal")

SYNC_POLICIES = ("always", "everysec", "no")
EVERYSEC_INTERVAL_S = 1.0

SyncTargets = Callable[[], tuple[list[int], Path | None]]
"""Returns duplicated fds to fsync (the job closes them) and the directory, if it needs one.
``failed`` (a :class:`Syncer` argument) is called when such a job failed, so the directory is
asked for again next time."""


def run_sync_job(fds: list[int], directory: Path | None, fsync: Fsync) -> None:
    """fsync every fd (closing it) and then the directory; runs in a worker thread."""
    error: OSError | None = None
    for fd in fds:
        try:
            fsync(fd)
        except OSError as exc:
            error = exc
        finally:
            os.close(fd)
    if error is not None:
        raise error
    if directory is not None:
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            fsync(dir_fd)
        finally:
            os.close(dir_fd)


class Syncer:
    """Schedules fsyncs of the journal according to the sync policy."""

    def __init__(self, policy: str, fsync: Fsync, targets: SyncTargets,
                 flush: Callable[[], None], wall_ms: Callable[[], int],
                 failed: Callable[[], None] = lambda: None) -> None:
        if policy not in SYNC_POLICIES:
            raise ValueError(f"sync policy must be one of {', '.join(SYNC_POLICIES)}")
        self.policy = policy
        self._fsync = fsync
        self._targets = targets
        self._flush = flush
        self._wall_ms = wall_ms
        self._failed = failed
        self.written = 0
        """Flushes that wrote bytes so far (a sequence number)."""
        self.synced = 0
        """Highest flush sequence known to be fsynced."""
        self.fsyncs = 0
        self.failures = 0
        self.last_fsync_ms = 0
        self._running: asyncio.Future[None] | None = None
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._timer: asyncio.Task[None] | None = None

    def note_written(self) -> None:
        """Record that bytes were handed to the OS."""
        self.written += 1

    @property
    def pending(self) -> bool:
        """Whether bytes were written since the last successful fsync."""
        return self.synced < self.written

    def durable(self) -> asyncio.Future[None] | None:
        """``always``: a future for everything flushed so far; else (or nothing to wait) None."""
        if self.policy != "always":
            return None
        self._flush()
        if not self.pending:
            return None
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((self.written, future))
        self._kick()
        return future

    def _kick(self) -> None:
        if self._running is not None or not self.pending:
            return
        target = self.written
        fds, directory = self._targets()
        loop = asyncio.get_running_loop()
        running = loop.run_in_executor(None, run_sync_job, fds, directory, self._fsync)
        self._running = running
        running.add_done_callback(lambda done: self._done(done, target))

    def _done(self, done: asyncio.Future[None], target: int) -> None:
        self._running = None
        error = done.exception() if not done.cancelled() else asyncio.CancelledError()
        if error is None:
            self.synced = max(self.synced, target)
            self.fsyncs += 1
            self.last_fsync_ms = self._wall_ms()
        else:
            self.failures += 1
            self._failed()
            log.error("journal fsync failed: %s", error)
        still: list[tuple[int, asyncio.Future[None]]] = []
        for seq, future in self._waiters:
            if future.done():
                continue
            if seq <= target:
                if error is None:
                    future.set_result(None)
                else:
                    future.set_exception(OSError(f"journal fsync failed: {error}"))
            else:
                still.append((seq, future))
        self._waiters = still
        if still:
            self._kick()

    def release_waiters(self) -> None:
        """Resolve every waiter now (everything they wait for was made durable another way)."""
        self.synced = self.written
        for _, future in self._waiters:
            if not future.done():
                future.set_result(None)
        self._waiters = []

    def start(self) -> None:
        """Start the once-a-second fsync task (``everysec``) and flush timer."""
        if self._timer is None:
            self._timer = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(EVERYSEC_INTERVAL_S)
            try:
                self._flush()
            except OSError as exc:
                log.error("journal write failed: %s", exc)
            if self.policy == "everysec":
                self._kick()

    async def stop(self) -> None:
        """Stop the timer and wait for a running fsync."""
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
            self._timer = None
        while self._running is not None:
            with contextlib.suppress(OSError):
                await asyncio.shield(self._running)

    def sync_now(self) -> None:
        """fsync everything now, on this thread (close, compaction install)."""
        fds, directory = self._targets()
        run_sync_job(fds, directory, self._fsync)
        self.fsyncs += 1
        self.last_fsync_ms = self._wall_ms()
        self.release_waiters()
