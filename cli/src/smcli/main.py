"""The ``smcli`` entry point: parse the options, pick the mode, map failures to exit codes.

Modes: a command in the arguments runs once (one-shot); no command with a terminal on stdin
starts the REPL; no command with stdin redirected runs one command per line (pipe mode).
Exit codes: 0 all replies OK, 1 some reply ERR, 2 connection or usage problem, 130 Ctrl-C.
Every failure is one line on stderr, never a traceback.
"""

from __future__ import annotations

import getpass
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import smclient
from smcli import __version__, batch
from smcli.connection import ConnectionProblem, Session
from smcli.options import Options, UsageError, resolve
from smcli.render import Printer
from smcli.runner import Runner

EXIT_INTERRUPTED = 130
DEBUG_ENV = "SMCLI_DEBUG"


def _can_prompt() -> bool:
    """Whether a controlling terminal exists to read a password from (not stdin)."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


def _with_password(options: Options) -> Options:
    target = options.target
    if not options.needs_password:
        return options
    if not _can_prompt():
        raise UsageError(
            f"--user {target.username}: no password (set SUPERMASSIVE_PASSWORD; there is no "
            "terminal to prompt on)"
        )
    try:
        password = getpass.getpass(f"Password for {target.username}@{target.address}: ")
    except EOFError:
        raise UsageError("no password given")
    return Options(
        target=target.with_password(password), command=options.command, timing=options.timing,
        color=options.color, needs_password=False,
    )


def _check_files(options: Options) -> None:
    ca_file = options.target.ca_file
    if ca_file is not None and not os.access(ca_file, os.R_OK):
        reason = "no such file" if not os.path.exists(ca_file) else "not readable"
        raise UsageError(f"--cacert {ca_file}: {reason}")
    if ca_file is not None and os.path.isdir(ca_file):
        raise UsageError(f"--cacert {ca_file}: is a directory")


def _interactive(runner: Runner, options: Options) -> int:
    from smcli.repl import Repl, history_path, open_history

    runner.session.execute("PING")  # fail fast (exit 2) when the server is unreachable
    history, warning = open_history(history_path(os.environ, Path.home()))
    if warning:
        runner.printer.notice(warning)
    return Repl(runner, history, f"{options.target.address}> ").run()


def _run(options: Options) -> int:
    _check_files(options)
    options = _with_password(options)
    interactive = not options.command and sys.stdin.isatty()
    color = options.color if options.color is not None else sys.stdout.isatty()
    printer = Printer(sys.stdout, sys.stderr, color=color, timing=options.timing)
    session = Session(options.target)
    runner = Runner(session, printer, time.perf_counter)
    try:
        if options.command:
            return batch.run_command(runner, options.command)
        if interactive:
            return _interactive(runner, options)
        return batch.run_pipe(runner, sys.stdin.buffer, pipelined=not options.timing)
    finally:
        session.close()


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the exit flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``smcli`` with ``argv`` (default: the process arguments); return the exit code."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        options = resolve(args, os.environ, smclient.parse_url)
        if options is None:
            print(f"smcli {__version__}")
            return 0
        return _run(options)
    except UsageError as exc:
        print(f"smcli: error: {exc}", file=sys.stderr)
        return batch.EXIT_PROBLEM
    except ConnectionProblem as exc:
        print(f"smcli: {exc}", file=sys.stderr)
        return batch.EXIT_PROBLEM
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return batch.EXIT_ERR_REPLY
    except Exception as exc:  # a bug: still one line, unless asked for the traceback
        if os.environ.get(DEBUG_ENV):
            raise
        print(f"smcli: internal error: {type(exc).__name__}: {exc} "
              f"(set {DEBUG_ENV}=1 for the traceback)", file=sys.stderr)
        return batch.EXIT_PROBLEM
