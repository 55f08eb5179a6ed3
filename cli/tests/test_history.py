"""Where REPL history lives, and what never goes into it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from smcli import repl
from smcli.repl import history_path, open_history


def test_history_defaults_to_the_home_directory(tmp_path: Path) -> None:
    assert history_path({}, tmp_path) == tmp_path / ".smcli_history"


def test_history_file_can_be_overridden_or_disabled(tmp_path: Path) -> None:
    assert history_path({"SMCLI_HISTFILE": str(tmp_path / "h")}, Path("/nowhere")) == tmp_path / "h"
    assert history_path({"SMCLI_HISTFILE": ""}, tmp_path) is None


def test_history_file_is_private_and_never_stores_auth(tmp_path: Path) -> None:
    path = tmp_path / "history"
    history, warning = open_history(path)
    assert warning is None
    for line in ("PUT k v", "AUTH c2VjcmV0", "nauth abc", "GET k"):
        history.append_string(line)
    text = path.read_text()
    assert "PUT k v" in text and "GET k" in text
    assert "c2VjcmV0" not in text and "nauth" not in text.lower()
    assert path.stat().st_mode & 0o777 == 0o600
    assert list(history.get_strings()) == ["PUT k v", "GET k"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_history_falls_back_to_memory_with_a_warning(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    history, warning = open_history(locked / "history")
    assert warning is not None and "history not saved" in warning
    history.append_string("PING")
    assert list(history.get_strings()) == ["PING"]


def test_history_in_a_missing_directory_falls_back_to_memory(tmp_path: Path) -> None:
    history, warning = open_history(tmp_path / "no" / "such" / "dir" / "history")
    assert warning is not None and "history not saved" in warning
    history.append_string("AUTH secret")
    history.append_string("PING")
    assert list(history.get_strings()) == ["PING"]


def test_an_oversized_history_file_is_trimmed_to_the_newest_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(repl, "HISTORY_MAX_BYTES", 1024)
    monkeypatch.setattr(repl, "HISTORY_MAX_ENTRIES", 5)
    path = tmp_path / "history"
    history, _ = open_history(path)
    for i in range(200):
        history.append_string(f"PUT key{i} value")
    assert path.stat().st_size > 1024
    reopened, warning = open_history(path)
    assert warning is None and path.stat().st_size < 1024
    newest = [f"PUT key{i} value" for i in range(199, 194, -1)]
    assert list(reopened.load_history_strings()) == newest
    assert path.stat().st_mode & 0o777 == 0o600
