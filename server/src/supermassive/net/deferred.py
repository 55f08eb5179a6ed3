"""A reply that its producer fills in later, handed on by synchronous callbacks.

:class:`Deferred` is the light form of :class:`asyncio.Future` for the fast paths whose replies
come from a callback (the cluster's GET, PUT and DEL, completed by its links' reply callbacks).
It has the part of the future API that the connection layer and the producers use (``done``,
``cancelled``, ``result``, ``exception``, ``set_result``, ``cancel``, ``add_done_callback``,
``await``), with one difference: its callbacks run *at once*, inside ``set_result`` or ``cancel``,
not in a later event-loop iteration. A GET's reply therefore leaves in the same I/O callback that
read the last member's answer: no event-loop handle, no extra iteration, no running-loop lookup
(on CPython 3.11 every ``asyncio.get_running_loop()`` is a ``getpid`` system call).

A callback that raises is logged and does not stop the others, as with a future. Awaiting a
pending :class:`Deferred` makes one real future then (the general paths await, the fast paths
do not).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Generator
from typing import Any

log = logging.getLogger("supermassive.net")

_PENDING = 0
_DONE = 1
_CANCELLED = 2


class Deferred:
    """One reply's bytes, set once; callbacks are called synchronously when it is set."""

    __slots__ = ("_callbacks", "_result", "_state")

    def __init__(self) -> None:
        self._state = _PENDING
        self._result = b""
        self._callbacks: list[Callable[[Deferred], None]] | None = None

    def done(self) -> bool:
        """Whether it has a result or was cancelled."""
        return self._state != _PENDING

    def cancelled(self) -> bool:
        """Whether it was cancelled (its consumer went away)."""
        return self._state == _CANCELLED

    def result(self) -> bytes:
        """The reply bytes; :class:`asyncio.CancelledError` if cancelled,
        :class:`asyncio.InvalidStateError` if not done yet."""
        if self._state == _DONE:
            return self._result
        if self._state == _CANCELLED:
            raise asyncio.CancelledError
        raise asyncio.InvalidStateError("result is not set")

    def exception(self) -> None:
        """Always ``None`` once done (a :class:`Deferred` carries bytes, never an error);
        raises as :meth:`result` does when cancelled or not done."""
        self.result()
        return None

    def set_result(self, data: bytes) -> None:
        """Set the reply and run every callback now; :class:`asyncio.InvalidStateError` if it
        is already done."""
        if self._state != _PENDING:
            raise asyncio.InvalidStateError("the reply is already set")
        self._result = data
        self._state = _DONE
        self._run_callbacks()

    def cancel(self) -> bool:
        """Cancel it (the consumer went away) and run every callback now; ``False`` if it was
        already done."""
        if self._state != _PENDING:
            return False
        self._state = _CANCELLED
        self._run_callbacks()
        return True

    def add_done_callback(self, callback: Callable[[Deferred], None]) -> None:
        """Call ``callback(self)`` when it is done: at once if it already is."""
        if self._state != _PENDING:
            _call(callback, self)
            return
        if self._callbacks is None:
            self._callbacks = [callback]
        else:
            self._callbacks.append(callback)

    def _run_callbacks(self) -> None:
        callbacks, self._callbacks = self._callbacks, None
        if callbacks is not None:
            for callback in callbacks:
                _call(callback, self)

    def __await__(self) -> Generator[Any, None, bytes]:
        if self._state == _PENDING:
            waiter: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
            self.add_done_callback(lambda d: _settle(waiter, d))
            return (yield from waiter.__await__())
        return self.result()


def _call(callback: Callable[[Deferred], None], deferred: Deferred) -> None:
    try:
        callback(deferred)
    except Exception:
        log.exception("reply callback failed")


def _settle(waiter: asyncio.Future[bytes], deferred: Deferred) -> None:
    """Copy a done :class:`Deferred` into the future of a coroutine awaiting it."""
    if waiter.done():  # the awaiting task was cancelled
        return
    if deferred.cancelled():
        waiter.cancel()
    else:
        waiter.set_result(deferred.result())


__all__ = ["Deferred"]
