"""The register workload: GET/PUT/DEL on a few keys at a time, checked per key for
linearizability (register with delete).

Keys rotate: ``keys_at_once`` keys receive ``ops_per_key`` operations each, then the next
group starts (Jepsen's independent keys), which keeps every key's history small enough for the
search. Written values are unique across the run (the operation counter).
"""

from __future__ import annotations

import random

from smchaos.generator import Generator, Invocation, Once, Repeat, Seq
from smchaos.workloads.base import Workload


def register_key(n: int, rng: random.Random, keys_at_once: int, ops_per_key: int) -> str:
    """The key of the n-th operation."""
    group = n // (keys_at_once * ops_per_key)
    return f"r{group}-{rng.randrange(keys_at_once)}"


def register_ops(keys_at_once: int = 3, ops_per_key: int = 120) -> Generator:
    """Reads (50%), writes (35%) and deletes (15%)."""
    def one(rng: random.Random, n: int) -> Invocation:
        key = register_key(n, rng, keys_at_once, ops_per_key)
        roll = rng.random()
        if roll < 0.5:
            return Invocation("read", key)
        if roll < 0.85:
            return Invocation("write", key, n)
        return Invocation("delete", key)
    return Repeat(one)


def final_reads(keys: list[str]) -> Generator:
    """One read of every key, marked final."""
    return Seq(tuple(Once(Invocation("read", k, extra={"final": True})) for k in keys))


def register_workload(keys_at_once: int = 3, ops_per_key: int = 120) -> Workload:
    """The register workload."""
    return Workload("register", register_ops(keys_at_once, ops_per_key), final_reads)
