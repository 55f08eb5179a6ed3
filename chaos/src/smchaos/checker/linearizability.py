"""Linearizability checking by the Wing–Gong–Lowe search, as in Porcupine.

The history is partitioned by key (each key is an independent register or counter), and each
partition is searched on its own: events (calls and returns) sit in a doubly linked list; the
search linearizes a call whose model step is legal, lifts it out of the list, and backtracks
when it reaches a return whose call could not be linearized. A cache of visited
``(set of linearized ops, model state)`` pairs stops it from exploring the same configuration
twice. The search is bounded by a :class:`~smchaos.checker.verdict.Budget`; when the budget runs
out the answer is *unknown*, never *valid*.

Operations that ``fail`` certainly did not happen and are left out. Indeterminate (``info``)
operations have a call but no return: the search may linearize them anywhere after their call,
or never. Indeterminate reads carry no information and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smchaos.checker.model import Model
from smchaos.checker.verdict import Budget, CheckResult, Verdict
from smchaos.history import Op, Pair, by_key, pair_ops

_BUDGET_CHECK_EVERY = 2048


@dataclass(frozen=True)
class PartitionResult:
    """The outcome for one key.

    ``linearized`` lists, for an invalid partition, the pairs (positions in ``pairs``) of the
    longest linearizable prefix found, in linearization order; ``failing`` is the pair whose
    return could not be reached; ``window`` is the smallest set of pairs that shows it.
    """

    key: str
    verdict: Verdict
    pairs: tuple[Pair, ...]
    linearized: tuple[int, ...] = ()
    failing: int | None = None
    window: tuple[int, ...] = ()
    state: str = ""

    def counterexample(self) -> tuple[int, ...]:
        """Op indices (invocations and completions) of the window, in history order."""
        out: list[int] = []
        for i in self.window:
            p = self.pairs[i]
            out.append(p.invoke.index)
            if p.completion is not None:
                out.append(p.completion.index)
        return tuple(sorted(out))

    def explain(self) -> str:
        """One paragraph describing the violation."""
        if self.failing is None:
            return f"key {self.key}: {self.verdict.value}"
        p = self.pairs[self.failing]
        shown = p.output if p.f == "read" else p.input
        return (f"key {self.key}: after linearizing {len(self.linearized)} operations the "
                f"state is {self.state}; op {p.invoke.index} (process {p.process} {p.f} "
                f"{shown!r}, {p.type}) cannot be linearized at any point before it returned")


@dataclass
class _Search:
    """The linked list of events of one partition and the search state."""

    ops: list[tuple[str, Any, Any, bool]]
    is_call: list[bool]
    opid: list[int]
    ret_of: list[int]
    nxt: list[int]
    prv: list[int]
    returns: int

    def lift(self, node: int) -> None:
        nxt, prv = self.nxt, self.prv
        nxt[prv[node]] = nxt[node]
        prv[nxt[node]] = prv[node]
        ret = self.ret_of[node]
        if ret >= 0:
            nxt[prv[ret]] = nxt[ret]
            prv[nxt[ret]] = prv[ret]

    def unlift(self, node: int) -> None:
        nxt, prv = self.nxt, self.prv
        ret = self.ret_of[node]
        if ret >= 0:
            prv[nxt[ret]] = ret
            nxt[prv[ret]] = ret
        prv[nxt[node]] = node
        nxt[prv[node]] = node


def _build(pairs: list[Pair]) -> tuple[_Search, list[int]]:
    """Events of the pairs that matter; returns the search and the pair position per op id."""
    ops: list[tuple[str, Any, Any, bool]] = []
    source: list[int] = []
    events: list[tuple[int, int, int, bool]] = []
    for pos, p in enumerate(pairs):
        kind = p.type
        if kind == "fail" or (p.f == "read" and kind != "ok"):
            continue
        known = kind == "ok"
        op = len(ops)
        ops.append((p.f, p.input, p.output if known else None, known))
        source.append(pos)
        events.append((p.call_ns, 0, op, True))
        if known and p.return_ns is not None:
            events.append((p.return_ns, 1, op, False))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    n = len(events)
    is_call = [False] * (n + 2)
    opid = [-1] * (n + 2)
    ret_of = [-1] * (n + 2)
    call_node = [-1] * len(ops)
    for node, (_, _, op, call) in enumerate(events, start=1):
        is_call[node], opid[node] = call, op
        if call:
            call_node[op] = node
        else:
            ret_of[call_node[op]] = node
    nxt = [i + 1 for i in range(n + 2)]
    prv = [i - 1 for i in range(n + 2)]
    returns = sum(1 for e in events if not e[3])
    return _Search(ops, is_call, opid, ret_of, nxt, prv, returns), source


def check_partition(key: str, pairs: list[Pair], model: Model, budget: Budget) -> PartitionResult:
    """Search one key's operations for a linearization."""
    s, source = _build(pairs)
    tail = len(s.is_call) - 1
    state: Any = model.init()
    bits = 0
    cache: set[tuple[int, Any]] = set()
    stack: list[tuple[int, Any]] = []
    remaining = s.returns
    best: tuple[int, list[int], int, Any] = (-1, [], -1, state)
    node = s.nxt[0]
    steps = 0
    while remaining > 0:
        steps += 1
        if steps % _BUDGET_CHECK_EVERY == 0 and budget.exceeded():
            return PartitionResult(key, Verdict.UNKNOWN, tuple(pairs))
        if node != tail and s.is_call[node]:
            op = s.opid[node]
            f, inp, out, known = s.ops[op]
            legal, new = model.step(state, f, inp, out, known)
            if legal:
                nb = bits | (1 << op)
                if (nb, new) not in cache:
                    cache.add((nb, new))
                    stack.append((node, state))
                    state, bits = new, nb
                    s.lift(node)
                    if s.ret_of[node] >= 0:
                        remaining -= 1
                    node = s.nxt[0]
                    continue
            node = s.nxt[node]
            continue
        if len(stack) > best[0]:
            failing = s.opid[node] if node != tail else -1
            best = (len(stack), [s.opid[c] for c, _ in stack], failing, state)
        if not stack:
            return _invalid(key, pairs, source, best, model)
        top, state = stack.pop()
        bits &= ~(1 << s.opid[top])
        s.unlift(top)
        if s.ret_of[top] >= 0:
            remaining += 1
        node = s.nxt[top]
    return PartitionResult(key, Verdict.VALID, tuple(pairs))


