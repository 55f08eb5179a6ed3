"""The interactive REPL (prompt_toolkit): history, completion, usage hints, colored replies.

History lives in ``~/.smcli_history`` (``SMCLI_HISTFILE`` overrides it; an empty value keeps
history in memory only). The file is created private (mode 600), and ``AUTH``/``NAUTH``
lines are never stored, so secrets typed at the prompt do not end up on disk.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.application import get_app
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import FileHistory, History, InMemoryHistory

from smcli import helptext
from smcli.completer import CommandCompleter
from smcli.connection import ConnectionProblem
from smcli.replies import command_name
from smcli.runner import Runner

HISTORY_ENV = "SMCLI_HISTFILE"
DEFAULT_HISTORY_NAME = ".smcli_history"
SECRET_COMMANDS = frozenset({"AUTH", "NAUTH"})
HISTORY_MAX_ENTRIES = 10_000
"""Entries loaded at start (the newest ones)."""
HISTORY_MAX_BYTES = 4 * 1024 * 1024
"""A history file over this size is trimmed to ``HISTORY_MAX_ENTRIES`` at start."""


def history_path(env: Mapping[str, str], home: Path) -> Path | None:
    """Where history is kept: ``SMCLI_HISTFILE``, else ``~/.smcli_history``; ``None``: memory."""
    if HISTORY_ENV in env:
        value = env[HISTORY_ENV]
        return Path(value).expanduser() if value else None
    return home / DEFAULT_HISTORY_NAME


class SecretFilteringHistory(FileHistory):
    """A file history that never records ``AUTH``/``NAUTH`` lines and loads at most
    ``HISTORY_MAX_ENTRIES`` of the newest entries."""

    def load_history_strings(self) -> Iterable[str]:
        """The newest entries first, at most ``HISTORY_MAX_ENTRIES``."""
        return list(itertools.islice(super().load_history_strings(), HISTORY_MAX_ENTRIES))

    def append_string(self, string: str) -> None:
        """Record ``string`` unless it carries a secret."""
        if command_name(string) in SECRET_COMMANDS:
            return
        super().append_string(string)

    def trim(self) -> None:
        """Rewrite the file with only the newest entries when it grew past its byte limit."""
        path = Path(os.fsdecode(self.filename))
        if path.stat().st_size <= HISTORY_MAX_BYTES:
            return
        newest_first = self.load_history_strings()
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as f:
            for entry in reversed(list(newest_first)):
                f.write("\n" + "".join(f"+{line}\n" for line in entry.split("\n")))
        os.replace(tmp, path)


class _MemoryHistory(InMemoryHistory):
    def append_string(self, string: str) -> None:
        if command_name(string) in SECRET_COMMANDS:
            return
        super().append_string(string)


def open_history(path: Path | None) -> tuple[History, str | None]:
    """The history for ``path``, and a warning when the file cannot be used."""
    if path is None:
        return _MemoryHistory(), None
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.close(fd)
        history = SecretFilteringHistory(str(path))
        history.trim()
    except OSError as exc:
        return _MemoryHistory(), f"history not saved: {path}: {exc.strerror or exc}"
    return history, None


def _toolbar() -> FormattedText:
    text = get_app().current_buffer.document.text
    return FormattedText([("", " " + helptext.usage_hint(text))])


class Repl:
    """The read-eval-print loop over a :class:`Runner`."""

    def __init__(self, runner: Runner, history: History, prompt: str) -> None:
        self.runner = runner
        self._session: PromptSession[str] = PromptSession(
            message=prompt,
            history=history,
            completer=CommandCompleter(),
            complete_while_typing=False,
            bottom_toolbar=_toolbar,
            enable_history_search=False,
        )

    def run(self) -> int:
        """Prompt until Ctrl-D or QUIT; a failing command never ends the loop. Returns 0."""
        while True:
            try:
                line = self._session.prompt()
            except KeyboardInterrupt:
                continue
            except EOFError:
                return 0
            try:
                outcome = self.runner.run(line)
            except KeyboardInterrupt:
                self.runner.printer.notice("interrupted (the connection was reset)")
                continue
            except ConnectionProblem as exc:
                self.runner.printer.notice(str(exc))
                continue
            if outcome.quit:
                return 0
