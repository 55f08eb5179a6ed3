"""Completion of command names from the command table."""

from __future__ import annotations

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from smcli.completer import CommandCompleter
from smclient.protocol.commands import PUBLIC_COMMANDS


def _complete(text: str) -> list[str]:
    doc = Document(text, len(text))
    return [c.text for c in CommandCompleter().get_completions(doc, CompleteEvent(True))]


def test_first_word_completes_to_command_names() -> None:
    assert _complete("RE") == ["REGX"]
    assert _complete("R") == ["REGX", "RCNF"]
    assert set(_complete("")) == {s.name for s in PUBLIC_COMMANDS} | {"HELP"}


def test_lower_case_typing_completes_in_lower_case() -> None:
    assert _complete("st") == ["stat"]


def test_internal_verbs_are_not_offered() -> None:
    assert _complete("V") == [] and _complete("NA") == []


def test_help_argument_completes_too() -> None:
    assert _complete("HELP IN") == ["INCR"]


def test_keys_and_values_are_not_completed() -> None:
    assert _complete("GET RE") == [] and _complete("PUT k R") == []


def test_completion_replaces_the_typed_word() -> None:
    doc = Document("  pi", 4)
    (c,) = CommandCompleter().get_completions(doc, CompleteEvent(True))
    assert (c.text, c.start_position) == ("ping", -2)
