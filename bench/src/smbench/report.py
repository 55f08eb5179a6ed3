"""Results as a table (rich) and as JSON, for single runs and A/B comparisons."""

from __future__ import annotations

import datetime
import json
import platform
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from smbench.options import BenchOptions
from smbench.runner import RunResult


@dataclass
class Comparison:
    """Alternating rounds against A (``--host/--port``) and B (``--compare``)."""

    a: list[RunResult]
    b: list[RunResult]

    @staticmethod
    def _median(runs: list[RunResult], figure: str) -> float:
        values = [r.ops_per_sec if figure == "ops_per_sec" else r.latency_us()[figure]
                  for r in runs if r.ok]
        return statistics.median(values) if values else 0.0

    def summary(self) -> dict[str, Any]:
        """Median figures per target and the ratios B/A."""
        out: dict[str, Any] = {}
        for name, runs in (("A", self.a), ("B", self.b)):
            out[name] = {"target": runs[0].target if runs else "",
                         "ops_per_sec": self._median(runs, "ops_per_sec"),
                         "p50_us": self._median(runs, "p50"), "p99_us": self._median(runs, "p99"),
                         "p999_us": self._median(runs, "p999"),
                         "errors": sum(r.errors for r in runs)}
        ratio = {}
        for figure in ("ops_per_sec", "p50_us", "p99_us", "p999_us"):
            a, b = out["A"][figure], out["B"][figure]
            ratio[figure] = round(b / a, 3) if a else None
        out["ratio_b_over_a"] = ratio
        return out

    @property
    def errors(self) -> int:
        """Errors over every round."""
        return sum(r.errors for r in self.a + self.b)


def _row(table: Table, label: str, r: RunResult) -> None:
    lat = r.latency_us()
    table.add_row(label, r.target, f"{r.ops:,}", f"{r.ops_per_sec:,.0f}", f"{lat['p50']:,.0f}",
                  f"{lat['p99']:,.0f}", f"{lat['p999']:,.0f}", f"{lat['max']:,.0f}",
                  str(r.errors) if r.errors == 0 else f"[bold red]{r.errors}[/]")


def _table(title: str) -> Table:
    table = Table(title=title)
    for col in ("run", "target", "ops", "ops/s", "p50 µs", "p99 µs", "p99.9 µs", "max µs",
                "errors"):
        table.add_column(col, justify="left" if col in ("run", "target") else "right")
    return table


def _title(opts: BenchOptions) -> str:
    return (f"smbench {opts.workload} over {opts.protocol}: {opts.connections} connections, "
            f"pipeline {opts.pipeline}, {opts.processes} processes, {opts.duration_s:g}s")


def _print_errors(console: Console, runs: list[RunResult]) -> None:
    for r in runs:
        samples = r.stats.samples + ([r.setup_error] if r.setup_error else [])
        for sample in samples[:5]:
            console.print(f"[red]error[/] {r.target}: {sample}", markup=True, highlight=False)


def print_single(console: Console, result: RunResult) -> None:
    """The table of one run, then its first errors."""
    table = _table(_title(result.options))
    _row(table, "1", result)
    console.print(table)
    _print_errors(console, [result])


def print_comparison(console: Console, comparison: Comparison, opts: BenchOptions) -> None:
    """Every round, the medians and the ratio B/A."""
    table = _table(_title(opts) + f", {opts.rounds} rounds A/B")
    for i, (a, b) in enumerate(zip(comparison.a, comparison.b, strict=False), 1):
        _row(table, f"A{i}", a)
        _row(table, f"B{i}", b)
    console.print(table)
    s = comparison.summary()
    ratio = s["ratio_b_over_a"]
    for name in ("A", "B"):
        console.print(f"median {name} {s[name]['target']}: {s[name]['ops_per_sec']:,.0f} ops/s, "
                      f"p50 {s[name]['p50_us']:,.0f} µs, p99 {s[name]['p99_us']:,.0f} µs",
                      highlight=False)
    console.print(f"ratio B/A: ops/s {ratio['ops_per_sec']}, p50 {ratio['p50_us']}, "
                  f"p99 {ratio['p99_us']}", highlight=False)
    _print_errors(console, comparison.a + comparison.b)


def _envelope(opts: BenchOptions) -> dict[str, Any]:
    return {
        "tool": "smbench", "format": 1,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine()},
        "options": opts.describe(),
    }


def write_json(path: str, opts: BenchOptions, result: RunResult | None = None,
               comparison: Comparison | None = None) -> None:
    """Write the results (one run, or every round plus the summary) as JSON."""
    doc = _envelope(opts)
    if result is not None:
        doc["result"] = result.to_dict()
        doc["ok"] = result.ok
    if comparison is not None:
        doc["rounds"] = [dict(r.to_dict(), side=side, round=i)
                         for i, (a, b) in enumerate(zip(comparison.a, comparison.b,
                                                        strict=False), 1)
                         for side, r in (("A", a), ("B", b))]
        doc["summary"] = comparison.summary()
        doc["ok"] = comparison.errors == 0
    Path(path).write_text(json.dumps(doc, indent=2) + "\n")
