"""Hand-written histories with known verdicts: one parametrized test over the folder.

File names are ``<workload>--<expected verdict>--<what it shows>.jsonl``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from smchaos.checker import Budget, Verdict
from smchaos.checker.suite import overall, run_checks
from smchaos.history import read_history

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.jsonl"))


def test_the_folder_covers_every_named_case() -> None:
    names = {p.stem.split("--")[2] for p in HISTORIES}
    for needed in ("stale-read", "lost-write", "duplicate-increment", "concurrent-overlaps",
                   "indeterminate-write-happened", "indeterminate-write-not-happened"):
        assert needed in names


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
def test_history_gets_its_known_verdict(path: Path) -> None:
    workload, expected, _ = path.stem.split("--")
    results = run_checks(read_history(path), workload, Budget(10.0))
    assert overall(results) is Verdict(expected), [r.to_json() for r in results]
    for r in results:
        if r.verdict is Verdict.INVALID:
            assert r.counterexample, r
