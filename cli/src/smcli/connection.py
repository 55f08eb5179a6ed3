"""The CLI's connection: a thin adapter over the SDK client, and one-line error messages.

:class:`Session` opens an :class:`smclient.Client` lazily, sends each command line verbatim
with ``execute_raw`` and turns every transport or authentication failure into a
:class:`ConnectionProblem` whose message is one line fit for a terminal (no traceback).
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from typing import Any, Protocol

import smclient
from smcli.options import Target
from smcli.replies import Reply, command_name, local_error


class ConnectionProblem(Exception):
    """The server could not be reached, refused us, or stopped answering (exit code 2)."""


class RawReplyLike(Protocol):
    """What the SDK's ``execute_raw`` returns."""

    @property
    def ok(self) -> bool:
        """Whether the reply starts with ``OK``."""

    @property
    def text(self) -> str:
        """The first line, prefix included."""

    @property
    def lines(self) -> list[str]:
        """The body lines of a multi-line reply."""


class PipelineLike(Protocol):
    """The part of the SDK pipeline the CLI uses."""

    def execute_raw(self, line: str) -> object:
        """Queue one command line."""

    def execute(self) -> list[Any]:
        """Send the queued lines in one write; their replies in order."""


class ClientLike(Protocol):
    """The part of the SDK client the CLI uses."""

    def execute_raw(self, line: str) -> RawReplyLike:
        """Send one command line; return its reply (never raises on ``ERR``)."""

    def pipeline(self, *, raise_on_error: bool = True) -> PipelineLike:
        """A pipeline that sends queued lines in one write."""

    def close(self) -> None:
        """Close every connection."""


ClientFactory = Callable[[Target], ClientLike]


def open_client(target: Target) -> ClientLike:
    """Build the SDK client for ``target`` (connections are opened on first use)."""
    client: ClientLike = smclient.Client(
        host=target.host,
        port=target.port,
        username=target.username,
        password=target.password,
        tls=target.tls,
        ca_file=target.ca_file,
        shared_key=target.shared_key,
        connect_timeout_s=target.connect_timeout_s,
        timeout_s=target.timeout_s,
    )
    return client


def to_reply(raw: RawReplyLike) -> Reply:
    """Normalise the SDK's reply: the header always carries its ``OK``/``ERR`` prefix."""
    prefix = "OK" if raw.ok else "ERR"
    text = raw.text
    if not (text == prefix or text.startswith(prefix + " ")):
        text = f"{prefix} {text}" if text else prefix
    return Reply(ok=bool(raw.ok), header=text, lines=tuple(raw.lines))


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and its causes/contexts, outermost first (cycles cut)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not s for s in seen) and len(seen) < 20:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


UNTRUSTED_ISSUER_CODES = frozenset({18, 19, 20, 21})
"""OpenSSL verify codes for a certificate signed by a CA the client does not know."""
HOSTNAME_MISMATCH_CODE = 62


def _tls_reason(err: ssl.SSLError) -> str:
    if isinstance(err, ssl.SSLCertVerificationError):
        detail = err.verify_message or err.reason or "verification failed"
        text = f"certificate verification failed ({detail})"
        if err.verify_code in UNTRUSTED_ISSUER_CODES:
            return f"{text}; use --cacert FILE for a private CA"
        if err.verify_code == HOSTNAME_MISMATCH_CODE:
            return f"{text}; connect with -h set to a name the certificate lists"
        return text
    reason = err.reason or str(err)
    if reason in ("WRONG_VERSION_NUMBER", "UNEXPECTED_EOF_WHILE_READING", "RECORD_LAYER_FAILURE"):
        return f"{reason} (is the server really using TLS?)"
    return str(reason)


def _handshake_hint(code: str | None, target: Target) -> str:
    if code != "unknown_command":
        return ""
    if target.shared_key is not None:
        return " (--shared-key is for a node or replica; a cluster takes --user or --local)"
    if target.username is not None:
        return " (--user is for a cluster; a node or replica takes --shared-key)"
    return ""


def _os_reason(err: OSError, target: Target) -> str | None:
    if isinstance(err, ConnectionRefusedError):
        return "connection refused (is the server running?)"
    if isinstance(err, socket.gaierror):
        return f"unknown host {target.host!r}"
    if isinstance(err, FileNotFoundError | PermissionError) and err.filename:
        return f"cannot read {err.filename}: {err.strerror}"
    if err.strerror:
        return str(err.strerror).lower()
    return None


