"""The limit on commands forwarded at once (``max-concurrent-requests``)."""

from __future__ import annotations

import asyncio

import pytest

from supermassive.cluster.slots import Slots


def test_slots_are_taken_without_waiting_up_to_the_limit() -> None:
    slots = Slots(2)
    assert slots.try_take() and slots.try_take()
    assert not slots.try_take()
    slots.give()
    assert slots.try_take()
    assert slots.used == 2
    with pytest.raises(ValueError):
        Slots(0)


async def test_waiters_get_slots_first_come_first_served_and_newcomers_queue() -> None:
    slots = Slots(1)
    assert slots.try_take()
    order: list[str] = []

    async def waiter(name: str) -> None:
        await slots.take()
        order.append(name)

    first = asyncio.create_task(waiter("first"))
    await asyncio.sleep(0)
    second = asyncio.create_task(waiter("second"))
    await asyncio.sleep(0)
    slots.give()
    assert not slots.try_take()  # handed to the first waiter, not to a newcomer
    await asyncio.wait_for(first, 5)
    slots.give()
    await asyncio.wait_for(second, 5)
    assert order == ["first", "second"]
    slots.give()
    assert slots.used == 0


async def test_a_cancelled_waiter_never_keeps_or_loses_a_slot() -> None:
    slots = Slots(1)
    assert slots.try_take()
    gone = asyncio.create_task(slots.take())
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.sleep(0)
    slots.give()
    assert slots.used == 0
    # Cancelled just as the slot was handed over: it is passed on, not leaked.
    assert slots.try_take()
    late = asyncio.create_task(slots.take())
    await asyncio.sleep(0)
    slots.give()  # hands the slot to ``late``
    late.cancel()
    with pytest.raises(asyncio.CancelledError):
        await late
    assert slots.used == 0
