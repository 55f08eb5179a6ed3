"""``smbench``: a validating load generator for SuperMassive (native protocol and RESP2).

Exit status: 0 when every reply was right, 1 when any reply was wrong, a request was lost or
the run could not start, 2 for bad options.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from smbench.options import BenchOptions, Target
from smbench.report import Comparison, print_comparison, print_single, write_json
from smbench.runner import ProgressHook, RunResult, run_once
from smbench.workload import WORKLOADS


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(
        prog="smbench", description="Benchmark a SuperMassive cluster or node (or Redis) and "
        "check every reply.",
        epilog="workloads: " + "; ".join(f"{w.name}: {w.summary}" for w in WORKLOADS.values()))
    p.add_argument("--host", default="127.0.0.1", help="target host (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=4000, help="target port (default 4000)")
    p.add_argument("--protocol", choices=("native", "resp"), default="native")
    p.add_argument("--workload", choices=sorted(WORKLOADS), default="mix")
    p.add_argument("--connections", type=int, default=50, help="connections (default 50)")
    p.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                   help="worker processes (default: CPU count)")
    p.add_argument("--duration", type=float, default=10.0, help="timed seconds (default 10)")
    p.add_argument("--pipeline", type=int, default=1,
                   help="requests in flight per connection (default 1)")
    p.add_argument("--keyspace", type=int, default=None,
                   help="keys written before the run (default 10000; 1000 for large)")
    p.add_argument("--value-size", type=int, default=None,
                   help="value bytes (default 16; large: 1 KiB and 64 KiB)")
    p.add_argument("--tls", action="store_true", help="connect with TLS")
    p.add_argument("--cacert", help="CA bundle to verify the server (with --tls)")
    auth = p.add_argument_group("authentication (choose one)")
    auth.add_argument("--user", help="cluster user (AUTH)")
    auth.add_argument("--password", default=os.environ.get("SUPERMASSIVE_PASSWORD"),
                      help="cluster password (default: $SUPERMASSIVE_PASSWORD)")
    auth.add_argument("--shared-key", default=None,
                      help="shared key, to talk to a node directly (NAUTH; "
                           "or $SUPERMASSIVE_SHARED_KEY with --shared-key-env)")
    auth.add_argument("--shared-key-env", action="store_true",
                      help="read the shared key from $SUPERMASSIVE_SHARED_KEY")
    auth.add_argument("--local", action="store_true",
                      help="send no AUTH (a cluster started with --local, or Redis)")
    p.add_argument("--compare", metavar="HOST:PORT",
                   help="also run against this target B, alternating A, B, A, B, ...")
    p.add_argument("--rounds", type=int, default=3, help="A/B rounds with --compare (default 3)")
    p.add_argument("--compare-local", action="store_true",
                   help="log in to the --compare target with --local (no auth), e.g. a cluster")
    p.add_argument("--compare-shared-key", metavar="KEY", default=None,
                   help="log in to the --compare target with NAUTH, e.g. a node")
    p.add_argument("--json", dest="json_path", metavar="FILE", help="write results as JSON")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show a progress bar (default: when stderr is a terminal)")
    return p


def parse_options(argv: Sequence[str] | None = None) -> BenchOptions:
    """Parse and check the command line (exits 2 with a message when it is wrong)."""
    parser = build_parser()
    a = parser.parse_args(argv)
    shared_key = a.shared_key
    if a.shared_key_env:
        shared_key = os.environ.get("SUPERMASSIVE_SHARED_KEY")
        if not shared_key:
            parser.error("--shared-key-env: $SUPERMASSIVE_SHARED_KEY is not set")
    modes = [a.local, shared_key is not None, a.user is not None]
    if sum(modes) != 1:
        parser.error("choose one way to authenticate: --user/--password, --shared-key or "
                     "--local")
    if a.user is not None and a.password is None:
        parser.error("--user needs --password (or $SUPERMASSIVE_PASSWORD)")
    for name in ("connections", "processes", "pipeline", "rounds"):
        if getattr(a, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if a.duration <= 0:
        parser.error("--duration must be positive")
    spec = WORKLOADS[a.workload]
    keyspace = a.keyspace if a.keyspace is not None else spec.default_keyspace
    if keyspace < a.connections:
        parser.error(f"--keyspace ({keyspace}) must be at least --connections "
                     f"({a.connections}): every connection owns its keys")
    if a.value_size is not None and not 1 <= a.value_size <= 16 * 1024 * 1024:
        parser.error("--value-size must be between 1 and 16 MiB")
    try:
        target = Target.parse(f"{a.host}:{a.port}")
        compare = Target.parse(a.compare) if a.compare else None
    except ValueError as exc:
        parser.error(str(exc))
    progress = sys.stderr.isatty() if a.progress is None else a.progress
    return BenchOptions(
        target=target, protocol=a.protocol, workload=a.workload, connections=a.connections,
        processes=min(a.processes, a.connections), duration_s=a.duration, pipeline=a.pipeline,
        keyspace=keyspace, value_size=a.value_size, tls=a.tls, cacert=a.cacert, user=a.user,
        password=a.password, shared_key=shared_key, local=a.local, seed=a.seed,
        compare=compare, rounds=a.rounds, json_path=a.json_path, progress=progress,
        compare_local=a.compare_local, compare_shared_key=a.compare_shared_key,
    )


def _run(opts: BenchOptions, target: Target, console: Console, label: str) -> RunResult:
    if not opts.progress:
        return run_once(opts, target)
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[ops]:>12,} ops"), console=console,
                  transient=True) as bar:
        task = bar.add_task(f"{label} {target.label}", total=opts.duration_s, ops=0)
        hook: ProgressHook = lambda elapsed, ops: bar.update(  # noqa: E731
            task, completed=min(elapsed, opts.duration_s), ops=ops)
        return run_once(opts, target, hook)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    opts = parse_options(argv)
    err = Console(stderr=True)
    out = Console() if sys.stdout.isatty() else Console(width=120)
    if opts.compare is None:
        result = _run(opts, opts.target, err, "run")
        print_single(out, result)
        if opts.json_path:
            write_json(opts.json_path, opts, result=result)
        return 0 if result.ok else 1
    a_runs: list[RunResult] = []
    b_runs: list[RunResult] = []
    for i in range(1, opts.rounds + 1):
        a_runs.append(_run(opts, opts.target, err, f"A{i}"))
        b_runs.append(_run(opts.for_compare(), opts.compare, err, f"B{i}"))
    comparison = Comparison(a_runs, b_runs)
    print_comparison(out, comparison, opts)
    if opts.json_path:
        write_json(opts.json_path, opts, comparison=comparison)
    ok = comparison.errors == 0 and all(r.ok for r in a_runs + b_runs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
