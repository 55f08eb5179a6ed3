"""The measurements of the standard benchmark, each independent of the others.

Each function starts the processes it needs in its own directory, stops them at the end, and
returns a :class:`Section`. A part that cannot be measured (a missing tool, a role not working
yet) becomes a row saying ``not measured: <reason>``; it never stops the other measurements.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from smbench import loader
from smbench.options import BenchOptions, Target
from smbench.runner import RunResult, run_once
from smclient.testing import ServerProcess, free_port, start_topology, wait_for_port

SHARED_KEY = "test-key"


@dataclass(frozen=True)
class Scale:
    """How big the standard run is (``--quick`` shrinks everything for a smoke test)."""

    requests: int = 100_000  # redis-benchmark -n, per round
    mix_duration_s: float = 5.0  # per round
    rounds: int = 3  # targets compared in a part take turns, this many times each
    memory_keys: int = 1_000_000
    catchup_writes: int = 100_000


@dataclass
class Section:
    """One table of ``docs/benchmarks.md``."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def skip(self, label: str, reason: object) -> None:
        """Add a row for a part that could not be measured."""
        text = str(reason).strip().splitlines()[0] if str(reason).strip() else type(reason).__name__
        self.rows.append([label, f"not measured: {text[:160]}"] + [""] * (len(self.columns) - 2))


