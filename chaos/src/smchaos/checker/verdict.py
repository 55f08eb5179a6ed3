"""Verdicts, check results and their composition.

A verdict is ``valid``, ``invalid`` or ``unknown``; composing verdicts takes the worst, with
*invalid beating unknown beating valid* (a checker that ran out of time never hides a failure
another checker found, and never passes for valid).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


class Verdict(enum.Enum):
    """The outcome of a check."""

    VALID = "valid"
    INVALID = "invalid"
    UNKNOWN = "unknown"

    @property
    def exit_code(self) -> int:
        """``smchaos check`` exit status: 0 valid, 1 invalid, 2 unknown."""
        return {Verdict.VALID: 0, Verdict.INVALID: 1, Verdict.UNKNOWN: 2}[self]

    @property
    def jepsen(self) -> bool | str:
        """Jepsen's ``:valid?`` spelling: ``true``, ``false`` or ``"unknown"``."""
        if self is Verdict.UNKNOWN:
            return "unknown"
        return self is Verdict.VALID


_RANK = {Verdict.VALID: 0, Verdict.UNKNOWN: 1, Verdict.INVALID: 2}


def compose(verdicts: Iterable[Verdict]) -> Verdict:
    """The worst verdict (valid when there are none)."""
    worst = Verdict.VALID
    for v in verdicts:
        if _RANK[v] > _RANK[worst]:
            worst = v
    return worst


@dataclass(frozen=True)
class CheckResult:
    """What one checker concluded.

    ``counterexample`` holds op indices (of invocations and completions) that show the
    problem, smallest window first; ``details`` is free-form JSON-able data.
    """

    checker: str
    verdict: Verdict
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    counterexample: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """JSON form used in ``results.json``."""
        return {
            "checker": self.checker, "verdict": self.verdict.value,
            "valid": self.verdict.jepsen, "summary": self.summary,
            "counterexample": list(self.counterexample), "details": self.details,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> CheckResult:
        """Inverse of :meth:`to_json`."""
        return cls(obj["checker"], Verdict(obj["verdict"]), obj.get("summary", ""),
                   dict(obj.get("details", {})), tuple(obj.get("counterexample", ())))


class Budget:
    """A time budget for a search. The clock is passed in (seconds, monotonic)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.seconds = seconds
        self.deadline = clock() + seconds

    def exceeded(self) -> bool:
        """Whether the budget is spent."""
        return self._clock() >= self.deadline

    def remaining_s(self) -> float:
        """Seconds left (never negative)."""
        return max(0.0, self.deadline - self._clock())

    def share(self, parts: int) -> Budget:
        """A budget of an equal share of what is left, on the same clock (unused time stays
        with this budget for the next share)."""
        return Budget(self.remaining_s() / max(1, parts), self._clock)

    @classmethod
    def unlimited(cls) -> Budget:
        """A budget that never runs out."""
        return cls(float("inf"), lambda: 0.0)
