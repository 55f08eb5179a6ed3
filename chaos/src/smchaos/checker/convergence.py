"""The replica-convergence checker: after healing, every replica equals its primary.

The harness's observer reads every primary and replica directly (``VREGX .*``) and records
one ``observer`` op per member, ``extra`` naming its ``shard`` and ``role``, the value mapping
each key to ``[version, value]`` (``value`` is ``null`` for a tombstone). The last observation
of each member counts.
"""

from __future__ import annotations

from typing import Any

from smchaos.checker.verdict import CheckResult, Verdict
from smchaos.history import OBSERVER, Op


def _diff(primary: dict[str, Any], replica: dict[str, Any]) -> dict[str, list[str]]:
    missing = sorted(k for k in primary if k not in replica)
    extra = sorted(k for k in replica if k not in primary)
    differ = sorted(k for k in primary if k in replica and primary[k] != replica[k])
    return {"missing_on_replica": missing, "extra_on_replica": extra, "different": differ}


def check_convergence(ops: list[Op]) -> CheckResult:
    """Compare the last observation of each replica with its primary's."""
    last: dict[tuple[int, str, str], tuple[Op, dict[str, Any]]] = {}
    for op in ops:
        if op.process != OBSERVER or op.type != "ok" or not isinstance(op.value, dict):
            continue
        shard, role = op.extra.get("shard"), op.extra.get("role")
        if isinstance(shard, int) and role in ("primary", "replica"):
            last[(shard, str(role), str(op.key))] = (op, op.value)
    shards = sorted({s for s, _, _ in last})
    if not shards:
        return CheckResult("convergence", Verdict.UNKNOWN, "no observation of any member")
    details: dict[str, Any] = {"shards": {}}
    bad: list[int] = []
    unknown = False
    for shard in shards:
        prim = [v for (s, r, _), v in last.items() if s == shard and r == "primary"]
        reps = [(m, v) for (s, r, m), v in last.items() if s == shard and r == "replica"]
        if not prim:
            unknown = True
            details["shards"][str(shard)] = {"note": "primary never observed"}
            continue
        p_op, p_map = prim[0]
        entry: dict[str, Any] = {"keys": len(p_map)}
        for member, (r_op, r_map) in reps:
            diff = _diff(p_map, r_map)
            if any(diff.values()):
                bad += [p_op.index, r_op.index]
                entry[member] = {k: v[:20] for k, v in diff.items()}
        details["shards"][str(shard)] = entry
    if bad:
        return CheckResult("convergence", Verdict.INVALID,
                           "a replica differs from its primary after healing", details,
                           tuple(sorted(bad)))
    if unknown:
        return CheckResult("convergence", Verdict.UNKNOWN, "some members were never observed",
                           details)
    return CheckResult("convergence", Verdict.VALID,
                       f"every replica equals its primary ({len(shards)} shards)", details)
