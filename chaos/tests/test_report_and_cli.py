"""Report rendering from a recorded history, and the ``smchaos`` command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from smchaos.cli import main
from smchaos.store import RunDir, new_run_dir

HISTORIES = Path(__file__).parent / "histories"


def _run_dir(tmp_path: Path, history: str, workload: str) -> RunDir:
    run = new_run_dir(tmp_path, f"{workload}-kill")
    shutil.copyfile(HISTORIES / history, run.history)
    run.write_spec({"workload": workload, "nemeses": ["kill"], "seed": 1})
    return run


def test_report_re_renders_a_self_contained_page(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    run = _run_dir(tmp_path, "register--invalid--lost-write.jsonl", "register")
    assert main(["report", str(run.path)]) == 1
    html = run.report.read_text()
    assert "<svg" in html and 'href="#cx-0"' in html and "fault active" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    results = json.loads(run.results.read_text())
    assert results["verdict"] == "invalid"
    assert "report:" in capsys.readouterr().out


@pytest.mark.parametrize(("name", "workload", "code"), [
    ("register--valid--concurrent-overlaps.jsonl", "register", 0),
    ("register--invalid--stale-read.jsonl", "register", 1),
    ("counter--invalid--duplicate-increment.jsonl", "counter", 1),
])
def test_check_exits_with_the_verdict(name: str, workload: str, code: int) -> None:
    assert main(["check", str(HISTORIES / name), "--workload", workload]) == code


def test_check_answers_unknown_with_exit_2_when_the_budget_is_spent(tmp_path: Path) -> None:
    lines = []
    for i in range(40):
        lines.append({"index": 2 * i, "time": i, "process": i, "type": "invoke",
                      "f": "write", "key": "k", "value": i})
    for i in range(40):
        lines.append({"index": 80 + i, "time": 100 + i, "process": i, "type": "info",
                      "f": "write", "key": "k", "value": i})
    lines.append({"index": 200, "time": 300, "process": 99, "type": "invoke", "f": "read",
                  "key": "k", "value": None})
    lines.append({"index": 201, "time": 301, "process": 99, "type": "ok", "f": "read",
                  "key": "k", "value": -1})
    path = tmp_path / "h.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    assert main(["check", str(path), "--budget", "0.2"]) == 2


@pytest.mark.parametrize("content", ["not json\n", '{"time": 1}\n', "[1,2]\n",
                                     '{"index":0,"time":0,"process":0,"type":"ok",'
                                     '"f":"read","key":"k","value":1}\n'])
def test_bad_histories_are_one_line_errors(tmp_path: Path, content: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    assert main(["check", str(path)]) == 3
    err = capsys.readouterr().err
    assert err.startswith("smchaos: error:") and err.count("\n") == 1


def test_unknown_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--nemesis", "meteor"]) == 3
    assert main(["check"]) == 3
    assert "smchaos: error" in capsys.readouterr().err
