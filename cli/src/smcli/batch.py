"""Non-interactive modes: one command from the argument list, or one command per stdin line.

Exit codes: 0 when every reply was ``OK``, 1 when any was ``ERR``. Connection problems raise
``ConnectionProblem`` (the caller prints it and exits 2). ``QUIT`` ends pipe mode.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from smcli.replies import local_error
from smcli.runner import Runner

EXIT_OK = 0
EXIT_ERR_REPLY = 1
EXIT_PROBLEM = 2


def run_command(runner: Runner, words: Sequence[str]) -> int:
    """One-shot mode: the words are joined with single spaces (``smcli PUT k some value``)."""
    outcome = runner.run(" ".join(words))
    return EXIT_OK if outcome.ok else EXIT_ERR_REPLY


def decode_line(raw: bytes) -> str | None:
    """A stdin line without its line ending, or ``None`` when it is not UTF-8."""
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def run_pipe(runner: Runner, lines: Iterable[bytes]) -> int:
    """Pipe mode: run every non-blank line in order, printing one reply per command."""
    failed = False
    for number, raw in enumerate(lines, start=1):
        line = decode_line(raw)
        if line is None:
            runner.printer.reply("", local_error(f"invalid input: line {number} is not UTF-8"))
            failed = True
            continue
        outcome = runner.run(line)
        failed = failed or not outcome.ok
        if outcome.quit:
            break
    return EXIT_ERR_REPLY if failed else EXIT_OK