def describe_error(exc: BaseException, target: Target) -> str:
    """One line saying what went wrong talking to ``target``."""
    where = target.address
    chain = _causes(exc)
    for err in chain:
        if isinstance(err, ssl.SSLError):
            return f"TLS error with {where}: {_tls_reason(err)}"
    if isinstance(exc, smclient.AuthenticationError):
        if target.username is None and target.shared_key is not None:
            return f"authentication failed at {where}: the shared key was refused ({exc})"
        who = f" as {target.username!r}" if target.username else ""
        return f"authentication failed at {where}{who}: {exc}"
    if isinstance(exc, smclient.ResponseError):
        # execute_raw never raises on a command's own ERR: this came from AUTH/NAUTH.
        code = exc.code.name if exc.code is not None else None
        return f"handshake with {where} failed: ERR {exc}{_handshake_hint(code, target)}"
    for err in chain:
        if isinstance(err, smclient.TimeoutError | TimeoutError | socket.timeout):
            return f"timed out talking to {where} ({err or 'no reply in time'})"
    for err in chain:
        if isinstance(err, OSError):
            reason = _os_reason(err, target)
            if reason:
                return f"could not connect to {where}: {reason}"
    text = str(exc) or type(exc).__name__
    text = text if where in text else f"connection to {where} failed: {text}"
    return text if target.tls else f"{text} (if the server uses TLS, add --tls)"


class Session:
    """One logical connection to the server, reopened after a failure or an interrupt."""

    def __init__(self, target: Target, factory: ClientFactory = open_client) -> None:
        self.target = target
        self._factory = factory
        self._client: ClientLike | None = None

    def execute(self, line: str) -> Reply:
        """Send ``line`` verbatim and return its reply.

        Raises :class:`ConnectionProblem` for transport/auth failures. A line the SDK refuses
        to send (it would desynchronise the connection) comes back as a local ``ERR`` reply.
        """
        try:
            return self._exchange([line])[0]
        except ValueError as exc:
            return local_error(f"invalid input: {exc}")

    def execute_many(self, lines: list[str]) -> list[Reply]:
        """Send ``lines`` in one pipelined write and return their replies in order.

        The lines must be valid command lines (no CR, LF or NUL) and only the last may be
        ``QUIT``. Raises :class:`ConnectionProblem` like :meth:`execute`.
        """
        if len(lines) == 1:
            return [self.execute(lines[0])]
        try:
            return self._exchange(lines)
        except ValueError:
            return [self.execute(line) for line in lines]  # let each line report its own error

    def _exchange(self, lines: list[str]) -> list[Reply]:
        """Send ``lines`` (one request, or one pipeline); ``ValueError`` when the SDK refuses
        a line, :class:`ConnectionProblem` for transport and authentication failures."""
        client = self._connected()
        try:
            if len(lines) == 1:
                raws: list[Any] = [client.execute_raw(lines[0])]
            else:
                pipe = client.pipeline(raise_on_error=False)
                for line in lines:
                    pipe.execute_raw(line)
                raws = pipe.execute()
        except ValueError:
            raise
        except KeyboardInterrupt:
            self.reset()
            raise
        except Exception as exc:
            self.reset()
            if _is_transport_error(exc):
                raise ConnectionProblem(describe_error(exc, self.target)) from exc
            raise
        replies = [to_reply(raw) for raw in raws]
        if command_name(lines[-1]) == "QUIT":
            self.reset()
        return replies

    def _connected(self) -> ClientLike:
        if self._client is None:
            try:
                self._client = self._factory(self.target)
            except (ValueError, OSError) as exc:
                raise ConnectionProblem(f"cannot connect to {self.target.address}: {exc}")
        return self._client

    def reset(self) -> None:
        """Drop the client (after QUIT, an error, or an interrupted request)."""
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception:
                pass

    def close(self) -> None:
        """Close the connection."""
        self.reset()


def _is_transport_error(exc: BaseException) -> bool:
    return isinstance(exc, smclient.SuperMassiveError | OSError | EOFError)
