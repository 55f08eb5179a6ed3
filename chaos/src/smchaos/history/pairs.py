"""Pairing invocations with their completions, validating a history, and completing it.

Rules checked (``docs/chaos/history-format.md``): a process has at most one operation in
flight; a completion matches the process's open invocation (same ``f`` and ``key``); a process
whose operation ended ``info`` never issues again; indices are strictly increasing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smchaos.history.op import HistoryError, Op, Process


@dataclass(frozen=True, slots=True)
class Pair:
    """An invocation and its completion (``None`` while still open)."""

    invoke: Op
    completion: Op | None

    @property
    def type(self) -> str:
        """``ok``, ``fail``, ``info``, or ``open`` when there is no completion."""
        return self.completion.type if self.completion is not None else "open"

    @property
    def f(self) -> str:
        """The operation's function."""
        return self.invoke.f

    @property
    def key(self) -> str | None:
        """The key the operation touches."""
        return self.invoke.key

    @property
    def process(self) -> Process:
        """The process that issued it."""
        return self.invoke.process

    @property
    def call_ns(self) -> int:
        """When it was invoked."""
        return self.invoke.time

    @property
    def return_ns(self) -> int | None:
        """When it completed with a known outcome; ``None`` for info or open ops."""
        if self.completion is None or self.completion.type == "info":
            return None
        return self.completion.time

    @property
    def end_ns(self) -> int | None:
        """When the completion was recorded, whatever its type."""
        return self.completion.time if self.completion is not None else None

    @property
    def input(self) -> Any:
        """The value the operation was invoked with (write value, increment delta)."""
        return self.invoke.value

    @property
    def output(self) -> Any:
        """The value the completion carries (what a read saw, a counter's new value)."""
        return self.completion.value if self.completion is not None else None


def pair_ops(ops: list[Op]) -> list[Pair]:
    """Pair every invocation with its completion, in invocation order. Raises on bad input."""
    open_by_process: dict[Process, int] = {}
    retired: set[Process] = set()
    invokes: list[Op] = []
    completions: dict[int, Op] = {}
    last_index = -1
    for op in ops:
        if op.index <= last_index:
            raise HistoryError(f"op {op.index}: indices must increase (after {last_index})")
        last_index = op.index
        if op.type == "invoke":
            if op.process in open_by_process:
                raise HistoryError(
                    f"op {op.index}: process {op.process} invoked while op "
                    f"{invokes[open_by_process[op.process]].index} is still open")
            if op.process in retired:
                raise HistoryError(
                    f"op {op.index}: process {op.process} issued again after an info")
            open_by_process[op.process] = len(invokes)
            invokes.append(op)
            continue
        slot = open_by_process.pop(op.process, None)
        if slot is None:
            raise HistoryError(f"op {op.index}: {op.type} of process {op.process} "
                               "without an open invocation")
        inv = invokes[slot]
        if inv.f != op.f or inv.key != op.key:
            raise HistoryError(f"op {op.index}: completion {op.f} {op.key} does not match "
                               f"invocation {inv.index} ({inv.f} {inv.key})")
        if op.time < inv.time:
            raise HistoryError(f"op {op.index}: completes before its invocation")
        completions[slot] = op
        if op.type == "info" and isinstance(op.process, int):
            retired.add(op.process)
    return [Pair(inv, completions.get(i)) for i, inv in enumerate(invokes)]


def complete(ops: list[Op], end_ns: int | None = None) -> list[Op]:
    """Return ``ops`` with an ``info`` completion appended for every open invocation.

    The added completions are stamped ``end_ns`` (default: the last op's time) and carry
    ``"error": "open at end of history"``.
    """
    pairs = pair_ops(ops)
    out = list(ops)
    end = end_ns if end_ns is not None else (ops[-1].time if ops else 0)
    index = (ops[-1].index + 1) if ops else 0
    for p in pairs:
        if p.completion is None:
            inv = p.invoke
            out.append(Op(index, max(end, inv.time), inv.process, "info", inv.f, inv.key,
                          inv.value if inv.f != "read" else None,
                          {"error": "open at end of history"}))
            index += 1
    return out


def client_pairs(pairs: list[Pair]) -> list[Pair]:
    """Only the pairs of client processes (integer process ids)."""
    return [p for p in pairs if p.invoke.is_client]


def by_key(pairs: list[Pair]) -> dict[str, list[Pair]]:
    """Client pairs grouped by key (ops without a key are left out)."""
    out: dict[str, list[Pair]] = {}
    for p in client_pairs(pairs):
        if p.key is not None:
            out.setdefault(p.key, []).append(p)
    return out
