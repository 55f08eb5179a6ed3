"""The run report: one self-contained ``report.html`` (inline CSS, JS and SVG; no network).

It shows the verdict of each checker, the counterexample of each failed checker on a
per-process timeline (with a link that jumps to the first one), fault windows shaded, and
latency and throughput over time.
"""

from __future__ import annotations

import json
from collections import Counter
from html import escape
from typing import Any

from smchaos.checker import CheckResult
from smchaos.history import Op, Pair, pair_ops
from smchaos.report.svg import (
    Window,
    latency_plot,
    nemesis_windows,
    throughput_plot,
    timeline,
)
from smchaos.store import RunDir

_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:1100px;color:#222}
h1{font-size:1.5rem} h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%} td,th{padding:.3rem .5rem;border-bottom:1px solid #eee;
text-align:left;vertical-align:top} .valid{color:#2e7d32;font-weight:600}
.invalid{color:#c62828;font-weight:600} .unknown{color:#ef6c00;font-weight:600}
.badge{display:inline-block;padding:.15rem .6rem;border-radius:1rem;color:#fff}
.badge.valid{background:#2e7d32;color:#fff}.badge.invalid{background:#c62828;color:#fff}
.badge.unknown{background:#ef6c00;color:#fff} pre{background:#f6f6f6;padding:.6rem;
overflow:auto;max-height:24rem;font-size:.8rem} .legend span{margin-right:1rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.25rem;vertical-align:middle}
button{font-size:.8rem}
"""

_JS = """
function toggle(id){var e=document.getElementById(id);e.hidden=!e.hidden;}
"""


def _counterexample_pairs(pairs: list[Pair], indices: tuple[int, ...]) -> list[Pair]:
    wanted = set(indices)
    return [p for p in pairs if p.invoke.index in wanted
            or (p.completion is not None and p.completion.index in wanted)]


def _faults_during(pairs: list[Pair], windows: list[Window]) -> list[str]:
    """Labels of the fault windows that overlap the pairs' time span, or ended at most two
    seconds before it (a fault's effects outlive its healing)."""
    if not pairs:
        return []
    start = min(p.call_ns for p in pairs) - 2_000_000_000
    end = max((p.end_ns or p.call_ns) for p in pairs)
    return [w.label for w in windows if w.start_ns <= end and w.end_ns >= start]


def _legend() -> str:
    items = [("#2e7d32", "ok"), ("#c62828", "fail"), ("#ef6c00", "info (indeterminate)"),
             ("#ffd54f", "fault active")]
    return '<p class="legend">' + "".join(
        f'<span><i class="swatch" style="background:{c}"></i>{escape(t)}</span>'
        for c, t in items) + "</p>"


def _summary_table(results: list[CheckResult]) -> str:
    rows = []
    for i, r in enumerate(results):
        link = f' <a href="#cx-{i}">counterexample</a>' if r.counterexample else ""
        rows.append(f'<tr><td>{escape(r.checker)}</td><td class="{r.verdict.value}">'
                    f'{r.verdict.value}</td><td>{escape(r.summary)}{link}</td></tr>')
    return ("<table><tr><th>checker</th><th>verdict</th><th>summary</th></tr>"
            + "".join(rows) + "</table>")


def _stats_table(ops: list[Op]) -> str:
    counts: Counter[tuple[str, str]] = Counter()
    for op in ops:
        if op.is_client and op.type != "invoke":
            counts[(op.f, op.type)] += 1
    fs = sorted({f for f, _ in counts})
    rows = "".join(
        f"<tr><td>{escape(f)}</td>" + "".join(f"<td>{counts[(f, t)]}</td>"
                                               for t in ("ok", "fail", "info")) + "</tr>"
        for f in fs)
    return ("<table><tr><th>operation</th><th>ok</th><th>fail</th><th>info</th></tr>"
            + rows + "</table>")


def _checker_section(i: int, r: CheckResult, pairs: list[Pair], ops: list[Op]) -> str:
    parts = [f'<h3 id="cx-{i}">{escape(r.checker)}: <span class="{r.verdict.value}">'
             f'{r.verdict.value}</span></h3><p>{escape(r.summary)}</p>']
    explanation = r.details.get("explanation")
    if explanation:
        parts.append(f"<p><b>{escape(str(explanation))}</b></p>")
    if r.counterexample:
        cx = _counterexample_pairs(pairs, r.counterexample)
        windows = nemesis_windows(ops)
        parts.append(f"<p>Counterexample: {len(cx)} operations (hover a bar for details; "
                     "bold outline: the operations named by the checker).</p>")
        active = _faults_during(cx, windows)
        parts.append("<p>Faults active during it: "
                     + (escape("; ".join(active)) if active else "none") + ".</p>")
        parts.append(timeline(cx, windows, {p.invoke.index for p in cx}))
        by_index = {op.index: op for op in ops}
        lines = [by_index[k].to_line() for k in r.counterexample if k in by_index]
        parts.append("<pre>" + escape("\n".join(lines)) + "</pre>")
    parts.append(f'<button onclick="toggle(\'d-{i}\')">details</button>'
                 f'<pre id="d-{i}" hidden>{escape(json.dumps(r.details, indent=1))}</pre>')
    return "".join(parts)


def render_html(spec: dict[str, Any], ops: list[Op], verdict: str,
                results: list[CheckResult]) -> str:
    """The report page as a string."""
    pairs = pair_ops(ops)
    client = [p for p in pairs if p.invoke.is_client]
    windows = nemesis_windows(ops)
    first_bad = next((i for i, r in enumerate(results) if r.counterexample), None)
    jump = (f' <a href="#cx-{first_bad}">jump to the first counterexample</a>'
            if first_bad is not None else "")
    title = f"smchaos: {spec.get('workload', '?')} / {'+'.join(spec.get('nemeses', [])) or 'none'}"
    faults = "".join(f"<tr><td>{w.start_ns / 1e9:.2f}s</td><td>{w.end_ns / 1e9:.2f}s</td>"
                     f"<td>{escape(w.label)}</td></tr>" for w in windows)
    body = [
        f"<h1>{escape(title)} <span class='badge {escape(verdict)}'>{escape(verdict)}</span>"
        f"</h1>{jump}",
        f"<p>{len(client)} client operations, {len(windows)} fault windows.</p>",
        "<h2>Verdicts</h2>", _summary_table(results),
        "<h2>Operations</h2>", _stats_table(ops), _legend(),
        "<h2>Latency</h2>", latency_plot(client, windows),
        "<h2>Throughput</h2>", throughput_plot(client, windows),
        "<h2>Checkers</h2>",
        *(_checker_section(i, r, pairs, ops) for i, r in enumerate(results)),
        "<h2>Faults</h2><table><tr><th>from</th><th>to</th><th>fault</th></tr>"
        + faults + "</table>",
        "<h2>Run spec</h2><pre>" + escape(json.dumps(spec, indent=1)) + "</pre>",
    ]
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{_CSS}</style><script>{_JS}</script></head><body>"
            + "".join(body) + "</body></html>")


def render_report(run_dir: RunDir) -> None:
    """(Re)write ``report.html`` of a run directory from its stored files."""
    verdict, results = run_dir.read_results()
    html = render_html(run_dir.read_spec(), run_dir.read_history(), verdict, results)
    run_dir.report.write_text(html, encoding="utf-8")
