"""The ``smchaos`` command: ``run``, ``check`` and ``report``.

Exit status: ``run`` and ``check`` exit 0 when the verdict is valid, 1 when invalid, 2 when
unknown; any usage or input error is one line on stderr and exit 3.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from smchaos.checker import Budget, Verdict
from smchaos.checker.suite import WORKLOAD_NAMES, overall, run_checks
from smchaos.history import HistoryError, read_history
from smchaos.nemesis import FAULTS, unavailable_reason
from smchaos.store import RunDir

EXIT_ERROR = 3


class UsageError(Exception):
    """A command-line problem, described in one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser."""
    p = _Parser(prog="smchaos", description="Fault injection and consistency checking "
                "for SuperMassive (Jepsen-style).")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="start a local topology, run a workload under faults, "
                         "check the history and write a report")
    run.add_argument("--workload", default="register", choices=WORKLOAD_NAMES)
    run.add_argument("--nemesis", default="", help=f"comma-separated faults: {','.join(FAULTS)} "
                     "(empty or 'none': no faults)")
    run.add_argument("--time-limit", type=float, default=60.0, help="seconds of faults and load")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--concurrency", type=int, default=10, help="client processes")
    run.add_argument("--rate", type=float, default=100.0, help="client operations per second")
    run.add_argument("--interval", type=float, default=5.0,
                     help="mean seconds between fault changes")
    run.add_argument("--no-combine", action="store_true",
                     help="one fault at a time instead of random combinations")
    run.add_argument("--primaries", type=int, default=3)
    run.add_argument("--journal-sync", default="always", choices=("always", "everysec", "no"))
    run.add_argument("--op-timeout", type=float, default=2.0, help="client timeout (seconds)")
    run.add_argument("--check-budget", type=float, default=60.0,
                     help="seconds the linearizability search may take before 'unknown'")
    run.add_argument("--store", default="store", help="where run directories go")
    run.add_argument("--network", default="auto", choices=("auto", "netns", "proxy"),
                     help="netns: each process in its own network namespace (root); proxy: "
                     "loopback with a fault proxy per link; auto: netns when possible")
    check = sub.add_parser("check", help="check a history.jsonl (exit 0 valid, 1 invalid, "
                           "2 unknown)")
    check.add_argument("history", type=Path)
    check.add_argument("--workload", default="register", choices=WORKLOAD_NAMES)
    check.add_argument("--budget", type=float, default=60.0, help="search budget (seconds)")
    check.add_argument("--json", action="store_true", help="print the results as JSON")
    report = sub.add_parser("report", help="re-check a run directory and re-render report.html")
    report.add_argument("run_dir", type=Path)
    report.add_argument("--budget", type=float, default=60.0)
    return p


def _faults(text: str) -> tuple[tuple[str, ...], list[str]]:
    names = [n.strip() for n in text.split(",") if n.strip() and n.strip() != "none"]
    keep: list[str] = []
    skipped: list[str] = []
    for name in names:
        if name not in FAULTS:
            raise UsageError(f"unknown nemesis {name!r} (known: {', '.join(FAULTS)})")
        reason = unavailable_reason(name)
        if reason:
            skipped.append(f"skipping {name}: {reason}")
        elif name not in keep:
            keep.append(name)
    return tuple(keep), skipped


def _print_results(verdict: Verdict, results: list[Any]) -> None:
    for r in results:
        print(f"  {r.checker:<14} {r.verdict.value:<8} {r.summary}")
        if r.details.get("explanation"):
            print(f"  {'':<14} {r.details['explanation']}")
    print(f"verdict: {verdict.value}")


def cmd_check(args: argparse.Namespace) -> int:
    """``smchaos check``."""
    ops = read_history(args.history)
    results = run_checks(ops, args.workload, Budget(args.budget))
    verdict = overall(results)
    if args.json:
        print(json.dumps({"verdict": verdict.value,
                          "checkers": [r.to_json() for r in results]}, indent=2))
    else:
        _print_results(verdict, results)
    return verdict.exit_code


def cmd_report(args: argparse.Namespace) -> int:
    """``smchaos report``."""
    from smchaos.runner import finish

    run_dir = RunDir(args.run_dir)
    if not run_dir.history.exists():
        raise UsageError(f"{args.run_dir}: no history.jsonl (not a run directory?)")
    workload = run_dir.read_spec().get("workload", "register")
    outcome = finish(run_dir, workload, args.budget)
    _print_results(Verdict(outcome.verdict), outcome.results)
    print(f"report: {run_dir.report}")
    return Verdict(outcome.verdict).exit_code


def cmd_run(args: argparse.Namespace) -> int:
    """``smchaos run``."""
    from rich.console import Console

    from smchaos.runner import RunSpec, execute

    faults, skipped = _faults(args.nemesis)
    if args.network == "netns":
        from smchaos.db.netns import netns_unavailable

        reason = netns_unavailable()
        if reason:
            raise UsageError(f"--network netns: {reason}")
    console = Console(stderr=True)
    for line in skipped:
        console.print(f"[yellow]{line}[/yellow]")
    if args.time_limit <= 0 or args.concurrency < 1 or args.primaries < 1 or args.rate <= 0:
        raise UsageError("--time-limit, --rate, --concurrency and --primaries must be positive")
    spec = RunSpec(workload=args.workload, nemeses=faults, time_limit_s=args.time_limit,
                   seed=args.seed, concurrency=args.concurrency, rate_per_s=args.rate,
                   nemesis_interval_s=args.interval, combine=not args.no_combine,
                   primaries=args.primaries, journal_sync=args.journal_sync,
                   op_timeout_s=args.op_timeout, check_budget_s=args.check_budget,
                   store=args.store, network=args.network)
    with console.status(f"running {spec.name} (seed {spec.seed})") as status:
        def progress(p: dict[str, Any]) -> None:
            c = p["counts"]
            status.update(f"{spec.name}: {p['elapsed_s']:.0f}/{p['time_limit_s']:.0f}s  "
                          f"ok {c.get('ok', 0)}  fail {c.get('fail', 0)}  "
                          f"info {c.get('info', 0)}  {p['nemesis'][:60]}")
        outcome = asyncio.run(execute(spec, progress))
    for note in outcome.notes:
        console.print(f"[yellow]note: {note}[/yellow]")
    _print_results(Verdict(outcome.verdict), outcome.results)
    print(f"report: {outcome.run_dir.report}")
    return Verdict(outcome.verdict).exit_code


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status. SIGTERM stops a run as Ctrl-C does: the
    topology is torn down and whatever was recorded is kept."""
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if main_thread else None
    try:
        args = build_parser().parse_args(argv)
        handler = {"run": cmd_run, "check": cmd_check, "report": cmd_report}[args.command]
        return handler(args)
    except (UsageError, HistoryError) as exc:
        print(f"smchaos: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("smchaos: interrupted", file=sys.stderr)
        return 130
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