def _fmt(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


@contextmanager
def redis_server(directory: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """A throwaway ``redis-server`` (no persistence) on a free port."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise FileNotFoundError("redis-server is not installed (make install-bench-deps)")
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(directory)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port("127.0.0.1", port, 10)
        yield port, proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def one_node(directory: Path, journal_sync: str = "everysec") -> Iterator[ServerProcess]:
    """A fresh primary (``journal-sync`` as given), stopped at the end."""
    topo = start_topology(directory, primaries=1, journal_sync=journal_sync)
    try:
        yield topo.primaries[0]
    finally:
        topo.stop()


def _redis_benchmark(
    port: int, pipeline: int, requests: int, auth: list[str],
) -> dict[str, tuple[float, float]]:
    exe = shutil.which("redis-benchmark")
    if exe is None:
        raise FileNotFoundError("redis-benchmark is not installed (make install-bench-deps)")
    cmd = [exe, "-h", "127.0.0.1", "-p", str(port), "-t", "get,set", "-c", "50",
           "-n", str(requests), "-r", "100000", "--csv", *auth]
    if pipeline > 1:
        cmd += ["-P", str(pipeline)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"redis-benchmark exited {proc.returncode}: {proc.stderr.strip()}")
    out: dict[str, tuple[float, float]] = {}
    for row in csv.DictReader(io.StringIO(proc.stdout)):
        out[row["test"]] = (float(row["rps"]), float(row["p50_latency_ms"]))
    if not {"SET", "GET"} <= set(out):
        raise RuntimeError(f"unexpected redis-benchmark output: {proc.stdout[:200]!r}")
    return out


RbFigures = dict[str, tuple[float, float]]
"""``redis-benchmark`` figures of one run: test name -> (ops/s, p50 ms)."""


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _rb_row(section: Section, label: str, runs: list[RbFigures]) -> None:
    """One row: the median over the rounds of each figure; a note with every round."""
    cells = [_median([r[test][i] for r in runs]) for test in ("SET", "GET") for i in (0, 1)]
    section.rows.append([label, _fmt(cells[0]), _fmt(cells[1] * 1000), _fmt(cells[2]),
                         _fmt(cells[3] * 1000)])
    if len(runs) > 1:
        section.notes.append(f"{label}: SET {', '.join(_fmt(r['SET'][0]) for r in runs)}; "
                             f"GET {', '.join(_fmt(r['GET'][0]) for r in runs)} ops/s by round.")


def _rb_targets(stack: ExitStack, section: Section, work: Path) -> list[tuple[str, int, list[str]]]:
    """Start redis-server, a node and the Python floor; ``(label, port, auth)`` of each that
    started (one that cannot start gets a ``not measured`` row)."""
    targets: list[tuple[str, int, list[str]]] = []
    try:
        port, _ = stack.enter_context(redis_server(work / "redis-rb"))
        targets.append(("redis-server", port, []))
    except (OSError, TimeoutError) as exc:
        section.skip("redis-server", exc)
    try:
        node = stack.enter_context(one_node(work / "node-rb"))
        targets.append((NODE_LABEL, node.port, ["-a", SHARED_KEY]))
    except (OSError, TimeoutError, RuntimeError) as exc:
        section.skip("SuperMassive node", exc)
    try:
        targets.append((FLOOR_LABEL, stack.enter_context(python_floor()), []))
    except (OSError, TimeoutError, RuntimeError) as exc:
        section.skip("python floor", exc)
    return targets


NODE_LABEL = "SuperMassive node (RESP, journal-sync everysec)"
FLOOR_LABEL = "python floor (smbench.floor: uvloop + hiredis + a dict)"


def redis_benchmark(work: Path, scale: Scale) -> Section:
    """``redis-benchmark -t get,set -c 50`` with and without ``-P 16``: Redis, a node and the
    Python floor, taking turns (``scale.rounds`` rounds), so that their ratios compare the same
    minutes of a shared machine."""
    section = Section("redis-benchmark: GET/SET over RESP, 50 connections",
                      ["target", "SET ops/s", "SET p50 µs", "GET ops/s", "GET p50 µs"])
    section.commands.append(f"redis-benchmark -t get,set -c 50 -n {scale.requests} -r 100000 "
                            "--csv [-P 16] [-a <shared key>]")
    with ExitStack() as stack:
        targets = _rb_targets(stack, section, work)
        runs: dict[tuple[str, int], list[RbFigures]] = {}
        failed: dict[tuple[str, int], BaseException] = {}
        for pipeline in (1, 16):
            for _ in range(scale.rounds):
                for label, port, auth in targets:
                    if (label, pipeline) in failed:
                        continue
                    try:
                        figures = _redis_benchmark(port, pipeline, scale.requests, auth)
                    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
                        failed[(label, pipeline)] = exc
                        continue
                    runs.setdefault((label, pipeline), []).append(figures)
        for label, _, _ in targets:
            for pipeline in (1, 16):
                key = (label, pipeline)
                if key in failed:
                    section.skip(f"{label}, -P {pipeline}", failed[key])
                elif key in runs:
                    _rb_row(section, f"{label}, -P {pipeline}", runs[key])
    section.notes.append(f"Each figure is the median of {scale.rounds} rounds; in each round "
                         "the servers run one after the other, so the ratios compare the same "
                         "minutes of this shared machine.")
    section.notes.append("The python floor is no store (no journal, no checks): it shows how "
                         "much of the gap to redis-server is Python itself.")
    return section


@contextmanager
def python_floor() -> Iterator[int]:
    """The reference floor server (:mod:`smbench.floor`) on a free port."""
    import importlib.util
    import sys

    if importlib.util.find_spec("hiredis") is None:
        raise RuntimeError("hiredis is not installed (pip install 'supermassive[hiredis]')")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "smbench.floor", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port("127.0.0.1", port, 10)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _mix_row(section: Section, label: str, results: list[RunResult]) -> None:
    """The median round's figures (by ops/s); a note with every round and any wrong reply."""
    ranked = sorted(results, key=lambda r: r.ops_per_sec)
    result = ranked[len(ranked) // 2]
    lat = result.latency_us()
    errors = sum(r.errors for r in results)
    section.rows.append([label, _fmt(_median([r.ops_per_sec for r in results])),
                         _fmt(lat["p50"]), _fmt(lat["p99"]), _fmt(lat["p999"]), str(errors)])
    if len(results) > 1:
        section.notes.append(f"{label}: {', '.join(_fmt(r.ops_per_sec) for r in results)} "
                             "ops/s by round.")
    for r in results:
        if r.errors:
            section.notes.append(f"{label}: {r.errors} wrong replies; first: "
                                 f"`{r.stats.samples[0] if r.stats.samples else '?'}`")
            break


def mix(work: Path, scale: Scale) -> Section:
    """The original benchmarker's mix (80/15/5) at 50 connections: a cluster and one node,
    taking turns (``scale.rounds`` rounds of ``scale.mix_duration_s``)."""
    section = Section("smbench mix (80% GET, 15% PUT, 5% DEL, 16-byte keys, 64-byte values), "
                      "50 connections, native protocol",
                      ["target", "ops/s", "p50 µs", "p99 µs", "p99.9 µs", "errors"])
    procs = os.cpu_count() or 1

    def options(target: Target, **auth: object) -> BenchOptions:
        return BenchOptions(target=target, connections=50, processes=procs,
                            duration_s=scale.mix_duration_s, workload="mix", keyspace=10_000,
                            value_size=64, **auth)  # type: ignore[arg-type]

    section.commands.append(f"smbench --workload mix --value-size 64 --connections 50 "
                            f"--processes {procs} --duration {scale.mix_duration_s:g} "
                            "--local | --shared-key ...")
    cluster_label = "cluster (--local), 2 primaries with 1 replica each"
    node_label = "one node (NAUTH)"
    with ExitStack() as stack:
        targets: list[tuple[str, BenchOptions, Target]] = []
        try:
            topo = start_topology(work / "mix-cluster", primaries=2, replicas=1, cluster=True,
                                  local=True)
            stack.callback(topo.stop)
            target = Target(topo.entry.host, topo.entry.port)
            targets.append((cluster_label, options(target, local=True), target))
        except (OSError, TimeoutError, RuntimeError) as exc:
            section.skip("cluster + 2 primaries", exc)
        try:
            node = stack.enter_context(one_node(work / "mix-node"))
            target = Target(node.host, node.port)
            targets.append((node_label, options(target, shared_key=SHARED_KEY), target))
        except (OSError, TimeoutError, RuntimeError) as exc:
            section.skip("one node", exc)
        results: dict[str, list[RunResult]] = {label: [] for label, _, _ in targets}
        broken: dict[str, str] = {}
        for _ in range(scale.rounds):
            for label, opts, target in targets:
                if label in broken:
                    continue
                result = run_once(opts, target)
                if result.setup_error:
                    broken[label] = result.setup_error
                else:
                    results[label].append(result)
        for label, _, _ in targets:
            if label in broken:
                section.skip(label, broken[label])
            else:
                _mix_row(section, label, results[label])
    section.notes.append(f"Each row is the median of {scale.rounds} rounds of "
                         f"{scale.mix_duration_s:g} s; the cluster and the node take turns, so "
                         "their ratio compares the same minutes of this shared machine.")
    return section


def _memory_row(section: Section, label: str, pid: int, load: Callable[[], float],
                keys: int) -> None:
    before = loader.rss_bytes(pid)
    seconds = load()
    time.sleep(0.5)
    after = loader.rss_bytes(pid)
    section.rows.append([label, _fmt((after - before) / keys, 1), _fmt(after / 2**20, 1),
                         _fmt(keys / seconds)])


def memory(work: Path, scale: Scale) -> tuple[Section, Section]:
    """RSS per key at ``memory_keys`` keys (node vs Redis), then the node's journal replay."""
    keys = scale.memory_keys
    mem = Section(f"Memory at {keys:,} keys (16-byte keys, 64-byte values)",
                  ["server", "RSS bytes per key", "RSS MiB after", "load writes/s"])
    mem.notes.append("Bytes per key = (RSS after loading - RSS before) / keys; loaded by one "
                     "connection in pipelined batches of 2000, every reply checked.")
    replay = Section(f"Journal replay: restart of a node holding {keys:,} keys",
                     ["node", "restart to first answer s", "keys/s", "journal MiB",
                      "replay s (server log)", "records/s replayed"])
    replay.notes.append("Time from starting the process until a GET of the last key written "
                        "answers (process start-up included); journal-sync everysec, clean "
                        "SIGTERM before the restart. The last two columns come from the "
                        "node's own recovery log lines (`N journal records`, `in T s`): the "
                        "replay alone (opening the journal, checking and applying its "
                        "records), without interpreter start-up and imports.")
    try:
        with redis_server(work / "redis-mem") as (port, proc):
            _memory_row(mem, "redis-server", proc.pid,
                        lambda: loader.load("127.0.0.1", port, keys, resp=True, value_size=64),
                        keys)
    except (OSError, TimeoutError, RuntimeError) as exc:
        mem.skip("redis-server", exc)
    try:
        with one_node(work / "node-mem") as node:
            assert node.proc is not None
            _memory_row(mem, "SuperMassive node", node.proc.pid,
                        lambda: loader.load(node.host, node.port, keys, shared_key=SHARED_KEY,
                                            value_size=64),
                        keys)
            _replay(replay, node, keys, scale.rounds)
    except (OSError, TimeoutError, RuntimeError, AssertionError) as exc:
        mem.skip("SuperMassive node", exc)
        if not replay.rows:
            replay.skip("SuperMassive node", exc)
    return mem, replay


def _replay(section: Section, node: ServerProcess, keys: int, rounds: int) -> None:
    """Restart the node ``rounds`` times; the row is the median of each figure (one restart
    can land on a moment when the shared machine is slow), with every round in a note."""
    last = loader.key_of(keys - 1)
    starts: list[float] = []
    replays: list[tuple[int, float]] = []
    journal_mib = 0.0

    def answered() -> bool:
        return loader.native_get(node.host, node.port, last, SHARED_KEY).startswith(b"OK ")

    for _ in range(rounds):
        node.stop()
        journal_mib = loader.dir_bytes(node.directory) / 2**20
        began = time.monotonic()
        node.start(wait=False)
        loader.wait_until(answered, timeout_s=600)
        starts.append(time.monotonic() - began)
        logged = last_recovery(node.log_path.read_text(errors="replace"))
        if logged is not None and logged[1] > 0:
            replays.append(logged)
    seconds = _median(starts)
    replay_cells = ["-", "-"] if not replays else [
        _fmt(_median([r[1] for r in replays]), 3), _fmt(_median([r[0] / r[1] for r in replays]))]
    section.rows.append(["SuperMassive node", _fmt(seconds, 2), _fmt(keys / seconds),
                         _fmt(journal_mib, 1), *replay_cells])
    section.notes.append(
        f"Median of {rounds} restarts; restart to first answer "
        + ", ".join(f"{t:.2f}" for t in starts) + " s; records/s replayed "
        + ", ".join(_fmt(r[0] / r[1]) for r in replays) + " by round.")


_RECORDS = re.compile(r"recovered position \d+ \(\d+ keys, \d+ tombstones, (\d+) journal records\)")
_SECONDS = re.compile(r"recovered \d+ keys at journal position \d+ in ([0-9.]+)s")


def last_recovery(log_text: str) -> tuple[int, float] | None:
    """``(journal records, seconds)`` of a node's last recovery, from its two log lines
    (the store's ``... N journal records)`` and the node's ``... in T s``), or ``None``."""
    records, seconds = _RECORDS.findall(log_text), _SECONDS.findall(log_text)
    if not records or not seconds:
        return None
    return int(records[-1]), float(seconds[-1])


def catchup(work: Path, scale: Scale) -> Section:
    """A replica that was down while the primary took ``catchup_writes`` writes catches up."""
    n = scale.catchup_writes
    section = Section(f"Replica catch-up of {n:,} missed writes",
                      ["setup", "catch-up s", "writes/s"])
    section.notes.append("The replica is stopped, the primary takes the writes, the replica is "
                         "started again; timed from its start until it answers a GET of the "
                         "last write (replication is in order, so every earlier write is "
                         "there). Includes the primary's reconnect delay (health-check-interval "
                         "1 s).")
    try:
        topo = start_topology(work / "catchup", primaries=1, replicas=1)
        try:
            primary, replica = topo.primaries[0], topo.replicas[0][0]
            replica.stop()
            loader.load(primary.host, primary.port, n, shared_key=SHARED_KEY)
            began = time.monotonic()
            replica.start(wait=False)
            last = loader.key_of(n - 1)
            loader.wait_until(lambda: loader.native_get(
                replica.host, replica.port, last, SHARED_KEY).startswith(b"OK "), 600, 0.05)
            seconds = time.monotonic() - began
            section.rows.append(["1 primary + 1 replica, journal-sync everysec",
                                 _fmt(seconds, 2), _fmt(n / seconds)])
        finally:
            topo.stop()
    except (OSError, TimeoutError, RuntimeError) as exc:
        section.skip("1 primary + 1 replica", exc)
    return section
