"""One-shot and pipe modes against a real node: replies, output form and exit codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Smcli = Callable[..., Any]



def test_one_shot_put_then_get_prints_the_replies(smcli: Smcli, node_args: list[str]) -> None:
    put = smcli(*node_args, "PUT", "greeting", "hello", "big  world")
    assert (put.code, put.stdout, put.stderr) == (0, "OK key-value written\n", "")
    get = smcli(*node_args, "GET", "greeting")
    assert (get.code, get.stdout) == (0, "OK greeting hello big  world\n")


def test_one_shot_err_reply_exits_1(smcli: Smcli, node_args: list[str]) -> None:
    result = smcli(*node_args, "GET", "missing")
    assert (result.code, result.stdout) == (1, "ERR key-value not found\n")


def test_one_shot_command_names_are_case_insensitive(smcli: Smcli, node_args: list[str]) -> None:
    assert smcli(*node_args, "ping").stdout == "OK PONG\n"


def test_one_shot_multi_line_reply_is_header_then_lines(smcli: Smcli, node_args: list[str]) -> None:
    smcli(*node_args, "PUT", "user:2", "Alan")
    smcli(*node_args, "PUT", "user:1", "Ada Lovelace")
    result = smcli(*node_args, "REGX", "^user:")
    assert (result.code, result.stdout) == (0, "OK 2\nuser:1 Ada Lovelace\nuser:2 Alan\n")


def test_pipe_mode_prints_one_reply_per_command(smcli: Smcli, node_args: list[str]) -> None:
    script = "PUT a 1\nINCR a 41\n\nGET a\nREGX ^a$\nDEL a\n"
    result = smcli(*node_args, stdin=script)
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "OK key-value written", "OK a 42", "OK a 42", "OK 1", "a 42", "OK key-value deleted",
    ]


def test_pipe_mode_exits_1_when_any_reply_is_err_and_goes_on(
    smcli: Smcli, node_args: list[str]
) -> None:
    result = smcli(*node_args, stdin="GET nope\r\nPUT b 2\r\nINCR b x\r\nGET b\r\n")
    assert result.code == 1
    assert result.stdout.splitlines() == [
        "ERR key-value not found", "OK key-value written", "ERR invalid value", "OK b 2",
    ]


def test_pipe_mode_stops_at_quit(smcli: Smcli, node_args: list[str]) -> None:
    result = smcli(*node_args, stdin="PING\nQUIT\nPUT after-quit x\n")
    assert (result.code, result.stdout) == (0, "OK PONG\nOK see ya later\n")
    assert smcli(*node_args, "GET", "after-quit").code == 1


def test_pipe_mode_reports_a_non_utf8_line_in_place(smcli: Smcli, node_args: list[str]) -> None:
    result = smcli(*node_args, stdin=b"PING\nPUT k \xff\xfe\nPING\n")
    assert result.code == 1
    assert result.stdout.splitlines() == [
        "OK PONG", "ERR invalid input: line 2 is not UTF-8", "OK PONG",
    ]


def test_server_errors_pass_through_verbatim(smcli: Smcli, node_args: list[str]) -> None:
    result = smcli(*node_args, stdin="FROB x\nGET\nREGX (\n")
    lines = result.stdout.splitlines()
    assert result.code == 1 and len(lines) == 3
    assert lines[0] == "ERR unknown command"
    assert lines[1] == "ERR wrong number of arguments for 'GET'"
    assert lines[2].startswith("ERR invalid pattern")


def test_help_is_answered_locally_in_pipe_mode(smcli: Smcli, node_args: list[str]) -> None:
    result = smcli(*node_args, stdin="HELP GET\nHELP NOPE\n")
    assert result.code == 1
    assert result.stdout.splitlines()[0] == "GET <key>"
    assert "ERR unknown command 'NOPE'" in result.stdout


def test_timing_goes_to_stderr_in_plain_mode(smcli: Smcli, node_args: list[str]) -> None:
    result = smcli(*node_args, "--timing", "PING")
    assert result.stdout == "OK PONG\n"
    assert result.stderr.startswith("(") and result.stderr.rstrip().endswith(("ms)", "s)"))


def test_no_color_output_has_no_escape_codes(smcli: Smcli, node_args: list[str]) -> None:
    result = smcli(*node_args, "--no-color", "STAT")
    assert result.code == 0 and "\x1b[" not in result.stdout
    assert result.stdout.startswith("OK ") and "PRIMARY" in result.stdout
