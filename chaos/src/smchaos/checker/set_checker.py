"""The set checker: unique writes, then a final read of the whole set.

Every acknowledged write must be in the final read with its value; a write that ``fail``-ed
must be absent (fail means it certainly did not happen); an indeterminate write may be either;
nothing that was never written may appear. The last acknowledged final read is used.
"""

from __future__ import annotations

from typing import Any

from smchaos.checker.verdict import CheckResult, Verdict
from smchaos.history import Op, Pair, pair_ops


def _final_read(pairs: list[Pair]) -> Pair | None:
    reads = [p for p in pairs if p.f == "read" and p.type == "ok"
             and p.invoke.extra.get("final") and isinstance(p.output, dict)]
    return reads[-1] if reads else None


def check_set(ops: list[Op]) -> CheckResult:
    """Check a set workload's history."""
    pairs = pair_ops(ops)
    final = _final_read(pairs)
    if final is None:
        return CheckResult("set", Verdict.UNKNOWN, "no acknowledged final read")
    seen: dict[str, Any] = final.output
    writes = {p.key: p for p in pairs if p.f == "write" and p.invoke.is_client and p.key}
    lost = sorted(k for k, p in writes.items() if p.type == "ok" and k not in seen)
    wrong = sorted(k for k, p in writes.items()
                   if p.type == "ok" and k in seen and seen[k] != p.input)
    revived = sorted(k for k, p in writes.items() if p.type == "fail" and k in seen)
    unexpected = sorted(k for k in seen if k not in writes)
    ok_count = sum(1 for p in writes.values() if p.type == "ok")
    info_count = sum(1 for p in writes.values() if p.type in ("info", "open"))
    details: dict[str, Any] = {
        "acknowledged": ok_count, "indeterminate": info_count, "read": len(seen),
        "indeterminate_present": sum(1 for k, p in writes.items()
                                     if p.type in ("info", "open") and k in seen),
        "lost": lost[:100], "wrong_value": wrong[:100], "failed_but_present": revived[:100],
        "never_written": unexpected[:100],
    }
    bad = lost + wrong + revived
    if bad or unexpected:
        cx: list[int] = [final.invoke.index]
        for k in bad[:5]:
            w = writes[k]
            cx.append(w.invoke.index)
            if w.completion is not None:
                cx.append(w.completion.index)
        if final.completion is not None:
            cx.append(final.completion.index)
        details["explanation"] = (f"{len(lost)} acknowledged writes lost, {len(wrong)} with a "
                                  f"wrong value, {len(revived)} failed writes present, "
                                  f"{len(unexpected)} keys never written")
        return CheckResult("set", Verdict.INVALID, details["explanation"], details,
                           tuple(sorted(cx)))
    return CheckResult("set", Verdict.VALID,
                       f"all {ok_count} acknowledged writes present, nothing unexpected",
                       details)
