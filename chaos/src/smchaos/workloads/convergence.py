"""The replica-convergence workload: writes and deletes on a fixed set of keys during the
faults; after healing, the harness reads every primary and replica directly and the checker
compares each replica with its primary. Client operations are also checked for
linearizability as registers."""

from __future__ import annotations

import random

from smchaos.generator import Generator, Invocation, Repeat
from smchaos.workloads.base import Workload
from smchaos.workloads.register import final_reads


def convergence_ops(keys: int = 40) -> Generator:
    """Writes (60%), deletes (20%) and reads (20%) on ``v0..v<keys-1>``."""
    def one(rng: random.Random, n: int) -> Invocation:
        key = f"v{rng.randrange(keys)}"
        roll = rng.random()
        if roll < 0.6:
            return Invocation("write", key, n)
        if roll < 0.8:
            return Invocation("delete", key)
        return Invocation("read", key)
    return Repeat(one)


def convergence_workload(keys: int = 40) -> Workload:
    """The replica-convergence workload."""
    return Workload("replica-convergence", convergence_ops(keys), final_reads, observe=True)
