"""One run, start to end: start the topology, run the workload under the faults, heal, run
the final reads (and the observer), stop everything, check, and write the run directory.

The run's randomness all derives from ``RunSpec.seed``: the generator's random and the
nemesis's random are separate streams, so the same seed asks for the same operations and the
same faults (what the real system does with them is, of course, up to it).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from smchaos.checker import Budget, CheckResult
from smchaos.checker.suite import overall, run_checks
from smchaos.client import KVClientFactory
from smchaos.db import LocalTopology, TopologySpec, observe
from smchaos.db.netns import netns_unavailable
from smchaos.generator import (
    Any_,
    FaultSchedule,
    Generator,
    Invocation,
    Once,
    Sleep,
    Stagger,
    TimeLimit,
    clients,
    nemesis,
    phases,
)
from smchaos.generator.interpreter import Interpreter
from smchaos.history import HistoryWriter, Recorder, complete, write_history
from smchaos.nemesis import CompositeNemesis
from smchaos.report import render_report
from smchaos.store import RunDir, new_run_dir
from smchaos.workloads import WORKLOADS

NS = 1_000_000_000


@dataclass(frozen=True)
class RunSpec:
    """Everything a run is asked for (stored as ``spec.json``)."""

    workload: str = "register"
    nemeses: tuple[str, ...] = ()
    time_limit_s: float = 60.0
    seed: int = 0
    concurrency: int = 10
    rate_per_s: float = 100.0
    nemesis_interval_s: float = 5.0
    combine: bool = True
    primaries: int = 3
    journal_sync: str = "always"
    op_timeout_s: float = 2.0
    settle_s: float = 3.0
    check_budget_s: float = 60.0
    store: str = "store"
    network: str = "auto"

    @property
    def name(self) -> str:
        """``<workload>-<nemesis+nemesis>`` (``none`` without faults)."""
        return f"{self.workload}-{'+'.join(self.nemeses) or 'none'}"

    def to_json(self) -> dict[str, Any]:
        """JSON form (tuples become lists)."""
        out = asdict(self)
        out["nemeses"] = list(self.nemeses)
        return out


@dataclass
class RunOutcome:
    """What a run produced."""

    run_dir: RunDir
    verdict: str
    results: list[CheckResult]
    ops: int
    notes: list[str] = field(default_factory=list)


Progress = Callable[[dict[str, Any]], None]


def resolve_network(requested: str) -> str:
    """``netns`` or ``proxy``: ``auto`` picks namespaces when they can be used here."""
    if requested != "auto":
        return requested
    return "netns" if netns_unavailable() is None else "proxy"


def build_generator(spec: RunSpec, main: Generator, final: Generator | None) -> Generator:
    """The main phase (client ops and faults, time-limited), healing, settling, final reads."""
    mean_gap = int(NS / spec.rate_per_s) if spec.rate_per_s > 0 else 0
    parts: list[Generator] = [clients(Stagger(mean_gap, main))]
    if spec.nemeses:
        parts.append(nemesis(FaultSchedule(spec.nemeses, int(spec.nemesis_interval_s * NS),
                                           spec.combine)))
    steps: list[Generator] = [TimeLimit(int(spec.time_limit_s * NS), Any_(tuple(parts)))]
    if spec.nemeses:
        steps.append(nemesis(Once(Invocation("stop-all"))))
    steps.append(Sleep(int(spec.settle_s * NS)))
    if final is not None:
        steps.append(clients(final))
    return phases(*steps)


async def _report_progress(spec: RunSpec, recorder: Recorder, start: float,
                           progress: Progress) -> None:
    while True:
        await asyncio.sleep(1.0)
        last = next((op for op in reversed(recorder.ops) if op.process == "nemesis"), None)
        progress({"elapsed_s": time.monotonic() - start, "time_limit_s": spec.time_limit_s,
                  "counts": dict(recorder.counts),
                  "nemesis": f"{last.f} {last.value}" if last is not None else ""})


async def execute(spec: RunSpec, progress: Progress | None = None) -> RunOutcome:
    """Run ``spec``; always tears the topology down and writes whatever was recorded."""
    workload = WORKLOADS[spec.workload]()
    run_dir = new_run_dir(Path(spec.store), spec.name)
    network = resolve_network(spec.network)
    run_dir.write_spec({**spec.to_json(), "network": network})
    db = LocalTopology(run_dir.db, TopologySpec(primaries=spec.primaries,
                                                journal_sync=spec.journal_sync,
                                                faketime="clock" in spec.nemeses,
                                                network=network))
    start_ns = [time.monotonic_ns()]

    def clock_ns() -> int:
        return time.monotonic_ns() - start_ns[0]

    notes: list[str] = [f"network: {network}"]
    with run_dir.history.open("w", encoding="utf-8") as fh:
        recorder = Recorder(clock_ns, HistoryWriter(fh))
        reporter = None
        nem = None
        try:
            await db.setup()
            start_ns[0] = time.monotonic_ns()
            nem = CompositeNemesis(db, list(spec.nemeses), random.Random(spec.seed + 1))
            host, port = db.client_address
            interp = Interpreter(KVClientFactory(host, port, spec.op_timeout_s),
                                 nem if spec.nemeses else None, recorder, spec.concurrency,
                                 random.Random(spec.seed), clock_ns, spec.op_timeout_s + 5)
            if progress is not None:
                reporter = asyncio.ensure_future(
                    _report_progress(spec, recorder, time.monotonic(), progress))
            main_gen = build_generator(spec, workload.main, None)
            await interp.run(main_gen)
            keys = sorted({op.key for op in recorder.ops if op.key and op.is_client})
            await interp.run(workload.final(keys))
            if workload.observe and not await observe(db, recorder):
                notes.append("replicas did not converge within the observer's deadline")
        finally:
            if reporter is not None:
                reporter.cancel()
            if nem is not None:
                await nem.heal()
            await db.teardown()
            db.copy_logs(run_dir.logs)
    return finish(run_dir, spec.workload, spec.check_budget_s, notes)


def finish(run_dir: RunDir, workload: str, budget_s: float,
           notes: list[str] | None = None) -> RunOutcome:
    """Complete the stored history, check it, write ``results.json`` and ``report.html``."""
    ops = complete(run_dir.read_history())
    write_history(run_dir.history, ops)
    results = run_checks(ops, workload, Budget(budget_s))
    verdict = overall(results).value
    run_dir.write_results(verdict, results)
    render_report(run_dir)
    return RunOutcome(run_dir, verdict, results, len(ops), list(notes or []))
