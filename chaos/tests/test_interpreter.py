"""The interpreter against an in-memory system: complete histories, right verdicts."""

from __future__ import annotations

import random
import time

from smchaos.checker import Budget, Verdict
from smchaos.checker.suite import overall, run_checks
from smchaos.generator import Limit, Stagger, clients, phases
from smchaos.generator.interpreter import Interpreter
from smchaos.history import Recorder, pair_ops
from smchaos.workloads import WORKLOADS

from .memory import MemoryFactory, MemoryStore


async def _run(workload: str, store: MemoryStore, ops: int = 300) -> Recorder:
    start = time.monotonic_ns()
    recorder = Recorder(lambda: time.monotonic_ns() - start)
    w = WORKLOADS[workload]()
    interp = Interpreter(MemoryFactory(store), None, recorder, 5, random.Random(1),
                         lambda: time.monotonic_ns() - start)
    await interp.run(phases(clients(Stagger(200_000, Limit(ops, w.main)))))
    keys = sorted({op.key for op in recorder.ops if op.key})
    await interp.run(w.final(keys))
    return recorder


async def test_a_linearizable_store_gives_complete_valid_histories() -> None:
    for workload in ("register", "counter"):
        recorder = await _run(workload, MemoryStore())
        pairs = pair_ops(recorder.ops)
        assert pairs and all(p.completion is not None for p in pairs)
        results = run_checks(recorder.ops, workload, Budget(30))
        assert overall(results) is Verdict.VALID, [r.to_json() for r in results]


async def test_a_store_serving_stale_reads_is_caught() -> None:
    recorder = await _run("register", MemoryStore(stale=True))
    results = run_checks(recorder.ops, "register", Budget(30))
    assert overall(results) is Verdict.INVALID
