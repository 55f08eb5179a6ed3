"""The standard benchmark page: rendering, independent parts, and a quick real run (slow)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from smbench import measure, standard
from smbench.measure import Scale, Section


def test_page_has_the_machine_the_date_and_every_table():
    s = Section("Things", ["target", "ops/s"], rows=[["a", "1,000"]], commands=["smbench x"])
    s.skip("b", "redis-server is not installed\nmore detail")
    import datetime
    page = standard.render([s], datetime.datetime(2026, 1, 2, 3, 4, tzinfo=datetime.UTC), 12.0,
                           quick=False)
    assert "# Benchmarks" in page and "2026-01-02 03:04 UTC" in page
    assert "| cores |" in page and "| Python |" in page
    assert "## Things" in page and "| a | 1,000 |" in page
    assert "| b | not measured: redis-server is not installed |" in page
    assert "```\nsmbench x\n```" in page


def test_a_part_that_raises_is_reported_and_the_others_still_run(monkeypatch, tmp_path):
    def broken(work: Path, scale: Scale) -> Section:
        raise RuntimeError("boom")

    ran = []

    def fine(work: Path, scale: Scale) -> Section:
        ran.append(True)
        return Section("fine", ["x", "y"])

    monkeypatch.setattr(measure, "redis_benchmark", broken)
    monkeypatch.setattr(measure, "catchup", fine)
    sections = standard._run_parts(["rb", "catchup"], tmp_path, standard.QUICK)
    assert ran == [True]
    assert "not measured: RuntimeError: boom" in sections[0].rows[0][1]


def test_unknown_parts_are_a_usage_error():
    proc = subprocess.run([sys.executable, "-m", "smbench.standard", "--only", "nope"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and "unknown part" in proc.stderr


@pytest.mark.slow
def test_quick_standard_run_writes_the_page(tmp_path):
    out = tmp_path / "benchmarks.md"
    proc = subprocess.run([sys.executable, "-m", "smbench.standard", "--quick",
                           "--only", "mix,catchup", "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    page = out.read_text()
    assert "## smbench mix" in page and "## Replica catch-up" in page


def test_a_row_of_alternated_rounds_shows_each_figures_median_and_notes_every_round():
    section = Section("rb", ["target", "SET ops/s", "SET p50 µs", "GET ops/s", "GET p50 µs"])
    rounds = [{"SET": (90_000.0, 0.3), "GET": (70_000.0, 0.5)},
              {"SET": (50_000.0, 0.9), "GET": (80_000.0, 0.4)},
              {"SET": (70_000.0, 0.5), "GET": (60_000.0, 0.6)}]
    measure._rb_row(section, "redis-server, -P 1", rounds)
    assert section.rows == [["redis-server, -P 1", "70,000", "500", "70,000", "500"]]
    assert section.notes == ["redis-server, -P 1: SET 90,000, 50,000, 70,000; "
                             "GET 70,000, 80,000, 60,000 ops/s by round."]
    assert measure._median([4.0, 1.0, 3.0, 2.0]) == 2.5
