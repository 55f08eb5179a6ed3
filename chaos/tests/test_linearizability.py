"""Properties of the linearizability checker, against models run sequentially."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from smchaos.checker import Budget, CounterModel, RegisterModel, Verdict, check_history
from smchaos.checker.verdict import compose
from smchaos.history import Op

Event = tuple[int, int, str, str, Any, Any, str]


def _history(events: list[Event]) -> list[Op]:
    """Build ops from ``(call, ret, process, f, input, output, type)`` tuples."""
    raw: list[tuple[int, int, Op]] = []
    for call, ret, proc, f, inp, out, typ in events:
        arg = inp if f != "read" else None
        raw.append((call, 0, Op(0, call, int(proc), "invoke", f, "k", arg)))
        value = out if f in ("read", "incr") else inp
        raw.append((ret, 1, Op(0, ret, int(proc), typ, f, "k", value)))  # type: ignore[arg-type]
    raw.sort(key=lambda t: (t[0], t[1]))
    return [op.with_index(i) for i, (_, _, op) in enumerate(raw)]


register_ops = st.lists(
    st.tuples(st.sampled_from(["read", "write", "delete"]), st.integers(0, 4)),
    min_size=1, max_size=30)


def _run_register(ops: list[tuple[str, int]], seed: int, concurrency: int) -> list[Op]:
    """A linearizable concurrent execution: each op takes effect at a point inside its
    interval, processes never overlap themselves."""
    rnd = random.Random(seed)
    state: Any = None
    free_at = [0] * concurrency
    events: list[Event] = []
    t = 0
    for f, v in ops:
        proc = rnd.randrange(concurrency)
        call = max(free_at[proc], t - rnd.randrange(0, 30)) + 1
        point = max(call, t) + 1
        t = point
        ret = point + rnd.randrange(0, 40)
        free_at[proc] = ret + 1
        out: Any = None
        if f == "read":
            out = state
        elif f == "write":
            state = v
        else:
            state = None
        events.append((call, ret, str(proc), f, v if f == "write" else None, out, "ok"))
    return _history(events)


@settings(max_examples=150, deadline=None)
@given(register_ops, st.integers(0, 1000), st.integers(1, 5))
def test_every_linearizable_execution_of_the_register_is_valid(
        ops: list[tuple[str, int]], seed: int, concurrency: int) -> None:
    history = _run_register(ops, seed, concurrency)
    assert check_history(history, RegisterModel(), Budget(20)).verdict is Verdict.VALID


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["read", "incr"]), st.integers(-5, 5)),
                min_size=1, max_size=25))
def test_every_sequential_counter_history_is_valid(ops: list[tuple[str, int]]) -> None:
    state = 0
    events: list[Event] = [(0, 1, "0", "write", 0, None, "ok")]
    t = 2
    for f, d in ops:
        if f == "incr":
            state += d
            events.append((t, t + 1, "0", "incr", d, state, "ok"))
        else:
            events.append((t, t + 1, "0", "read", None, state, "ok"))
        t += 2
    history = _history(events)
    assert check_history(history, CounterModel(), Budget(20)).verdict is Verdict.VALID


@given(st.integers(1, 50), st.integers(1, 50))
def test_a_stale_read_after_two_sequential_writes_is_invalid(a: int, b: int) -> None:
    b = a + b
    history = _history([(0, 1, "0", "write", a, None, "ok"), (2, 3, "0", "write", b, None, "ok"),
                        (4, 5, "1", "read", None, a, "ok")])
    result = check_history(history, RegisterModel(), Budget(5))
    assert result.verdict is Verdict.INVALID
    assert result.counterexample


@given(st.integers(0, 50))
def test_a_lost_write_is_invalid(v: int) -> None:
    history = _history([(0, 1, "0", "write", v, None, "ok"), (2, 3, "1", "read", None, None, "ok")])
    assert check_history(history, RegisterModel(), Budget(5)).verdict is Verdict.INVALID


@given(st.lists(st.integers(1, 9), min_size=1, max_size=10))
def test_a_duplicated_increment_is_invalid(deltas: list[int]) -> None:
    events: list[Event] = [(0, 1, "0", "write", 0, None, "ok")]
    total, t = 0, 2
    for d in deltas:
        total += d
        events.append((t, t + 1, "0", "incr", d, total, "ok"))
        t += 2
    events.append((t, t + 1, "1", "read", None, total + deltas[0], "ok"))
    assert check_history(_history(events), CounterModel(), Budget(5)).verdict is Verdict.INVALID


def test_an_exhausted_budget_answers_unknown_never_valid() -> None:
    events: list[Event] = [(i, 10_000 + i, str(i), "write", i, None, "info") for i in range(60)]
    events.append((20_000, 20_001, "99", "read", None, -1, "ok"))
    ticks = iter(range(10**9))
    budget = Budget(3, clock=lambda: float(next(ticks)))
    result = check_history(_history(events), RegisterModel(), budget)
    assert result.verdict is Verdict.UNKNOWN


def test_verdicts_compose_false_over_unknown_over_true() -> None:
    v, i, u = Verdict.VALID, Verdict.INVALID, Verdict.UNKNOWN
    assert compose([v, u, v]) is u
    assert compose([u, i, v]) is i
    assert compose([]) is v
