"""Running one command line: HELP locally, everything else through the session, timed.

Shared by the REPL, one-shot mode and pipe mode, so the three behave the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from smcli import helptext
from smcli.connection import Session
from smcli.render import Printer
from smcli.replies import Reply, command_name, local_error
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


def _answered_here(line: str) -> bool:
    """Whether :meth:`Runner.run` answers ``line`` without the server (blank, HELP, or a
    line that cannot be sent)."""
    return (not command_name(line) or helptext.is_local(line)
            or any(c in line for c in FORBIDDEN_CHARACTERS))


class Runner:
    """Runs command lines against a :class:`Session` and prints the replies."""

    def __init__(self, session: Session, printer: Printer, clock: Callable[[], float]) -> None:
        self.session = session
        self.printer = printer
        self._clock = clock

    def run(self, line: str) -> Outcome:
        """Run one line (blank lines are skipped). Raises ``ConnectionProblem``."""
        line = line.lstrip()
        local = self._local(line)
        if local is not None:
            return local
        started = self._clock()
        reply = self.session.execute(line)
        return self._show(line, reply, self._clock() - started)

    def run_many(self, lines: list[str]) -> list[Outcome]:
        """Run ``lines`` in order, sending consecutive server commands in one pipelined write
        (replies print in order, exactly as :meth:`run` prints them; a command sent on its own is
        timed, those sent together are not).
        Stops after a successful ``QUIT``. Raises ``ConnectionProblem``."""
        outcomes: list[Outcome] = []
        pending: list[str] = []
        for raw in lines:
            line = raw.lstrip()
            if _answered_here(line):
                outcomes += self._flush(pending)  # earlier replies print first
                pending = []
                outcomes.append(self.run(line))
                continue
            pending.append(line)
            if command_name(line) == "QUIT":
                outcomes += self._flush(pending)
                pending = []
                if outcomes[-1].quit:
                    return outcomes
        outcomes += self._flush(pending)
        return outcomes

    def _flush(self, lines: list[str]) -> list[Outcome]:
        if not lines:
            return []
        if len(lines) == 1:
            return [self.run(lines[0])]  # on its own: timed, as run() does
        replies = self.session.execute_many(lines)
        return [self._show(line, reply, None) for line, reply in zip(lines, replies, strict=True)]

    def _local(self, line: str) -> Outcome | None:
        """Answer a blank, HELP or unsendable line here (printing it); ``None`` otherwise."""
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
        return None

    def _show(self, line: str, reply: Reply, elapsed_s: float | None) -> Outcome:
        name = command_name(line)
        self.printer.reply(name, reply, elapsed_s)
        if not reply.ok and _is_code(reply.message, "not_authenticated"):
            self.printer.notice(NOT_AUTHENTICATED_HINT)
        return Outcome(ok=reply.ok, quit=name == "QUIT" and reply.ok)
