"""One history operation: an invocation or a completion, as stored in ``history.jsonl``.

The JSON form is one object per line::

    {"index": 0, "time": 1500, "process": 3, "type": "invoke", "f": "write", "key": "k1",
     "value": 7}

``type`` is ``invoke``, ``ok`` (took effect), ``fail`` (certainly did not take effect) or
``info`` (indeterminate). ``process`` is an integer for a client process, ``"nemesis"`` for a
fault and ``"observer"`` for the harness's own final reads. Extra fields (``error``, ``node``,
...) are kept in :attr:`Op.extra`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any, Literal

OpType = Literal["invoke", "ok", "fail", "info"]
Process = int | str
OP_TYPES: tuple[str, ...] = ("invoke", "ok", "fail", "info")
NEMESIS = "nemesis"
OBSERVER = "observer"
_CORE = ("index", "time", "process", "type", "f", "key", "value")


class HistoryError(ValueError):
    """A history line or sequence that does not follow the format."""


@dataclass(frozen=True, slots=True)
class Op:
    """An immutable history entry. ``time`` is nanoseconds since the start of the run."""

    index: int
    time: int
    process: Process
    type: OpType
    f: str
    key: str | None = None
    value: Any = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_client(self) -> bool:
        """Whether the op comes from a client process (not the nemesis or the observer)."""
        return isinstance(self.process, int)

    def with_index(self, index: int) -> Op:
        """A copy renumbered to ``index``."""
        return replace(self, index=index)

    def to_json(self) -> dict[str, Any]:
        """The JSON object of this op (core fields first, then extras)."""
        out: dict[str, Any] = {
            "index": self.index, "time": self.time, "process": self.process,
            "type": self.type, "f": self.f, "key": self.key, "value": self.value,
        }
        for name, value in self.extra.items():
            if name not in out:
                out[name] = value
        return out

    def to_line(self) -> str:
        """One JSON Lines line (no newline)."""
        return json.dumps(self.to_json(), separators=(",", ":"), sort_keys=False)

    @classmethod
    def from_json(cls, obj: Any, where: str = "op") -> Op:
        """Parse a JSON object; raise :class:`HistoryError` naming ``where`` on bad input."""
        if not isinstance(obj, dict):
            raise HistoryError(f"{where}: expected a JSON object")
        for name in ("time", "process", "type", "f"):
            if name not in obj:
                raise HistoryError(f"{where}: missing field {name!r}")
        index, time_ns = obj.get("index", -1), obj["time"]
        if not isinstance(index, int) or isinstance(index, bool):
            raise HistoryError(f"{where}: index must be an integer")
        if not isinstance(time_ns, int) or isinstance(time_ns, bool):
            raise HistoryError(f"{where}: time must be an integer (nanoseconds)")
        process = obj["process"]
        if isinstance(process, bool) or not isinstance(process, int | str):
            raise HistoryError(f"{where}: process must be an integer or a string")
        if obj["type"] not in OP_TYPES:
            raise HistoryError(f"{where}: type must be one of {', '.join(OP_TYPES)}")
        if not isinstance(obj["f"], str):
            raise HistoryError(f"{where}: f must be a string")
        key = obj.get("key")
        if key is not None and not isinstance(key, str):
            raise HistoryError(f"{where}: key must be a string or null")
        extra = {k: v for k, v in obj.items() if k not in _CORE}
        return cls(index, time_ns, process, obj["type"], obj["f"], key, obj.get("value"), extra)
