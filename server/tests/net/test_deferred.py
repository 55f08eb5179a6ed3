"""Deferred: a reply set once, whose callbacks run at once (no event loop between the producer
and the connection that writes the reply)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from supermassive.net.deferred import Deferred


def test_callbacks_run_inside_set_result_in_the_order_added() -> None:
    d = Deferred()
    seen: list[tuple[str, bytes]] = []
    d.add_done_callback(lambda x: seen.append(("first", x.result())))
    d.add_done_callback(lambda x: seen.append(("second", x.result())))
    assert not d.done() and seen == []
    d.set_result(b"OK\r\n")
    assert seen == [("first", b"OK\r\n"), ("second", b"OK\r\n")]
    assert d.done() and not d.cancelled() and d.exception() is None


def test_a_callback_added_when_done_runs_at_once() -> None:
    d = Deferred()
    d.set_result(b"x")
    seen: list[bytes] = []
    d.add_done_callback(lambda x: seen.append(x.result()))
    assert seen == [b"x"]


def test_it_is_set_once() -> None:
    d = Deferred()
    d.set_result(b"a")
    with pytest.raises(asyncio.InvalidStateError):
        d.set_result(b"b")
    assert d.cancel() is False and d.result() == b"a"


def test_a_result_before_it_is_set_is_an_error() -> None:
    with pytest.raises(asyncio.InvalidStateError):
        Deferred().result()


def test_cancel_runs_the_callbacks_and_result_then_raises() -> None:
    d = Deferred()
    seen: list[bool] = []
    d.add_done_callback(lambda x: seen.append(x.cancelled()))
    assert d.cancel() is True
    assert seen == [True] and d.done()
    with pytest.raises(asyncio.CancelledError):
        d.result()
    with pytest.raises(asyncio.InvalidStateError):
        d.set_result(b"late")  # the producer must check done() first, as with a future


def test_a_failing_callback_is_logged_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    d = Deferred()
    seen: list[bytes] = []

    def boom(_: Deferred) -> None:
        raise RuntimeError("boom")

    d.add_done_callback(boom)
    d.add_done_callback(lambda x: seen.append(x.result()))
    with caplog.at_level(logging.ERROR, logger="supermassive.net"):
        d.set_result(b"v")
    assert seen == [b"v"]
    assert "reply callback failed" in caplog.text


async def test_awaiting_gives_the_result_set_later() -> None:
    d = Deferred()
    loop = asyncio.get_running_loop()
    loop.call_soon(d.set_result, b"later")
    assert await d == b"later"
    assert await d == b"later"  # done: no future needed


async def test_awaiting_a_cancelled_one_raises_cancelled() -> None:
    d = Deferred()
    asyncio.get_running_loop().call_soon(d.cancel)
    with pytest.raises(asyncio.CancelledError):
        await d


async def test_a_cancelled_waiter_does_not_break_the_producer() -> None:
    d = Deferred()
    waiter = asyncio.ensure_future(asyncio.wait_for(d, 0.01))
    with pytest.raises(asyncio.TimeoutError):
        await waiter
    d.set_result(b"too late")  # no InvalidStateError from the abandoned waiter's future
    assert d.result() == b"too late"
