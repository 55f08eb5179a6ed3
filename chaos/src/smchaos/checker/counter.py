"""The counter checker: every read of a counter lies within the bounds its history allows.

For a read ``r`` of a key initialised by one acknowledged ``write`` of ``v0``:

* *definite* increments completed ``ok`` before ``r`` was invoked: they must be counted;
* *possible* increments are acknowledged ones overlapping ``r`` and indeterminate ones invoked
  before ``r`` returned: each may or may not be counted;
* increments that ``fail`` never count.

So ``v0 + definite + sum(negative possible) <= r <= v0 + definite + sum(positive possible)``.
Reads marked ``"final": true`` (taken after the faults healed) are reported on their own.
"""

from __future__ import annotations

from typing import Any

from smchaos.checker.verdict import CheckResult, Verdict
from smchaos.history import Op, Pair, by_key, pair_ops


def _bounds(read: Pair, incrs: list[Pair], v0: int) -> tuple[int, int]:
    low = high = v0
    r_call = read.call_ns
    r_ret = read.return_ns if read.return_ns is not None else read.call_ns
    for p in incrs:
        delta = p.input
        if p.type == "fail" or not isinstance(delta, int) or p.call_ns > r_ret:
            continue
        ret = p.return_ns
        if p.type == "ok" and ret is not None and ret < r_call:
            low += delta
            high += delta
        else:
            low += min(0, delta)
            high += max(0, delta)
    return low, high


def _check_key(key: str, pairs: list[Pair]) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                                    str | None]:
    writes = [p for p in pairs if p.f in ("write", "delete")]
    if len(writes) != 1 or writes[0].f != "write" or writes[0].type != "ok" \
            or not isinstance(writes[0].input, int):
        return [], [], f"key {key}: skipped (needs exactly one acknowledged integer write)"
    init = writes[0]
    v0 = int(init.input)
    init_ret = init.return_ns or 0
    incrs = [p for p in pairs if p.f == "incr"]
    violations: list[dict[str, Any]] = []
    finals: list[dict[str, Any]] = []
    for p in pairs:
        if p.f != "read" or p.type != "ok" or p.call_ns <= init_ret:
            continue
        low, high = _bounds(p, incrs, v0)
        entry = {"key": key, "index": p.invoke.index, "value": p.output, "low": low,
                 "high": high, "final": bool(p.invoke.extra.get("final"))}
        if not isinstance(p.output, int) or not low <= p.output <= high:
            violations.append(entry)
        if entry["final"]:
            finals.append(entry)
    return violations, finals, None


def check_counter(ops: list[Op]) -> CheckResult:
    """Check the bounds of every counter read in ``ops``."""
    pairs = pair_ops(ops)
    index_of = {p.invoke.index: p for p in pairs}
    violations: list[dict[str, Any]] = []
    finals: list[dict[str, Any]] = []
    notes: list[str] = []
    for key, group in sorted(by_key(pairs).items()):
        v, fin, note = _check_key(key, group)
        violations += v
        finals += fin
        if note:
            notes.append(note)
    details: dict[str, Any] = {"violations": violations[:50], "final_reads": finals[:50],
                               "notes": notes[:50]}
    if violations:
        first = violations[0]
        p = index_of[first["index"]]
        cx = (p.invoke.index,) + ((p.completion.index,) if p.completion else ())
        details["explanation"] = (f"key {first['key']}: read {first['value']!r} at op "
                                  f"{first['index']} outside [{first['low']}, {first['high']}]")
        return CheckResult("counter", Verdict.INVALID,
                           f"{len(violations)} counter reads out of bounds", details, cx)
    if not finals:
        return CheckResult("counter", Verdict.UNKNOWN,
                           "no final read of any counter to check", details)
    return CheckResult("counter", Verdict.VALID,
                       f"{len(finals)} final counter reads within bounds", details)
