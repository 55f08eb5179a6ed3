"""HELP and usage hints come from the server's command table."""

from __future__ import annotations

from smcli import helptext
from smclient.protocol.commands import PUBLIC_COMMANDS


def test_overview_lists_every_client_command_and_help() -> None:
    text = "\n".join(helptext.overview())
    for spec in PUBLIC_COMMANDS:
        assert spec.usage in text and spec.summary in text
    assert "HELP [command]" in text


def test_help_for_one_command_shows_usage_example_and_errors() -> None:
    answer = helptext.answer("help regx")
    assert answer.ok
    assert answer.lines[0] == "REGX <pattern> [offset limit]"
    assert any("example: REGX" in line for line in answer.lines)
    assert any("ERR invalid pattern" in line for line in answer.lines)


def test_help_knows_internal_verbs_too() -> None:
    answer = helptext.answer("HELP VGET")
    assert answer.ok and any("internal" in line for line in answer.lines)


def test_help_for_unknown_command_fails() -> None:
    answer = helptext.answer("HELP NOPE")
    assert not answer.ok and "NOPE" in answer.lines[0]
    assert not helptext.answer("HELP A B").ok


def test_help_is_local_only_as_first_word() -> None:
    assert helptext.is_local("help") and helptext.is_local("  HELP GET")
    assert not helptext.is_local("GET help") and not helptext.is_local("HELPX")


def test_usage_hint_follows_the_typed_command() -> None:
    assert helptext.usage_hint("put k").startswith("PUT <key> <value>")
    assert helptext.usage_hint("GE").startswith("GET <key>")
    assert helptext.usage_hint("R") == "REGX  RCNF"
    assert "unknown command" in helptext.usage_hint("FOO bar")
    assert "HELP" in helptext.usage_hint("")
