"""Which members a configuration names, and what a reload changes (pure).

A member is identified by its role in the topology and its address: ``("primary",
"10.0.0.1:4001")`` or ``("replica", "10.0.0.2:4002")``. On ``RCNF`` the cluster keeps every
member whose identity *and* link settings are unchanged (its connections stay up), opens the
new ones and closes the ones that are gone, including replica changes under a primary that
stays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from supermassive.config import LinkConfig, ShardConfig

PRIMARY = "primary"
REPLICA = "replica"

MemberKey = tuple[str, str]
"""``(kind, address)``: kind is ``"primary"`` or ``"replica"``."""


@dataclass(frozen=True, slots=True)
class Change:
    """What a reload does to the members."""

    keep: tuple[MemberKey, ...]
    add: tuple[tuple[MemberKey, LinkConfig], ...]
    remove: tuple[MemberKey, ...]

    @property
    def empty(self) -> bool:
        """Whether nothing is added or removed."""
        return not self.add and not self.remove


def members_of(shards: Sequence[ShardConfig]) -> dict[MemberKey, LinkConfig]:
    """Every member of ``shards`` in config order (primaries before their replicas)."""
    out: dict[MemberKey, LinkConfig] = {}
    for shard in shards:
        out[(PRIMARY, shard.node.server_address)] = shard.node
        for replica in shard.replicas:
            out[(REPLICA, replica.server_address)] = replica
    return out


def problem(shards: Sequence[ShardConfig]) -> str | None:
    """Why ``shards`` cannot be used (an address listed twice), or ``None``."""
    seen: set[str] = set()
    for i, shard in enumerate(shards):
        addresses = [shard.node.server_address] + [r.server_address for r in shard.replicas]
        for address in addresses:
            if address in seen:
                return f"node-configs[{i}]: member {address} is listed more than once"
            seen.add(address)
    return None


def diff(old: Mapping[MemberKey, LinkConfig], new: Sequence[ShardConfig]) -> Change:
    """The change from the members ``old`` to the configuration ``new``."""
    wanted = members_of(new)
    keep = tuple(k for k, cfg in wanted.items() if old.get(k) == cfg)
    add = tuple((k, cfg) for k, cfg in wanted.items() if old.get(k) != cfg)
    kept = set(keep)
    remove = tuple(k for k in old if k not in kept)
    return Change(keep, add, remove)
