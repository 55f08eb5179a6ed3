"""The set workload: unique PUTs (``s<n>`` = n), then a final ``REGX ^s[0-9]+$`` read.

The final read is tried a few times, a second apart, so one unavailable shard right after
healing does not leave the run without a verdict; the checker uses the last acknowledged one.
"""

from __future__ import annotations

import random

from smchaos.generator import Generator, Invocation, Once, Repeat, Seq, Sleep
from smchaos.workloads.base import Workload

SET_PATTERN = "^s[0-9]+$"


def set_ops() -> Generator:
    """Unique writes."""
    def one(rng: random.Random, n: int) -> Invocation:
        return Invocation("write", f"s{n}", n)
    return Repeat(one)


def final_set_reads(keys: list[str], attempts: int = 3) -> Generator:
    """``attempts`` REGX reads of the whole set, one second apart."""
    read = Invocation("read", None, extra={"final": True, "pattern": SET_PATTERN})
    steps: list[Generator] = []
    for i in range(attempts):
        if i:
            steps.append(Sleep(1_000_000_000))
        steps.append(Once(read))
    return Seq(tuple(steps))


def set_workload() -> Workload:
    """The set workload."""
    return Workload("set", set_ops(), final_set_reads)
