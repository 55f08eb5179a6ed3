"""An in-memory system for interpreter tests: atomic (linearizable) or deliberately stale."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from smchaos.client import Outcome
from smchaos.generator import Invocation


class MemoryStore:
    """A dict with an optional bug: reads return the value before the latest write."""

    def __init__(self, stale: bool = False, seed: int = 0) -> None:
        self.data: dict[str, Any] = {}
        self.previous: dict[str, Any] = {}
        self.stale = stale
        self.rng = random.Random(seed)

    def apply(self, inv: Invocation) -> Outcome:
        key = inv.key or ""
        if inv.f == "read":
            source = self.previous if self.stale else self.data
            return Outcome("ok", source.get(key))
        if inv.f == "write":
            self.previous[key] = self.data.get(key)
            self.data[key] = inv.value
            return Outcome("ok", inv.value)
        if inv.f == "delete":
            self.previous[key] = self.data.get(key)
            self.data.pop(key, None)
            return Outcome("ok")
        if inv.f == "incr":
            if key not in self.data:
                return Outcome("fail", None, "ERR key-value not found")
            self.data[key] += inv.value
            return Outcome("ok", self.data[key])
        return Outcome("fail", None, "unknown")


class MemoryClient:
    """Sleeps a little before and after applying the operation atomically."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def invoke(self, invocation: Invocation) -> Outcome:
        await asyncio.sleep(self.store.rng.uniform(0, 0.002))
        out = self.store.apply(invocation)
        await asyncio.sleep(self.store.rng.uniform(0, 0.002))
        return out

    async def close(self) -> None:
        return None


class MemoryFactory:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def open(self, process: int) -> MemoryClient:
        return MemoryClient(self.store)
