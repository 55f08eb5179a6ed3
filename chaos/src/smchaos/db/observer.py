"""The observer: reads every primary and replica directly, as an internal peer.

Each member is read with ``NAUTH`` and ``VREGX .*`` (``<key> V <version> <value>`` or
``<key> D <version>`` per line), falling back to ``REGX .*`` (no versions) when the member
does not know ``VREGX``. Every read is recorded as an ``observer`` op whose value maps each key
to ``[version, value]`` (``value`` null for a tombstone). Reads repeat, a second apart, until
every replica equals its primary or the deadline passes.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from smchaos.client.kv import parse_value
from smchaos.client.line import LineConnection, LinkError
from smchaos.db.topology import LocalTopology, Member
from smchaos.history import OBSERVER, Recorder


def parse_vregx(lines: list[bytes]) -> dict[str, Any]:
    """``{key: [version, value-or-None]}`` from a VREGX (or REGX) reply body."""
    out: dict[str, Any] = {}
    for raw in lines:
        text = raw.decode(errors="replace")
        key, _, rest = text.partition(" ")
        kind, _, rest2 = rest.partition(" ")
        if kind == "V":
            version, _, value = rest2.partition(" ")
            out[key] = [int(version) if version.isdigit() else version, parse_value(value)]
        elif kind == "D":
            out[key] = [int(rest2) if rest2.isdigit() else rest2, None]
        else:
            out[key] = [None, parse_value(rest)]
    return out


async def read_member(member: Member, shared_key: str, timeout_s: float = 5.0) -> dict[str, Any]:
    """Every key a member holds (tombstones included when it speaks VREGX)."""
    conn = LineConnection(member.process.host, member.process.port, connect_timeout_s=timeout_s)
    try:
        await conn.nauth(shared_key, timeout_s)
        reply = await conn.call("VREGX .*", multi=True, timeout_s=timeout_s)
        if isinstance(reply, bytes):
            reply = await conn.call("REGX .*", multi=True, timeout_s=timeout_s)
        if isinstance(reply, bytes):
            raise LinkError(reply.decode(errors="replace"))
        return parse_vregx(reply[1:])
    finally:
        await conn.close()


async def observe(db: LocalTopology, recorder: Recorder, deadline_s: float = 30.0) -> bool:
    """Observe until converged or ``deadline_s``; return whether every shard converged."""
    deadline = time.monotonic() + deadline_s
    members = db.primaries() + db.replicas()
    while True:
        seen: dict[str, dict[str, Any] | None] = {}
        for m in members:
            extra = {"shard": m.shard, "role": "primary" if m.role == "node" else "replica",
                     "address": m.address}
            recorder.record(OBSERVER, "invoke", "read", m.name, None, extra)
            try:
                snap = await read_member(m, db.spec.shared_key)
            except (LinkError, OSError, ValueError) as exc:
                recorder.record(OBSERVER, "fail", "read", m.name, None,
                                {**extra, "error": str(exc)})
                seen[m.name] = None
                continue
            recorder.record(OBSERVER, "ok", "read", m.name, snap, extra)
            seen[m.name] = snap
        converged = all(
            seen.get(f"primary-{i}") is not None
            and seen.get(f"primary-{i}") == seen.get(f"replica-{i}")
            for i in range(len(db.primaries())))
        if converged or time.monotonic() >= deadline:
            return converged
        await asyncio.sleep(1.0)
