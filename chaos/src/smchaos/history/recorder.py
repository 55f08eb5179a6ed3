"""The recorder: numbers operations, stamps them, keeps them and streams them to a file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from smchaos.history.jsonl import HistoryWriter
from smchaos.history.op import Op, OpType, Process


class Recorder:
    """Appends ops to the history. ``clock_ns`` gives nanoseconds since the run started."""

    def __init__(self, clock_ns: Callable[[], int], writer: HistoryWriter | None = None) -> None:
        self._clock_ns = clock_ns
        self._writer = writer
        self.ops: list[Op] = []
        self.counts: Counter[str] = Counter()

    def record(self, process: Process, type: OpType, f: str, key: str | None, value: Any,
               extra: Mapping[str, Any] | None = None) -> Op:
        """Record one op now and return it."""
        op = Op(len(self.ops), self._clock_ns(), process, type, f, key, value, dict(extra or {}))
        self.ops.append(op)
        if isinstance(process, int):
            self.counts[type] += 1
        if self._writer is not None:
            self._writer.write(op)
        return op
