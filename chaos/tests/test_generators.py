"""Generators are pure values: driven here by a fake context, no cluster, no clock."""

from __future__ import annotations

import random

from smchaos.generator import (
    NEMESIS_THREAD,
    Any_,
    Context,
    FaultSchedule,
    Generator,
    Invocation,
    Limit,
    Once,
    Pending,
    Sleep,
    Stagger,
    Thread,
    TimeLimit,
    clients,
    nemesis,
    phases,
)
from smchaos.workloads import WORKLOADS
from smchaos.workloads.register import register_ops

THREADS: frozenset[Thread] = frozenset({0, 1, 2, NEMESIS_THREAD})


def drain(gen: Generator, seed: int, steps: int = 200, dt_ns: int = 1_000_000,
          free: frozenset[Thread] = THREADS) -> list[tuple[int, str, str | None, Thread | None]]:
    """Run a generator with every thread always free, advancing a fake clock."""
    rng = random.Random(seed)
    t = 0
    out: list[tuple[int, str, str | None, Thread | None]] = []
    for _ in range(steps):
        ctx = Context(t, free, THREADS, rng)
        res, nxt = gen.op(ctx)
        if res is None:
            break
        if isinstance(res, Pending):
            t = res.until_ns if res.until_ns is not None else t + dt_ns
            gen = nxt
            continue
        if res.time_ns is not None and res.time_ns > t:
            t = res.time_ns
            continue
        out.append((t, res.f, res.key, res.thread))
        gen = nxt
        t += dt_ns
    return out


def test_the_same_seed_gives_the_same_operations() -> None:
    gen = clients(Stagger(2_000_000, register_ops()))
    assert drain(gen, 7) == drain(gen, 7)
    assert drain(gen, 7) != drain(gen, 8)


def test_every_workload_generator_runs_without_a_cluster() -> None:
    for name, make in WORKLOADS.items():
        ops = drain(clients(Limit(50, make().main)), 1)
        assert len(ops) == 50, name
        assert all(isinstance(thread, int) for _, _, _, thread in ops)


def test_limit_and_time_limit_stop_the_stream() -> None:
    assert len(drain(clients(Limit(5, register_ops())), 1)) == 5
    ops = drain(clients(TimeLimit(10_000_000, register_ops())), 1)
    assert ops and all(t < 10_000_000 for t, _, _, _ in ops)


def test_the_fault_schedule_alternates_start_and_stop() -> None:
    sched = nemesis(FaultSchedule(("kill", "partition"), 5_000_000, combine=False))
    ops = drain(TimeLimit(200_000_000, sched), 3)
    fs = [f for _, f, _, _ in ops]
    assert fs, "no fault started"
    for start, stop in zip(fs[::2], fs[1::2], strict=False):
        assert start.startswith("start-") and stop == "stop-" + start[6:]
    assert all(thread == NEMESIS_THREAD for _, _, _, thread in ops)


def test_combined_faults_start_several_and_stop_them_in_reverse() -> None:
    sched = nemesis(FaultSchedule(("kill", "partition", "pause"), 5_000_000, combine=True))
    ops = [f for _, f, _, _ in drain(TimeLimit(500_000_000, sched), 11)]
    active: list[str] = []
    for f in ops:
        verb, _, fault = f.partition("-")
        if verb == "start":
            active.append(fault)
        else:
            assert active.pop() == fault
    assert any(len(set(ops[i:i + 3])) == 3 and all(o.startswith("start") for o in ops[i:i + 3])
               for i in range(len(ops))) or len(ops) >= 2


def test_any_runs_clients_and_nemesis_together() -> None:
    gen = Any_((clients(Limit(20, register_ops())),
                nemesis(FaultSchedule(("kill",), 2_000_000))))
    threads = {thread for _, _, _, thread in drain(TimeLimit(100_000_000, gen), 2)}
    assert NEMESIS_THREAD in threads and 0 in threads


def test_phases_wait_for_every_thread_to_be_free() -> None:
    gen = phases(clients(Once(Invocation("read", "a"))), clients(Once(Invocation("read", "b"))))
    busy: frozenset[Thread] = frozenset({1, 2})
    ctx_busy = Context(0, busy, THREADS, random.Random(0))
    res, nxt = gen.op(Context(0, THREADS, THREADS, random.Random(0)))
    assert isinstance(res, Invocation) and res.key == "a"
    res2, _ = nxt.op(ctx_busy)
    assert isinstance(res2, Pending)
    res3, _ = nxt.op(Context(1, THREADS, THREADS, random.Random(0)))
    assert isinstance(res3, Invocation) and res3.key == "b"


def test_sleep_wakes_at_its_deadline() -> None:
    rng = random.Random(0)
    res, nxt = Sleep(5).op(Context(10, THREADS, THREADS, rng))
    assert res == Pending(15)
    assert nxt.op(Context(14, THREADS, THREADS, rng))[0] == Pending(15)
    assert nxt.op(Context(15, THREADS, THREADS, rng))[0] is None
