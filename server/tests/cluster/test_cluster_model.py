"""Random command sequences through the cluster agree with a dict model, key for key."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

from cluster_support import Client, Topology


async def run_worker(c: Client, worker: int, steps: int) -> None:
    """Each worker owns its keys, so its model predicts every reply exactly."""
    rng = random.Random(worker)
    model: dict[str, int] = {}
    keys = [f"m{worker}:{i}" for i in range(4)]
    history: list[tuple[str, bytes]] = []
    for step in range(steps):
        key = rng.choice(keys)
        roll = rng.random()
        if roll < 0.4:
            line = f"GET {key}"
            want = f"OK {key} {model[key]}" if key in model else "ERR key-value not found"
        elif roll < 0.7:
            model[key] = step
            line, want = f"PUT {key} {step}", "OK key-value written"
        elif roll < 0.85:
            line = f"INCR {key} 3"
            if key in model:
                model[key] += 3
                want = f"OK {key} {model[key]}"
            else:
                want = "ERR key-value not found"
        else:
            line = f"DEL {key}"
            want = "OK key-value deleted" if model.pop(key, None) is not None \
                else "ERR key-value not found"
        got = await c.cmd(line)
        history.append((line, got))
        assert got == want.encode(), (worker, step, line, got, history[-8:])


async def test_random_commands_match_a_dict_model(topology: Callable[..., Topology]) -> None:
    topo = topology()
    clients = [await topo.client() for _ in range(12)]
    await asyncio.wait_for(
        asyncio.gather(*(run_worker(c, w, 200) for w, c in enumerate(clients))), 60)
    for c in clients:
        await c.close()
