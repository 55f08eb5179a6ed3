"""Real runs against real server processes on loopback.

The smoke run (default test set) pins the harness: a short register run with the kill nemesis
produces a complete history (every invocation has a completion, or is ``info`` at the end), a
results file and a report. It does not assert the verdict: that is the server's business and
the slow runs' (``make chaos``), which assert every workload is valid under every fault, except
for what the consistency model allows: a stale read (a linearizability violation) while a
fault is taking a primary away is an expected failure, not an error. A violation with no fault
around it, or any invalid counter, set or convergence check, fails the test.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

from smchaos.checker import Verdict
from smchaos.db.netns import netns_unavailable
from smchaos.history import Op, pair_ops
from smchaos.nemesis import FAULTS, unavailable_reason
from smchaos.report import nemesis_windows
from smchaos.runner import RunSpec, execute
from smchaos.workloads import WORKLOADS

_CLUSTER = importlib.util.find_spec("supermassive.cluster.service")
needs_server = pytest.mark.skipif(
    _CLUSTER is None, reason="the cluster role (supermassive.cluster.service) cannot be imported")


def _check_run_dir(path: Path) -> None:
    for name in ("spec.json", "history.jsonl", "results.json", "report.html"):
        assert (path / name).exists(), name
    from smchaos.history import read_history

    ops = read_history(path / "history.jsonl")
    pairs = pair_ops(ops)
    assert pairs, "no operations were recorded"
    assert all(p.completion is not None for p in pairs), "an invocation has no completion"
    logs = sorted(p.name for p in (path / "logs").iterdir())
    assert "cluster.log" in logs and "primary-0.log" in logs and "replica-0.log" in logs
    assert "<svg" in (path / "report.html").read_text()


@needs_server
@pytest.mark.timeout(90)
@pytest.mark.parametrize("network", ["proxy", "netns"])
async def test_a_short_kill_run_stores_a_complete_history_and_a_report(
        tmp_path: Path, network: str) -> None:
    if network == "netns" and (reason := netns_unavailable()):
        pytest.skip(f"network namespaces unavailable: {reason}")
    spec = RunSpec(workload="register", nemeses=("kill",), time_limit_s=10, seed=5,
                   concurrency=4, rate_per_s=40, nemesis_interval_s=3, primaries=2,
                   settle_s=1, check_budget_s=20, store=str(tmp_path), network=network)
    outcome = await execute(spec)
    _check_run_dir(outcome.run_dir.path)
    nemesis_ops = [op for op in outcome.run_dir.read_history() if op.process == "nemesis"]
    assert any(op.f == "start-kill" and op.type == "ok" for op in nemesis_ops)
    results = json.loads(outcome.run_dir.results.read_text())
    assert results["verdict"] in ("valid", "invalid", "unknown")
    assert json.loads(outcome.run_dir.spec.read_text())["network"] == network


SLOW_S = float(os.environ.get("SMCHAOS_SLOW_SECONDS", "60"))


@needs_server
@pytest.mark.slow
@pytest.mark.timeout(int(SLOW_S * 4 + 240))
@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("workload", list(WORKLOADS))
async def test_workload_stays_valid_under_fault(workload: str, fault: str,
                                                tmp_path: Path) -> None:
    reason = unavailable_reason(fault)
    if reason:
        pytest.skip(reason)
    store = Path(os.environ.get("SMCHAOS_STORE", str(tmp_path)))
    spec = RunSpec(workload=workload, nemeses=(fault,), time_limit_s=SLOW_S, seed=1,
                   concurrency=8, rate_per_s=60, store=str(store))
    outcome = await execute(spec)
    _check_run_dir(outcome.run_dir.path)
    report = outcome.run_dir.report
    ops = outcome.run_dir.read_history()
    for result in outcome.results:
        if result.checker == "linearizable" and result.verdict is Verdict.INVALID \
                and fault != "clock" and _during_fault(ops, result.counterexample):
            # docs/guide/consistency.md: reads may be stale while a primary is unreachable
            pytest.xfail(f"stale read during a fault (documented): see {report}")
        assert result.verdict is Verdict.VALID, f"{result.checker}: {result.summary}: {report}"


def _during_fault(ops: list[Op], counterexample: tuple[int, ...]) -> bool:
    """Whether a fault was active during (or up to 2 s before) the counterexample."""
    times = [op.time for op in ops if op.index in set(counterexample)]
    if not times:
        return False
    start, end = min(times) - 2_000_000_000, max(times)
    return any(w.start_ns <= end and w.end_ns >= start for w in nemesis_windows(ops))
