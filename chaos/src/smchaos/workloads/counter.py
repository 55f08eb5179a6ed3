"""The counter workload: INCR/DECR with reads on a rotating counter key.

Each key ``c<group>`` is first written 0, then receives increments of 1..5 (a third of them
negative, sent as DECR) and reads. Checked by the counter bounds checker (every read, and the
final reads after healing, within what acknowledged and indeterminate increments allow) and by
linearizability against the counter model.
"""

from __future__ import annotations

import random

from smchaos.generator import Generator, Invocation, Repeat
from smchaos.workloads.base import Workload
from smchaos.workloads.register import final_reads


def counter_ops(ops_per_key: int = 400) -> Generator:
    """Initial write, then 70% increments and 30% reads."""
    def one(rng: random.Random, n: int) -> Invocation:
        key = f"c{n // ops_per_key}"
        if n % ops_per_key == 0:
            return Invocation("write", key, 0)
        if rng.random() < 0.3:
            return Invocation("read", key)
        delta = rng.randint(1, 5) * (-1 if rng.random() < 0.33 else 1)
        return Invocation("incr", key, delta)
    return Repeat(one)


def counter_workload(ops_per_key: int = 400) -> Workload:
    """The counter workload."""
    return Workload("counter", counter_ops(ops_per_key), final_reads)
