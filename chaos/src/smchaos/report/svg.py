"""Inline SVG plots for the report: per-process timelines, latency and throughput over time.

Pure functions from pairs and nemesis windows to SVG text; no scripts, no external assets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Any

from smchaos.history import NEMESIS, Op, Pair

COLORS = {"ok": "#2e7d32", "fail": "#c62828", "info": "#ef6c00", "open": "#6d4c41"}
_FAULT_FILL = "#ffd54f"


@dataclass(frozen=True)
class Window:
    """A span of time during which a fault was active."""

    start_ns: int
    end_ns: int
    label: str


def nemesis_windows(ops: list[Op]) -> list[Window]:
    """Fault windows from the nemesis ops: from a ``start-X`` completion to the next
    ``stop-X`` (or ``stop-all``) completion, or to the end of the history."""
    end = ops[-1].time if ops else 0
    open_: dict[str, tuple[int, str]] = {}
    out: list[Window] = []
    for op in ops:
        if op.process != NEMESIS or op.type == "invoke":
            continue
        verb, _, fault = op.f.partition("-")
        if verb == "start":
            open_[fault] = (op.time, f"{fault} {_short(op.value)}")
        elif verb == "stop":
            for name in list(open_) if fault == "all" else [fault]:
                if name in open_:
                    start, label = open_.pop(name)
                    out.append(Window(start, op.time, label))
    out += [Window(start, end, label) for start, label in open_.values()]
    return sorted(out, key=lambda w: w.start_ns)


def _short(value: Any, limit: int = 60) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Scale:
    def __init__(self, lo: float, hi: float, a: float, b: float) -> None:
        self.lo, self.hi, self.a, self.b = lo, max(hi, lo + 1e-9), a, b

    def __call__(self, v: float) -> float:
        return self.a + (v - self.lo) * (self.b - self.a) / (self.hi - self.lo)


def _shade(windows: list[Window], x: _Scale, top: float, bottom: float) -> list[str]:
    out = []
    for w in windows:
        x0, x1 = max(x(w.start_ns), x.a), min(x(w.end_ns), x.b)
        if x1 > x0:
            out.append(f'<rect x="{x0:.1f}" y="{top}" width="{x1 - x0:.1f}" '
                       f'height="{bottom - top}" fill="{_FAULT_FILL}" opacity="0.35">'
                       f'<title>{escape(w.label)}</title></rect>')
    return out


def _label(p: Pair) -> str:
    if p.f == "read":
        if p.type != "ok":
            return "r ?"
        return "r null" if p.output is None else f"r {_short(p.output, 20)}"
    if p.f == "write":
        return f"w {_short(p.input, 20)}"
    if p.f == "incr":
        return f"+{p.input}" + (f"→{p.output}" if p.type == "ok" else "")
    return p.f[:3]


def timeline(pairs: list[Pair], windows: list[Window], highlight: set[int],
             width: int = 1000) -> str:
    """One lane per process, a bar per operation from call to completion (open-ended for
    indeterminate ones), fault windows shaded; ``highlight`` holds invocation indices."""
    if not pairs:
        return "<p>No operations.</p>"
    procs = sorted({p.process for p in pairs}, key=str)
    lane = {proc: i for i, proc in enumerate(procs)}
    t0 = min(p.call_ns for p in pairs)
    t1 = max((p.end_ns or p.call_ns) for p in pairs)
    pad = max((t1 - t0) // 20, 1)
    x = _Scale(t0 - pad, t1 + pad, 90, width - 10)
    lane_h, height = 26, 26 * len(procs) + 30
    out = [f'<svg class="timeline" viewBox="0 0 {width} {height}" width="100%" '
           f'xmlns="http://www.w3.org/2000/svg">']
    out += _shade(windows, x, 0, height - 20)
    for proc, i in lane.items():
        y = 10 + i * lane_h
        out.append(f'<text x="4" y="{y + 15}" font-size="11">process {escape(str(proc))}</text>')
    for p in pairs:
        y = 12 + lane[p.process] * lane_h
        x0 = x(p.call_ns)
        x1 = x(p.end_ns) if p.type in ("ok", "fail") and p.end_ns is not None else x.b
        x1 = max(x1, x0 + 3)
        stroke = ' stroke="#000" stroke-width="2"' if p.invoke.index in highlight else ""
        dash = ' stroke-dasharray="4 2" stroke="#ef6c00"' if p.type in ("info", "open") else ""
        tip = (f"op {p.invoke.index}: process {p.process} {p.f} {p.key} "
               f"in={_short(p.input)} out={_short(p.output)} {p.type} "
               f"[{p.call_ns / 1e6:.3f} ms .. "
               f"{'?' if p.end_ns is None else f'{p.end_ns / 1e6:.3f} ms'}]")
        err = p.completion.extra.get("error") if p.completion is not None else None
        if err:
            tip += f" error={err}"
        out.append(f'<g><title>{escape(tip)}</title><rect x="{x0:.1f}" y="{y}" '
                   f'width="{x1 - x0:.1f}" height="18" rx="3" fill="{COLORS[p.type]}" '
                   f'fill-opacity="0.75"{stroke}{dash}/>'
                   f'<text x="{x0 + 3:.1f}" y="{y + 13}" font-size="10" fill="#fff">'
                   f'{escape(_label(p))}</text></g>')
    out.append(f'<text x="90" y="{height - 4}" font-size="10">{(t0 - pad) / 1e9:.3f} s</text>')
    out.append(f'<text x="{width - 80}" y="{height - 4}" font-size="10">'
               f'{(t1 + pad) / 1e9:.3f} s</text></svg>')
    return "".join(out)


def _axes(width: int, height: int, x: _Scale, t_end_ns: int, y_ticks: list[tuple[float, str]],
          title: str) -> list[str]:
    out = [f'<text x="{width / 2:.0f}" y="14" font-size="12" text-anchor="middle">'
           f'{escape(title)}</text>',
           f'<line x1="{x.a}" y1="{height - 20}" x2="{x.b}" y2="{height - 20}" stroke="#999"/>']
    step = max(1, math.ceil(t_end_ns / 1e9 / 10))
    for s in range(0, int(t_end_ns / 1e9) + 1, step):
        xx = x(s * 1e9)
        out.append(f'<text x="{xx:.1f}" y="{height - 6}" font-size="10" '
                   f'text-anchor="middle">{s}s</text>')
    for y, label in y_ticks:
        out.append(f'<line x1="{x.a}" y1="{y:.1f}" x2="{x.b}" y2="{y:.1f}" stroke="#eee"/>'
                   f'<text x="{x.a - 4}" y="{y + 3:.1f}" font-size="10" '
                   f'text-anchor="end">{label}</text>')
    return out


def latency_plot(pairs: list[Pair], windows: list[Window], width: int = 1000,
                 height: int = 260, max_points: int = 4000) -> str:
    """Latency of every completed client operation over time (log scale), by outcome."""
    done = [p for p in pairs if p.end_ns is not None and p.invoke.is_client]
    if not done:
        return "<p>No completed operations.</p>"
    step = max(1, len(done) // max_points)
    t_end = max(p.end_ns or 0 for p in done)
    x = _Scale(0, t_end, 60, width - 10)
    lo, hi = -1.0, 4.0
    y = _Scale(lo, hi, height - 20, 24)
    ticks = [(y(e), f"{10 ** e:g} ms") for e in range(-1, 5)]
    out = [f'<svg viewBox="0 0 {width} {height}" width="100%" '
           f'xmlns="http://www.w3.org/2000/svg">']
    out += _shade(windows, x, 20, height - 20)
    out += _axes(width, height, x, t_end, ticks, "latency (ms, log scale) over time")
    for p in done[::step]:
        ms = max((p.end_ns or 0) - p.call_ns, 1) / 1e6
        yy = y(min(max(math.log10(ms), lo), hi))
        out.append(f'<circle cx="{x(p.call_ns):.1f}" cy="{yy:.1f}" r="1.6" '
                   f'fill="{COLORS[p.type]}"/>')
    out.append("</svg>")
    return "".join(out)


def throughput_plot(pairs: list[Pair], windows: list[Window], width: int = 1000,
                    height: int = 220) -> str:
    """Completed client operations per second, one line per outcome."""
    done = [p for p in pairs if p.end_ns is not None and p.invoke.is_client]
    if not done:
        return "<p>No completed operations.</p>"
    t_end = max(p.end_ns or 0 for p in done)
    buckets = int(t_end // 1e9) + 1
    series = {k: [0] * buckets for k in ("ok", "fail", "info")}
    for p in done:
        if p.type in series:
            series[p.type][int((p.end_ns or 0) // 1e9)] += 1
    peak = max(max(v) for v in series.values()) or 1
    x = _Scale(0, t_end, 60, width - 10)
    y = _Scale(0, peak, height - 20, 24)
    ticks = [(y(peak * f), f"{peak * f:.0f}/s") for f in (0, 0.5, 1)]
    out = [f'<svg viewBox="0 0 {width} {height}" width="100%" '
           f'xmlns="http://www.w3.org/2000/svg">']
    out += _shade(windows, x, 20, height - 20)
    out += _axes(width, height, x, t_end, ticks, "throughput (completions per second)")
    for kind, counts in series.items():
        pts = " ".join(f"{x((i + 0.5) * 1e9):.1f},{y(c):.1f}" for i, c in enumerate(counts))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{COLORS[kind]}" '
                   f'stroke-width="1.5"><title>{kind}</title></polyline>')
    out.append("</svg>")
    return "".join(out)
