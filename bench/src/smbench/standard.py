"""``python -m smbench.standard`` (``make bench``): the standard benchmark set.

Starts fresh local processes (and a local ``redis-server`` for reference), runs every
measurement of :mod:`smbench.measure` independently, and writes ``docs/benchmarks.md``: the
tables, the machine, the commands and the date. A part that cannot run says
``not measured: <reason>`` in its table; the run goes on.

Options: ``--quick`` (a small smoke-test scale), ``--only rb,mix,memory,catchup``,
``--out PATH`` (default ``docs/benchmarks.md``).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from smbench import measure
from smbench.measure import Scale, Section
from smbench.targets import targets

PARTS = ("rb", "mix", "memory", "catchup")
QUICK = Scale(requests=20_000, mix_duration_s=2.0, rounds=1, memory_keys=20_000,
              catchup_writes=5_000)


def _first_line(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "not installed"


def _proc_field(path: str, name: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def machine() -> list[tuple[str, str]]:
    """What the figures were measured on."""
    try:
        import uvloop

        loop = "uvloop " + str(getattr(uvloop, "__version__", ""))
    except ImportError:
        loop = "asyncio"
    try:
        from supermassive.net.resp_reader import READER_NAME

        resp_reader = READER_NAME
    except ImportError:
        resp_reader = "unknown"
    mem_kib = _proc_field("/proc/meminfo", "MemTotal").split()[0]
    return [
        ("CPU", _proc_field("/proc/cpuinfo", "model name")),
        ("cores", str(os.cpu_count())),
        ("memory", f"{int(mem_kib) / 2**20:.1f} GiB" if mem_kib.isdigit() else mem_kib),
        ("OS", platform.platform()),
        ("Python", platform.python_version()),
        ("event loop", loop),
        ("server RESP reader", resp_reader),
        ("redis-server", _first_line(["redis-server", "--version"])),
        ("redis-benchmark", _first_line(["redis-benchmark", "--version"])),
    ]


def _table(section: Section) -> list[str]:
    out = [f"## {section.title}", ""]
    out.append("| " + " | ".join(section.columns) + " |")
    out.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(section.columns)))
               + "|")
    for row in section.rows:
        out.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    out.append("")
    for cmd in section.commands:
        out += ["```", cmd, "```", ""]
    for note in section.notes:
        out += [note, ""]
    return out


def render(sections: list[Section], started: datetime.datetime, seconds: float,
           quick: bool) -> str:
    """The Markdown page."""
    lines = [
        "# Benchmarks", "",
        "Figures from `make bench` (`python -m smbench.standard`), which starts fresh local "
        "processes on loopback, runs each measurement on its own, and rewrites this page. "
        "Every smbench reply is checked (a wrong reply fails the run); see "
        "[smbench](reference/smbench.md).", "",
        f"Date: {started.strftime('%Y-%m-%d %H:%M UTC')}; run time {seconds:.0f} s"
        + ("; **quick scale** (`--quick`): small numbers, not comparable." if quick else "."),
        "",
        "The client, the servers and Redis share the same machine, so these figures are lower "
        "bounds and comparable with each other, not with figures from other hardware. For an "
        "A/B comparison on a noisy machine use `smbench --compare`.", "",
        "For context, the original Go SuperMassive, measured on a 2-core machine like this "
        "one with its own benchmarker (2 shards, 8 workers, no pipelining), did about 9.8k ops/s "
        "once its "
        "authentication separator was patched, and about 43k ops/s as shipped, when every "
        "reply is `ERR not authenticated` (the 309k ops/s of its README is that error path on "
        "a faster machine).", "",
        "## Machine", "", "| | |", "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in machine()]
    lines.append("")
    for section in [targets(sections), *sections]:
        lines += _table(section)
    return "\n".join(lines).rstrip() + "\n"


def _run_parts(parts: Sequence[str], work: Path, scale: Scale) -> list[Section]:
    jobs: dict[str, Callable[[], list[Section]]] = {
        "rb": lambda: [measure.redis_benchmark(work, scale)],
        "mix": lambda: [measure.mix(work, scale)],
        "memory": lambda: list(measure.memory(work, scale)),
        "catchup": lambda: [measure.catchup(work, scale)],
    }
    sections: list[Section] = []
    for part in parts:
        print(f"smbench.standard: {part} ...", file=sys.stderr, flush=True)
        try:
            sections += jobs[part]()
        except Exception as exc:  # one broken part never stops the others
            broken = Section(f"{part}", ["part", "result"])
            broken.skip(part, f"{type(exc).__name__}: {exc}")
            sections.append(broken)
    return sections


def main(argv: Sequence[str] | None = None) -> int:
    """Run the standard set and write the page."""
    p = argparse.ArgumentParser(prog="python -m smbench.standard", description=__doc__)
    p.add_argument("--quick", action="store_true", help="small scale (smoke test)")
    p.add_argument("--only", default=",".join(PARTS),
                   help=f"comma-separated parts among {', '.join(PARTS)}")
    p.add_argument("--out", default="docs/benchmarks.md", help="page to write")
    a = p.parse_args(argv)
    parts = [x.strip() for x in a.only.split(",") if x.strip()]
    unknown = [x for x in parts if x not in PARTS]
    if unknown:
        p.error(f"unknown part(s): {', '.join(unknown)}")
    scale = QUICK if a.quick else Scale()
    started = datetime.datetime.now(datetime.UTC)
    began = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="smbench-standard-"))
    try:
        sections = _run_parts(parts, work, scale)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    page = render(sections, started, time.monotonic() - began, a.quick)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page)
    print(f"smbench.standard: wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
