"""The self-contained HTML report."""

from smchaos.report.html import render_html, render_report
from smchaos.report.svg import Window, latency_plot, nemesis_windows, throughput_plot, timeline

__all__ = [
    "Window",
    "latency_plot",
    "nemesis_windows",
    "render_html",
    "render_report",
    "throughput_plot",
    "timeline",
]
