"""The REPL in a pseudo-terminal (pexpect) against a real node.

The driver answers prompt_toolkit's cursor-position requests as a real terminal would, so the
bottom toolbar (usage hints) is drawn. Every wait is bounded by ``TIMEOUT_S``.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from smclient.testing import ServerProcess, free_port

pexpect = pytest.importorskip("pexpect")

TIMEOUT_S = 20.0
CPR_REQUEST = "\x1b[6n"
CPR_ANSWER = "\x1b[1;1R"
UP = "\x1b[A"
CTRL_D = "\x04"
CTRL_U = "\x15"
SKIPPED = "\0"
_ESCAPES = re.compile(r"\x1b\[(\d*)C|\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\r")


def screen_text(raw: str) -> str:
    """Terminal output with control sequences removed; a cursor move right over n cells
    (prompt_toolkit's way of keeping unchanged characters) becomes n ``SKIPPED`` marks."""

    def replace(m: re.Match[str]) -> str:
        return SKIPPED * int(m.group(1) or 1) if m.group(1) is not None else ""

    return _ESCAPES.sub(replace, raw)


def text_pattern(text: str) -> re.Pattern[str]:
    """Matches ``text`` on screen: its first character drawn, each other one either drawn or
    kept from before."""
    rest = "".join(f"(?:{re.escape(c)}|{SKIPPED})" for c in text[1:])
    return re.compile(re.escape(text[:1]) + rest)


class ReplDriver:
    """One ``smcli`` REPL process in a pseudo-terminal that answers terminal queries."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.prompt = f"127.0.0.1:{args[args.index('-p') + 1]}>"
        self.child = pexpect.spawn(
            sys.executable, ["-m", "smcli", *args], env=env, encoding="utf-8",
            timeout=TIMEOUT_S, dimensions=(40, 160),
        )
        self._raw = ""
        self._answered = 0
        self._pos = 0

    def _read(self, deadline: float) -> bool:
        """Read what is there (up to 0.2 s); answer cursor-position requests. False at EOF."""
        try:
            chunk = self.child.read_nonblocking(65536, timeout=min(0.2, deadline))
        except pexpect.TIMEOUT:
            return True
        except pexpect.EOF:
            return False
        self._raw += chunk
        requests = self._raw.count(CPR_REQUEST)
        for _ in range(requests - self._answered):
            self.child.send(CPR_ANSWER)
        self._answered = requests
        return True

    def expect(self, text: str) -> None:
        """Wait until ``text`` appears on screen after the previous match."""
        pattern = text_pattern(text)
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            match = pattern.search(screen_text(self._raw), self._pos)
            if match:
                self._pos = match.end()
                return
            remaining = deadline - time.monotonic()
            alive = remaining > 0 and self._read(remaining)
            if not alive:
                tail = screen_text(self._raw)[-300:].replace(SKIPPED, "~")
                raise AssertionError(f"{text!r} not seen; screen ends with {tail!r}")

    def expect_prompt(self) -> None:
        """Wait for the prompt (its trailing space is drawn as a cursor move)."""
        self.expect(self.prompt)

    @property
    def output(self) -> str:
        """Everything the process wrote to the terminal so far."""
        return self._raw

    def send(self, text: str) -> None:
        """Type ``text``."""
        self.child.send(text)

    def finish(self) -> int:
        """Wait for the process to exit; return its exit status."""
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline and self._read(deadline - time.monotonic()):
            pass
        while self.child.isalive() and time.monotonic() < deadline:
            time.sleep(0.05)  # EOF on the terminal can come before the process is reaped
        self.child.close()
        status = self.child.exitstatus
        return -1 if status is None else int(status)

    def kill(self) -> None:
        """Make sure the process is gone."""
        if self.child.isalive():
            self.child.terminate(force=True)


@pytest.fixture
def repl(
    node: ServerProcess, tmp_path: Path, clean_env: dict[str, str]
) -> Iterator[Callable[..., ReplDriver]]:
    """Start REPLs on :func:`node` sharing one history file; all are killed at teardown."""
    drivers: list[ReplDriver] = []

    def start(*extra: str) -> ReplDriver:
        args = ["-p", str(node.port), "--shared-key", "test-key", *extra]
        env = {**clean_env, "SMCLI_HISTFILE": str(tmp_path / "history"),
               "TERM": "xterm-256color"}
        driver = ReplDriver(args, env)
        drivers.append(driver)
        return driver

    yield start
    for driver in drivers:
        driver.kill()


def test_tab_completes_command_names(repl: Callable[..., ReplDriver]) -> None:
    r = repl()
    r.expect_prompt()
    r.send("RE\t")
    r.expect("REGX")
    r.send(CTRL_U + "R\t")
    r.expect("RCNF")  # both candidates are listed in the completion menu
    r.send(CTRL_U)
    r.send(CTRL_D)
    assert r.finish() == 0


def test_usage_hint_shows_for_the_typed_command(repl: Callable[..., ReplDriver]) -> None:
    r = repl()
    r.expect_prompt()
    r.expect("HELP lists the commands")
    r.send("INCR")
    r.expect("INCR <key> [delta]")
    r.send(CTRL_U + CTRL_D)
    assert r.finish() == 0


def test_history_from_a_previous_session_comes_back_with_up(
    repl: Callable[..., ReplDriver], tmp_path: Path,
) -> None:
    first = repl()
    first.expect_prompt()
    first.send("PUT hist-key from-session-one\r")
    first.expect("key-value written")
    first.expect_prompt()
    first.send("AUTH c2VjcmV0\r")  # secrets are never written to the history file
    first.expect_prompt()
    first.send(CTRL_D)
    assert first.finish() == 0
    history = (tmp_path / "history").read_text()
    assert "PUT hist-key from-session-one" in history and "AUTH" not in history
    assert (tmp_path / "history").stat().st_mode & 0o077 == 0

    second = repl()
    second.expect_prompt()
    second.send(UP)
    second.expect("PUT hist-key from-session-one")
    second.send("\r")
    second.expect("key-value written")
    second.send(CTRL_D)
    assert second.finish() == 0


def test_failing_command_shows_err_and_the_repl_goes_on(repl: Callable[..., ReplDriver]) -> None:
    r = repl()
    r.expect_prompt()
    r.send("GET no-such-key\r")
    r.expect("ERR")
    r.expect("key-value not found")
    r.expect_prompt()
    r.send("PUT after-error ok\r")
    r.expect("key-value written")
    r.expect_prompt()
    r.send(CTRL_D)
    assert r.finish() == 0


def test_help_and_tables_render_in_the_terminal(repl: Callable[..., ReplDriver]) -> None:
    r = repl("--timing")
    r.expect_prompt()
    r.send("HELP REGX\r")
    r.expect("REGX <pattern> [offset limit]")
    r.expect_prompt()
    r.send("PUT t:1 one\r")
    r.expect("key-value written")
    r.expect(" ms)")
    r.send("REGX ^t:\r")
    r.expect("value")  # the table's column header
    r.expect("t:1")
    r.send("STAT\r")
    r.expect("PRIMARY")
    r.expect_prompt()
    r.send(CTRL_D)
    assert r.finish() == 0


def test_ctrl_c_clears_the_line_and_quit_ends_the_session(
    repl: Callable[..., ReplDriver],
) -> None:
    r = repl()
    r.expect_prompt()
    r.send("GET half-typed\x03")
    r.expect_prompt()
    r.send("QUIT\r")
    r.expect("see ya later")
    assert r.finish() == 0


def test_repl_on_a_refused_port_exits_2_with_one_line(
    tmp_path: Path, clean_env: dict[str, str],
) -> None:
    env = {**clean_env, "SMCLI_HISTFILE": str(tmp_path / "history")}
    r = ReplDriver(["-p", str(free_port())], env)
    try:
        r.expect("connection refused")
        assert r.finish() == 2
    finally:
        r.kill()


def test_password_is_prompted_without_echo(
    cluster: ServerProcess, tmp_path: Path, clean_env: dict[str, str],
) -> None:
    env = {**clean_env, "SMCLI_HISTFILE": str(tmp_path / "history")}
    r = ReplDriver(["-p", str(cluster.port), "--user", "ada", "PING"], env)
    try:
        r.expect(f"Password for ada@127.0.0.1:{cluster.port}:")
        r.send("lovelace\r")
        r.expect("PONG")
        assert r.finish() == 0
        assert "lovelace" not in screen_text(r.output)
    finally:
        r.kill()


def test_wrong_prompted_password_is_one_line_and_exit_2(
    cluster: ServerProcess, tmp_path: Path, clean_env: dict[str, str],
) -> None:
    env = {**clean_env, "SMCLI_HISTFILE": str(tmp_path / "history")}
    r = ReplDriver(["-p", str(cluster.port), "--user", "ada"], env)
    try:
        r.expect("Password for ada@")
        r.send("not-the-password\r")
        r.expect("authentication failed")
        assert r.finish() == 2
    finally:
        r.kill()


def test_lost_server_is_one_line_and_the_repl_reconnects(
    repl: Callable[..., ReplDriver], node: ServerProcess,
) -> None:
    r = repl()
    r.expect_prompt()
    r.send("PUT survives-restart yes\r")
    r.expect("key-value written")
    r.expect_prompt()
    node.stop()
    try:
        r.send("GET survives-restart\r")
        r.expect("smcli: ")  # "could not connect to ..." or "connection to ... failed"
        r.expect(node.address)
        r.expect_prompt()
    finally:
        node.start()
    r.send("GET survives-restart\r")
    r.expect("survives-restart yes")
    r.expect_prompt()
    r.send(CTRL_D)
    assert r.finish() == 0