def _invalid(key: str, pairs: list[Pair], source: list[int],
             best: tuple[int, list[int], int, Any], model: Model) -> PartitionResult:
    _, linearized_ops, failing_op, state = best
    linearized = [source[o] for o in linearized_ops]
    failing = source[failing_op] if failing_op >= 0 else None
    window: set[int] = set()
    if failing is not None:
        end = pairs[failing].end_ns
        limit = end if end is not None else pairs[failing].call_ns
        done = set(linearized)
        for pos in source:
            p = pairs[pos]
            if pos not in done and p.call_ns <= limit:
                window.add(pos)
        window.add(failing)
    for pos in reversed(linearized):
        window.add(pos)
        if pairs[pos].f != "read":
            break
    return PartitionResult(key, Verdict.INVALID, tuple(pairs), tuple(linearized), failing,
                           tuple(sorted(window, key=lambda i: pairs[i].call_ns)),
                           model.describe(state))


def check_history(ops: list[Op], model: Model, budget: Budget,
                  name: str = "linearizable") -> CheckResult:
    """Check every key of a history for linearizability against ``model``.

    Keys are searched smallest first, each with an equal share of the budget left, so one
    hard key cannot leave the easy ones unchecked."""
    groups = by_key(pair_ops(ops))
    results: list[PartitionResult] = []
    keys = sorted(groups, key=lambda k: (len(groups[k]), k))
    for n, key in enumerate(keys):
        if budget.exceeded():
            results.append(PartitionResult(key, Verdict.UNKNOWN, tuple(groups[key])))
            continue
        share = budget.share(len(keys) - n)
        results.append(check_partition(key, groups[key], model, share))
    results.sort(key=lambda r: r.key)
    return summarize(results, model, name)


def summarize(results: list[PartitionResult], model: Model, name: str) -> CheckResult:
    """Compose per-key results into one :class:`CheckResult`."""
    invalid = [r for r in results if r.verdict is Verdict.INVALID]
    unknown = [r for r in results if r.verdict is Verdict.UNKNOWN]
    counts = f"{len(results)} keys: {len(results) - len(invalid) - len(unknown)} valid, " \
             f"{len(invalid)} invalid, {len(unknown)} unknown"
    details: dict[str, Any] = {
        "model": model.name, "keys": len(results),
        "invalid_keys": [r.key for r in invalid], "unknown_keys": [r.key for r in unknown],
    }
    if invalid:
        worst = min(invalid, key=lambda r: (len(r.window), r.key))
        details["key"] = worst.key
        details["explanation"] = worst.explain()
        details["explanations"] = [r.explain() for r in invalid[:20]]
        return CheckResult(name, Verdict.INVALID, f"not linearizable ({counts})", details,
                           worst.counterexample())
    if unknown:
        return CheckResult(name, Verdict.UNKNOWN,
                           f"search budget exhausted ({counts})", details)
    return CheckResult(name, Verdict.VALID, f"linearizable ({counts})", details)
