"""Running one command line: HELP locally, everything else through the session, timed.

Shared by the REPL, one-shot mode and pipe mode, so the three behave the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from smcli import helptext
from smcli.connection import Session
from smcli.render import Printer
from smcli.replies import command_name, local_error
from smclient.protocol.errors import classify

FORBIDDEN_CHARACTERS = ("\r", "\n", "\0")
"""Characters a command line cannot carry: they would split it into several commands."""

NOT_AUTHENTICATED_HINT = (
    "hint: authenticate with --user USER (password from SUPERMASSIVE_PASSWORD or prompted), "
    "use --local for a cluster started with --local, or --shared-key KEY for a node"
)


def _is_code(message: str, name: str) -> bool:
    code = classify(message)
    return code is not None and code.name == name


@dataclass(frozen=True, slots=True)
class Outcome:
    """What running a line did: whether the reply was ``OK``, and whether the session ended."""

    ok: bool
    quit: bool = False


class Runner:
    """Runs command lines against a :class:`Session` and prints the replies."""

    def __init__(self, session: Session, printer: Printer, clock: Callable[[], float]) -> None:
        self.session = session
        self.printer = printer
        self._clock = clock

    def run(self, line: str) -> Outcome:
        """Run one line (blank lines are skipped). Raises ``ConnectionProblem``."""
        line = line.lstrip()
        name = command_name(line)
        if not name:
            return Outcome(ok=True)
        if helptext.is_local(line):
            answer = helptext.answer(line)
            self.printer.help(answer)
            return Outcome(ok=answer.ok)
        if any(c in line for c in FORBIDDEN_CHARACTERS):
            reply = local_error("invalid input: a command cannot contain CR, LF or NUL")
            self.printer.reply(name, reply)
            return Outcome(ok=False)
        started = self._clock()
        reply = self.session.execute(line)
        elapsed_s = self._clock() - started
        self.printer.reply(name, reply, elapsed_s)
        if not reply.ok and _is_code(reply.message, "not_authenticated"):
            self.printer.notice(NOT_AUTHENTICATED_HINT)
        return Outcome(ok=reply.ok, quit=name == "QUIT" and reply.ok)
