"""The parent side: start the worker processes, start them together, merge their figures.

Connections are dealt to ``--processes`` workers round-robin. The timed region starts when
every worker has reported ``ready`` (connections open, keys written) and the parent says
``go``; each worker times its own ``--duration``.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, cast

from smbench.options import BenchOptions, Target
from smbench.stats import Stats
from smbench.worker import worker_main

ProgressHook = Callable[[float, int], None]
"""Called with (seconds elapsed in the timed region, ops so far)."""


@dataclass
class RunResult:
    """The figures of one run against one target."""

    target: str
    options: BenchOptions
    stats: Stats = field(default_factory=Stats)
    elapsed_s: float = 0.0
    setup_error: str | None = None

    @property
    def ops(self) -> int:
        """Ops completed in the timed window."""
        return self.stats.ops

    @property
    def ops_per_sec(self) -> float:
        """Throughput over the configured duration."""
        return self.ops / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def errors(self) -> int:
        """Wrong replies, lost requests and broken connections (setup failure counts 1)."""
        return self.stats.errors + (1 if self.setup_error else 0)

    @property
    def ok(self) -> bool:
        """No error and at least one op."""
        return self.errors == 0 and self.ops > 0

    def latency_us(self) -> dict[str, float]:
        """p50/p99/p999/max/mean of all ops, in microseconds."""
        h = self.stats.overall()
        return {
            "p50": h.percentile(50) / 1e3, "p99": h.percentile(99) / 1e3,
            "p999": h.percentile(99.9) / 1e3, "max": h.max / 1e3, "mean": h.mean / 1e3,
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the result."""
        per_kind = {}
        for name, h in self.stats.histograms.items():
            if h.count:
                per_kind[name] = {
                    "ops": h.count, "p50_us": h.percentile(50) / 1e3,
                    "p99_us": h.percentile(99) / 1e3, "p999_us": h.percentile(99.9) / 1e3,
                }
        return {
            "target": self.target, "ops": self.ops, "elapsed_s": self.elapsed_s,
            "ops_per_sec": round(self.ops_per_sec, 1),
            "latency_us": {k: round(v, 1) for k, v in self.latency_us().items()},
            "per_op": per_kind, "errors": self.errors,
            "error_samples": self.stats.samples + ([self.setup_error] if self.setup_error
                                                   else []),
            "ok": self.ok,
        }


def _setup_timeout_s(opts: BenchOptions) -> float:
    return 30.0 + opts.keyspace / 2000.0


class _Workers:
    """The worker processes of one run and their pipes."""

    def __init__(self, opts: BenchOptions, target: Target) -> None:
        ctx = multiprocessing.get_context("spawn")
        count = max(1, min(opts.processes, opts.connections))
        self.pipes: list[Connection] = []
        self.procs: list[Any] = []
        for w in range(count):
            ids = list(range(w, opts.connections, count))
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=worker_main, args=(opts, target, ids, child),
                               daemon=True, name=f"smbench-worker-{w}")
            proc.start()
            child.close()
            self.pipes.append(parent)
            self.procs.append(proc)

    def gather(self, kind: str, timeout_s: float,
               on_progress: Callable[[int, int], None] | None = None) -> list[Any]:
        """Wait for one ``kind`` message from every worker; raise on failure or timeout."""
        got: dict[int, Any] = {}
        deadline = time.monotonic() + timeout_s
        while len(got) < len(self.pipes):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"workers did not report {kind!r} within {timeout_s:.0f}s")
            waiting = [p for i, p in enumerate(self.pipes) if i not in got]
            for ready in wait(waiting, min(left, 0.2)):
                pipe = cast(Connection, ready)
                i = self.pipes.index(pipe)
                try:
                    tag, payload = pipe.recv()
                except EOFError:
                    raise RuntimeError(f"worker {i} exited unexpectedly")
                if tag == "failed":
                    raise RuntimeError(str(payload))
                if tag == "progress" and on_progress is not None:
                    on_progress(i, int(payload))
                elif tag == kind:
                    got[i] = payload
            if on_progress is not None:
                on_progress(-1, 0)
        return [got[i] for i in range(len(self.pipes))]

    def send(self, message: str) -> None:
        """Send ``message`` to every worker."""
        for pipe in self.pipes:
            pipe.send(message)

    def stop(self) -> None:
        """Reap the workers (terminate the ones that do not exit)."""
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)
        for pipe in self.pipes:
            pipe.close()


def run_once(opts: BenchOptions, target: Target, progress: ProgressHook | None = None
             ) -> RunResult:
    """Benchmark ``target`` once; failures end up in the result, never as exceptions."""
    result = RunResult(target.label, opts)
    workers = _Workers(opts, target)
    try:
        workers.gather("ready", _setup_timeout_s(opts))
        workers.send("go")
        start = time.monotonic()
        counts = [0] * len(workers.pipes)

        def tick(i: int, ops: int) -> None:
            if i >= 0:
                counts[i] = ops
            if progress is not None:
                progress(time.monotonic() - start, sum(counts))

        dicts = workers.gather("result", opts.duration_s + 60.0, tick)
        result.elapsed_s = opts.duration_s
        for d in dicts:
            result.stats.merge(Stats.from_dict(d))
    except (RuntimeError, TimeoutError, OSError) as exc:
        result.setup_error = str(exc)
    finally:
        workers.stop()
    return result
