"""Command-line options of ``smcli``: parsing and resolution into connection settings.

Pure: ``argv`` and an environment mapping go in, an :class:`Options` comes out, or a
:class:`UsageError` with a one-line message. Prompting for a password is the caller's job
(:attr:`Options.needs_password` says when one is needed).

Precedence for every connection setting: an explicit flag, then the ``--url``, then the
environment (``SUPERMASSIVE_USERNAME`` / ``SUPERMASSIVE_PASSWORD``), then the default
(``127.0.0.1:4000``, no authentication).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, NoReturn

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4000
DEFAULT_CONNECT_TIMEOUT_S = 5.0
DEFAULT_TIMEOUT_S = 10.0
MAX_TIMEOUT_S = 3600.0

UrlParser = Callable[[str], Any]
"""Parses a ``supermassive://`` URL into an object with host, port, username, password, tls."""


class UsageError(Exception):
    """A command-line problem, described in one line (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where and how to connect: everything the SDK client needs."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: str | None = None
    shared_key: str | None = None
    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S
    timeout_s: float = DEFAULT_TIMEOUT_S

    @property
    def address(self) -> str:
        """``host:port`` (IPv6 hosts in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def with_password(self, password: str) -> Target:
        """A copy of this target with ``password`` set."""
        return replace(self, password=password)


@dataclass(frozen=True, slots=True)
class Options:
    """The resolved command line."""

    target: Target
    command: tuple[str, ...] = ()
    timing: bool = False
    color: bool | None = None  #: ``None``: colors when stdout is a terminal
    needs_password: bool = False  #: a user is given but no password: prompt for one


class _Parser(argparse.ArgumentParser):
    """An argument parser that raises :class:`UsageError` instead of exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see smcli --help)")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range (1-65535): {port}")
    return port


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}")
    if not math.isfinite(value) or value <= 0 or value > MAX_TIMEOUT_S:
        raise argparse.ArgumentTypeError(
            f"seconds must be above 0 and at most {MAX_TIMEOUT_S:g}: {text}"
        )
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``smcli`` (``-h`` is the host, as in redis-cli)."""
    p = _Parser(
        prog="smcli",
        add_help=False,
        usage="smcli [options] [COMMAND [ARG ...]]",
        description="SuperMassive command-line client. Without a command: an interactive "
        "REPL when stdin is a terminal, else one command per stdin line (pipe mode).",
        epilog="Exit codes: 0 every reply OK, 1 some reply was ERR, 2 connection or usage "
        "problem. Environment: SUPERMASSIVE_USERNAME, SUPERMASSIVE_PASSWORD, SMCLI_HISTFILE, "
        "NO_COLOR.",
    )
    conn = p.add_argument_group("connection")
    conn.add_argument("-h", "--host", default=None, help=f"server host (default {DEFAULT_HOST})")
    conn.add_argument("-p", "--port", type=_port, default=None,
                      help=f"server port (default {DEFAULT_PORT})")
    conn.add_argument("--url", default=None,
                      help="supermassive://[user[:password]@]host[:port] "
                      "(supermassives:// for TLS); flags override its parts")
    conn.add_argument("--tls", action="store_true", default=None, help="connect with TLS")
    conn.add_argument("--cacert", metavar="FILE", default=None,
                      help="PEM CA bundle to verify the server (implies --tls)")
    conn.add_argument("--user", default=None,
                      help="authenticate as USER; the password comes from "
                      "SUPERMASSIVE_PASSWORD or is prompted for without echo")
    conn.add_argument("--local", action="store_true",
                      help="no authentication (a cluster started with --local)")
    conn.add_argument("--shared-key", metavar="KEY", default=None,
                      help="talk to a node or replica directly (NAUTH with this shared key)")
    conn.add_argument("--connect-timeout", type=_seconds, default=DEFAULT_CONNECT_TIMEOUT_S,
                      metavar="S",
                      help=f"seconds to connect (default {DEFAULT_CONNECT_TIMEOUT_S:g})")
    conn.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT_S, metavar="S",
                      help=f"seconds to wait for each reply (default {DEFAULT_TIMEOUT_S:g})")
    out = p.add_argument_group("output")
    out.add_argument("--timing", action="store_true", help="show how long each command took")
    out.add_argument("--no-color", action="store_true",
                     help="plain output (also when stdout is not a terminal, or NO_COLOR is set)")
    other = p.add_argument_group("other")
    other.add_argument("--help", action="help", help="show this help and exit")
    other.add_argument("--version", action="store_true", help="show the version and exit")
    p.add_argument("command", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return p


def _from_url(url: str, parse_url: UrlParser) -> dict[str, Any]:
    try:
        settings = parse_url(url)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--url {url!r}: {exc}")
    except Exception as exc:  # the SDK's own error type for a bad URL
        raise UsageError(f"--url {url!r}: {exc}")
    fields = ("host", "port", "username", "password", "tls")
    return {f: getattr(settings, f, None) for f in fields}


def _pick(*values: Any) -> Any:
    """The first value that is not ``None``."""
    for v in values:
        if v is not None:
            return v
    return None


def _credentials(
    args: argparse.Namespace, url: dict[str, Any], env: Mapping[str, str]
) -> tuple[str | None, str | None]:
    if args.local:
        if args.user is not None:
            raise UsageError("--local and --user exclude each other")
        return None, None
    username = _pick(args.user, url.get("username"), env.get("SUPERMASSIVE_USERNAME") or None)
    if username is None:
        return None, None
    if username == "":
        raise UsageError("--user: empty user name")
    password = _pick(url.get("password") if args.user is None else None,
                     env.get("SUPERMASSIVE_PASSWORD"))
    return username, password


def resolve(
    argv: Sequence[str], env: Mapping[str, str], parse_url: UrlParser | None = None
) -> Options | None:
    """Parse ``argv``; return the options, or ``None`` when ``--version`` was asked.

    ``parse_url`` is needed only when ``--url`` is given (it is the SDK's parser).
    """
    args = build_parser().parse_args(list(argv))
    if args.version:
        return None
    url: dict[str, Any] = {}
    if args.url is not None:
        if parse_url is None:
            raise UsageError("--url is not supported by the installed SDK")
        url = _from_url(args.url, parse_url)
    username, password = _credentials(args, url, env)
    ca_file = args.cacert
    if ca_file == "":
        raise UsageError("--cacert: empty file name")
    tls = bool(_pick(args.tls, url.get("tls"), False)) or ca_file is not None
    host = _pick(args.host, url.get("host") or None, DEFAULT_HOST)
    if not host or any(c.isspace() for c in host):
        raise UsageError(f"--host: invalid host {host!r}")
    if args.shared_key == "":
        raise UsageError("--shared-key: empty key")
    command = tuple(args.command)
    if command[:1] == ("--",):
        command = command[1:]
    if command and not "".join(command).strip():
        raise UsageError("empty command")
    target = Target(
        host=host,
        port=int(_pick(args.port, url.get("port"), DEFAULT_PORT)),
        username=username,
        password=password,
        tls=tls,
        ca_file=ca_file,
        shared_key=args.shared_key,
        connect_timeout_s=args.connect_timeout,
        timeout_s=args.timeout,
    )
    no_color = args.no_color or bool(env.get("NO_COLOR"))
    return Options(
        target=target,
        command=command,
        timing=args.timing,
        color=False if no_color else None,
        needs_password=username is not None and password is None,
    )
