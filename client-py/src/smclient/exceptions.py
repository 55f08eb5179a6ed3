"""The SDK's exceptions: one root, and one class per ``ERR`` prefix of the wire protocol.

Error replies are mapped to classes through the prefix table
(:func:`smclient.protocol.errors.classify`), never by matching free text. A missing key is not
an error for ``get`` (it returns ``None``) nor for ``delete`` (it returns ``False``).

Every exception says whether the command may have taken effect: ``indeterminate`` is true when
the request was (possibly) sent and no reply came back, so the outcome is unknown, as Jepsen's
``info`` operations.
"""

from __future__ import annotations

from smclient.protocol.errors import ErrorCode, classify


class SuperMassiveError(Exception):
    """Root of every exception the SDK raises (``ValueError`` for bad arguments aside)."""

    indeterminate: bool = False
    """True when the command may or may not have been applied."""


class ConnectionError(SuperMassiveError):
    """The connection could not be opened, or broke.

    ``indeterminate`` is false when nothing was sent (connection refused, TLS or connect
    failure): such errors are safe to retry. It is true when the link broke after the
    request was written.
    """

    def __init__(self, message: str, *, indeterminate: bool = False) -> None:
        super().__init__(message)
        self.indeterminate = indeterminate


class TimeoutError(SuperMassiveError):
    """No reply in time. The command may or may not have happened (indeterminate)."""

    indeterminate = True


class PoolTimeoutError(SuperMassiveError):
    """Every pooled connection stayed busy for ``pool_timeout_s``; nothing was sent."""


class UnexpectedReplyError(SuperMassiveError):
    """The server sent something that is not a valid reply to the command; the connection is
    closed, as it can no longer be trusted to be in step."""

    indeterminate = True


class ClientClosedError(ConnectionError):
    """The client (or pipeline) was closed; nothing was sent."""

    def __init__(self, message: str = "the client is closed") -> None:
        super().__init__(message, indeterminate=False)


class ResponseError(SuperMassiveError):
    """The server answered ``ERR ...``.

    ``message`` is the reply text after ``ERR ``; ``code`` is its entry in the prefix table
    (``None`` for an error the table does not know).
    """

    def __init__(self, message: str, code: ErrorCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    @property
    def retryable(self) -> bool:
        """Whether the prefix table marks this error as safe to retry."""
        return self.code is not None and self.code.retryable


class AuthenticationError(ResponseError):
    """AUTH or NAUTH failed, or a command needed authentication first."""


class NotAuthenticatedError(AuthenticationError):
    """``ERR not authenticated``: the connection has not authenticated."""


class InvalidCredentialsError(AuthenticationError):
    """``ERR invalid credentials``: wrong username or password."""


class InvalidSharedKeyError(AuthenticationError):
    """``ERR invalid key``: the NAUTH shared key is wrong."""


class AlreadyAuthenticatedError(ResponseError):
    """``ERR already authenticated``: AUTH sent twice on one connection."""


class KeyNotFoundError(ResponseError):
    """``ERR key-value not found`` where a missing key is an error (INCR/DECR)."""


class InvalidValueError(ResponseError):
    """``ERR invalid value``: the stored value or the delta is not a number."""


class InvalidPatternError(ResponseError):
    """``ERR invalid pattern: ...``: the REGX pattern is not valid RE2."""


class InvalidInputError(ResponseError):
    """``ERR invalid input``: the server refused a key, number or byte sequence."""


class WrongArityError(ResponseError):
    """``ERR wrong number of arguments for '<CMD>'``."""


class UnknownCommandError(ResponseError):
    """``ERR unknown command``."""


class LineTooLongError(ResponseError):
    """``ERR line too long``: the server closes the connection after it."""


class TooManyConnectionsError(ResponseError):
    """``ERR too many connections``: the server is at ``max-connections``; it closes."""


class OutOfMemoryError(ResponseError):
    """``ERR out of memory``: the node is over its memory threshold and refuses PUT."""


class NoPrimaryError(ResponseError):
    """``ERR no primary nodes available``: no primary could take the write (retryable)."""


class UnavailableError(ResponseError):
    """``ERR unavailable``: a shard needed for a read is down (retryable)."""


class ConflictError(ResponseError):
    """``ERR conflict``: a conditional internal write lost a race."""


class ReloadError(ResponseError):
    """``ERR reload error: ...``: RCNF could not reload a configuration."""


class ReadOnlyError(ResponseError):
    """``ERR read only``: a replica refuses writes."""


class ServerTimeoutError(ResponseError, TimeoutError):
    """``ERR timeout``: a member did not answer the server in time; outcome unknown."""

    indeterminate = True


ERROR_CLASSES: dict[str, type[ResponseError]] = {
    "not_authenticated": NotAuthenticatedError,
    "invalid_credentials": InvalidCredentialsError,
    "invalid_shared_key": InvalidSharedKeyError,
    "already_authenticated": AlreadyAuthenticatedError,
    "not_found": KeyNotFoundError,
    "invalid_value": InvalidValueError,
    "invalid_pattern": InvalidPatternError,
    "invalid_input": InvalidInputError,
    "wrong_arity": WrongArityError,
    "unknown_command": UnknownCommandError,
    "line_too_long": LineTooLongError,
    "too_many_connections": TooManyConnectionsError,
    "out_of_memory": OutOfMemoryError,
    "no_primary": NoPrimaryError,
    "unavailable": UnavailableError,
    "conflict": ConflictError,
    "reload_error": ReloadError,
    "read_only": ReadOnlyError,
    "timeout": ServerTimeoutError,
}
"""Exception class by :attr:`ErrorCode.name` (a test keeps it in step with the table)."""


def error_from_reply(text: str) -> ResponseError:
    """Build the exception for an ``ERR ...`` reply line (with or without ``ERR ``)."""
    message = text[4:] if text.startswith("ERR ") else text
    code = classify(message)
    cls = ERROR_CLASSES.get(code.name, ResponseError) if code is not None else ResponseError
    return cls(message, code)
