"""The issue #7 targets, computed from the measured tables of one ``make bench`` run."""

from __future__ import annotations

from smbench.measure import Section


def _num(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _cell(sections: list[Section], title: str, label: str, column: str) -> float | None:
    for section in sections:
        if not section.title.startswith(title) or column not in section.columns:
            continue
        index = section.columns.index(column)
        for row in section.rows:
            if row and row[0].startswith(label) and index < len(row):
                return _num(row[index])
    return None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def targets(sections: list[Section]) -> Section:
    """A table of every target: the figure, the goal, met or not."""
    out = Section("Targets (issue #7), from the tables below, same run",
                  ["target", "measured", "goal", "met"])
    rb, node, redis = "redis-benchmark", "SuperMassive node", "redis-server"
    rows: list[tuple[str, float | None, str, bool | None]] = []
    for pipe, goal in (("-P 16", 1.0), ("-P 1", 0.8)):
        for op in ("SET", "GET"):
            r = _ratio(_cell(sections, rb, f"{node} (RESP, journal-sync everysec), {pipe}",
                             f"{op} ops/s"),
                       _cell(sections, rb, f"{redis}, {pipe}", f"{op} ops/s"))
            rows.append((f"node / redis-server, {op}, {pipe}", r, f">= {goal}x",
                         None if r is None else r >= goal))
    mix = _ratio(_cell(sections, "smbench mix", "cluster", "ops/s"),
                 _cell(sections, "smbench mix", "one node", "ops/s"))
    rows.append(("cluster / one node, original mix, 50 connections", mix, ">= 0.5x",
                 None if mix is None else mix >= 0.5))
    mem = _ratio(_cell(sections, "Memory", node, "RSS bytes per key"),
                 _cell(sections, "Memory", redis, "RSS bytes per key"))
    rows.append(("RSS per key at 1M keys, node / redis-server", mem, "<= 2x",
                 None if mem is None else mem <= 2.0))
    replay = _cell(sections, "Journal replay", node, "records/s replayed")
    rows.append(("journal replay, records/s (the node's own replay timer)", replay,
                 ">= 500,000", None if replay is None else replay >= 500_000))
    started = _cell(sections, "Journal replay", node, "keys/s")
    rows.append(("journal replay, keys/s (process start included)", started, "(for reference)",
                 None))
    catch = _cell(sections, "Replica catch-up", "1 primary", "catch-up s")
    rows.append(("replica catch-up of 100k missed writes, s", catch, "<= 2",
                 None if catch is None else catch <= 2.0))
    for name, value, goal_text, met in rows:
        shown = "not measured" if value is None else (
            f"{value:.2f}x" if goal_text.endswith("x") else f"{value:,.2f}")
        out.rows.append([name, shown, goal_text, "-" if met is None else ("yes" if met else "no")])
    out.notes.append("Ratios divide the medians of rounds in which the compared servers took "
                     "turns on the same (shared, noisy) machine in this run; "
                     "`smbench --compare` does the same for any two targets.")
    return out
