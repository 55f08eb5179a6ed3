"""Run directories: ``<store>/<name>/<timestamp>/`` with the spec, history, results, report
and every node's log (``logs/<member>.log``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from smchaos.checker import CheckResult
from smchaos.history import Op, read_history


@dataclass(frozen=True)
class RunDir:
    """The files of one run."""

    path: Path

    @property
    def spec(self) -> Path:
        """``spec.json``: how the run was asked for."""
        return self.path / "spec.json"

    @property
    def history(self) -> Path:
        """``history.jsonl``."""
        return self.path / "history.jsonl"

    @property
    def results(self) -> Path:
        """``results.json``: the checkers' verdicts."""
        return self.path / "results.json"

    @property
    def report(self) -> Path:
        """``report.html``."""
        return self.path / "report.html"

    @property
    def logs(self) -> Path:
        """``logs/``: one file per server process."""
        return self.path / "logs"

    @property
    def db(self) -> Path:
        """``db/``: the processes' working directories (configs, journals)."""
        return self.path / "db"

    def write_spec(self, spec: dict[str, Any]) -> None:
        """Write ``spec.json``."""
        self.spec.write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n")

    def read_spec(self) -> dict[str, Any]:
        """Read ``spec.json`` (empty when missing)."""
        if not self.spec.exists():
            return {}
        data: dict[str, Any] = json.loads(self.spec.read_text())
        return data

    def write_results(self, verdict: str, results: list[CheckResult]) -> None:
        """Write ``results.json``."""
        body = {"verdict": verdict, "checkers": [r.to_json() for r in results]}
        self.results.write_text(json.dumps(body, indent=2) + "\n")

    def read_results(self) -> tuple[str, list[CheckResult]]:
        """Read ``results.json``."""
        data = json.loads(self.results.read_text())
        return data["verdict"], [CheckResult.from_json(c) for c in data["checkers"]]

    def read_history(self) -> list[Op]:
        """Read ``history.jsonl``."""
        return read_history(self.history)


def new_run_dir(store: Path, name: str, now: datetime | None = None) -> RunDir:
    """Create a fresh ``<store>/<name>/<timestamp>/`` directory."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S.%fZ")
    path = store / name / stamp
    path.mkdir(parents=True, exist_ok=False)
    return RunDir(path)
