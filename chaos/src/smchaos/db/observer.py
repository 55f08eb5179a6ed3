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
from collections.abc import Sequence
from typing import Any

from smchaos.client.kv import parse_value
from smchaos.db.topology import LocalTopology, Member
from smchaos.history import OBSERVER, Recorder
from smclient import AsyncClient, Retry
from smclient.exceptions import SuperMassiveError, UnexpectedReplyError


def parse_vregx(lines: Sequence[str | bytes]) -> dict[str, Any]:
    """``{key: [version, value-or-None]}`` from a VREGX (or REGX) reply body."""
    out: dict[str, Any] = {}
    for raw in lines:
        text = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
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
    """Every key a member holds (tombstones included when it speaks VREGX).

    One connection (NAUTH with the shared key), no retries. Raises a
    :class:`~smclient.SuperMassiveError` when the member cannot be read."""
    client = AsyncClient(
        member.process.host, member.process.port, shared_key=shared_key,
        connect_timeout_s=timeout_s, timeout_s=timeout_s, max_connections=1,
        retry=Retry.never(),
    )
    try:
        reply = await client.execute_raw("VREGX .*")
        if not reply.ok:
            reply = await client.execute_raw("REGX .*")
        if not reply.ok:
            raise UnexpectedReplyError(reply.text)
        return parse_vregx(reply.lines)
    finally:
        await client.close()


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
            except (SuperMassiveError, OSError, ValueError) as exc:
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
