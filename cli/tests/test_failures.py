"""Connection, credential, TLS, timeout and usage problems: one line on stderr, exit 2."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from smclient.testing import ServerProcess, free_port

Smcli = Callable[..., Any]


def _one_line_problem(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("smcli: ")
    return lines[0]


def test_refused_connection_is_one_line_and_exit_2(smcli: Smcli) -> None:
    port = free_port()
    result = smcli("-p", str(port), "PING")
    assert result.code == 2 and result.stdout == ""
    line = _one_line_problem(result.stderr)
    assert f"127.0.0.1:{port}" in line and "connection refused" in line


def test_refused_connection_in_pipe_mode_is_exit_2(smcli: Smcli) -> None:
    result = smcli("-p", str(free_port()), stdin="PING\n")
    assert result.code == 2
    assert "connection refused" in _one_line_problem(result.stderr)


def test_unknown_host_is_one_line(smcli: Smcli) -> None:
    result = smcli("-h", "no-such-host.invalid", "PING")
    assert result.code == 2
    assert "no-such-host.invalid" in _one_line_problem(result.stderr)


def test_wrong_shared_key_is_an_authentication_failure(smcli: Smcli, node: ServerProcess) -> None:
    result = smcli("-p", str(node.port), "--shared-key", "wrong-key", "PING")
    assert result.code == 2
    line = _one_line_problem(result.stderr)
    assert "authentication failed" in line and node.address in line


def test_no_reply_in_time_is_a_timeout(smcli: Smcli, node: ServerProcess) -> None:
    node.pause()  # SIGSTOP: the kernel still accepts the connection, nobody answers
    try:
        result = smcli("-p", str(node.port), "--shared-key", "test-key",
                       "--connect-timeout", "0.5", "--timeout", "0.5", "PING")
    finally:
        node.resume()
    assert result.code == 2
    assert "timed out" in _one_line_problem(result.stderr)


@pytest.mark.parametrize("argv, fragment", [
    (["-p", "99999", "PING"], "port out of range"),
    (["--bogus"], "unrecognized arguments"),
    (["--local", "--user", "ada", "PING"], "exclude"),
    (["--url", "http://db", "PING"], "--url"),
    (["--cacert", "/nonexistent/ca.pem", "PING"], "no such file"),
    (["--user", "ada", "PING"], "SUPERMASSIVE_PASSWORD"),
])
def test_usage_problems_are_one_line_and_exit_2(
    smcli: Smcli, argv: list[str], fragment: str
) -> None:
    result = smcli(*argv)
    assert result.code == 2
    assert fragment in _one_line_problem(result.stderr)


def test_version_and_help(smcli: Smcli) -> None:
    assert smcli("--version").stdout.startswith("smcli ")
    help_text = smcli("--help")
    assert help_text.code == 0 and "--shared-key" in help_text.stdout


def test_bad_credentials_are_one_line_and_exit_2(smcli: Smcli, cluster: ServerProcess) -> None:
    result = smcli("-p", str(cluster.port), "--user", "ada", "PING",
                   SUPERMASSIVE_PASSWORD="wrong")
    assert result.code == 2
    line = _one_line_problem(result.stderr)
    assert "authentication failed" in line and "'ada'" in line


def test_good_credentials_from_the_environment_work(smcli: Smcli, cluster: ServerProcess) -> None:
    args = ["-p", str(cluster.port), "--user", "ada"]
    put = smcli(*args, "PUT", "k", "v", SUPERMASSIVE_PASSWORD="lovelace")
    assert (put.code, put.stdout) == (0, "OK key-value written\n")
    url = smcli("--url", f"supermassive://ada:lovelace@127.0.0.1:{cluster.port}", "GET", "k")
    assert (url.code, url.stdout) == (0, "OK k v\n")


def test_unauthenticated_command_gets_err_and_a_hint(smcli: Smcli, cluster: ServerProcess) -> None:
    result = smcli("-p", str(cluster.port), "GET", "k")
    assert (result.code, result.stdout) == (1, "ERR not authenticated\n")
    assert "--user" in result.stderr
