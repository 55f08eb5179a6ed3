"""Network partitions through the link proxies.

Each ``start-partition`` picks one shape with the seeded random:

* ``isolate``: one member (cluster, a primary or a replica) loses every link;
* ``primaries``: a random non-empty set of primaries is cut from the cluster (primary to
  replica streaming goes on);
* ``bridge``: one shard's primary is cut from the cluster, while the cluster still reaches the
  replica and the replica still hears from its primary (the replica bridges the two sides).

The topology cuts each pair of members: in proxy mode by holding both directions of the
proxies between them (nothing is forwarded, connections stay open and bytes wait: see
:meth:`smclient.testing.FaultProxy.hold`), in namespace mode with iptables rules.
``stop-partition`` heals every cut.
"""

from __future__ import annotations

import random

from smchaos.client.base import Outcome
from smchaos.db.topology import LocalTopology
from smchaos.generator import Invocation

SHAPES = ("isolate", "primaries", "bridge")


class PartitionNemesis:
    """Starts and heals partitions of a :class:`LocalTopology`."""

    faults = ("partition",)

    def __init__(self, db: LocalTopology, rng: random.Random) -> None:
        self.db = db
        self.rng = rng
        self.active = False

    def _choose(self) -> tuple[str, list[tuple[str, str]], str]:
        shape = self.rng.choice(SHAPES)
        primaries = [m.name for m in self.db.primaries()]
        if shape == "isolate":
            victim = self.rng.choice(sorted(self.db.members))
            return shape, [(victim, m) for m in sorted(self.db.members) if m != victim], victim
        if shape == "primaries":
            cut = sorted(self.rng.sample(primaries, self.rng.randint(1, len(primaries))))
            return shape, [("cluster", p) for p in cut], ",".join(cut)
        victim = self.rng.choice(primaries)
        return shape, [("cluster", victim)], victim

    async def invoke(self, invocation: Invocation) -> Outcome:
        """``start-partition`` or ``stop-partition``."""
        if invocation.f == "start-partition":
            await self.heal()
            shape, pairs, target = self._choose()
            self.active = True
            links = await self.db.cut(pairs)
            return Outcome("ok", {"shape": shape, "target": target, "links": links})
        if invocation.f == "stop-partition":
            await self.heal()
            return Outcome("ok", {"healed": True})
        return Outcome("fail", None, f"unknown nemesis op {invocation.f}")

    async def heal(self) -> None:
        """Reconnect every link this nemesis cut."""
        if self.active:
            await self.db.heal_network()
        self.active = False
