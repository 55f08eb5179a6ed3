"""Tab completion of command names, driven by the server's command table.

The first word completes to a command name (``RE`` -> ``REGX``; ``R`` -> ``REGX``, ``RCNF``);
after ``HELP`` the second word does too. Names are offered in upper case, or in lower case
when the user started typing in lower case. Keys and values are never completed (the CLI does
not guess at data).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from smcli import helptext
from smclient.protocol.commands import CommandSpec


def _cased(name: str, typed: str) -> str:
    return name.lower() if typed and typed.islower() else name


def candidates(
    text_before_cursor: str, specs: Sequence[CommandSpec]
) -> list[tuple[str, CommandSpec]]:
    """The command names that complete the word under the cursor, with their specs."""
    text = text_before_cursor.lstrip()
    words = text.split(" ")
    if len(words) == 1:
        typed = words[0]
    elif len(words) == 2 and words[0].upper() == helptext.HELP_SPEC.name:
        typed = words[1]
    else:
        return []
    upper = typed.upper()
    return [(_cased(s.name, typed), s) for s in specs if s.name.startswith(upper)]


class CommandCompleter(Completer):
    """Completes command names from the command table (client-facing commands and HELP)."""

    def __init__(self, specs: Sequence[CommandSpec] | None = None) -> None:
        self._specs = tuple(specs if specs is not None else helptext.visible_commands())

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        """Yield completions for the word before the cursor."""
        before = document.text_before_cursor
        word = before.lstrip().split(" ")[-1]
        for name, spec in candidates(before, self._specs):
            yield Completion(
                name, start_position=-len(word), display=name, display_meta=spec.summary
            )
