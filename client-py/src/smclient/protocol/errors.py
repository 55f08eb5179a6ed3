"""The ``ERR`` prefix table: stable error codes of the wire protocol.

Every error reply starts with ``ERR `` followed by one of these prefixes. Clients map a reply
to an exception class by the longest matching prefix, never by free text after it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """One error prefix and what it means."""

    prefix: str
    name: str
    meaning: str
    retryable: bool = False


ERROR_CODES: tuple[ErrorCode, ...] = (
    ErrorCode("not authenticated", "not_authenticated", "AUTH (or NAUTH) is needed first."),
    ErrorCode("invalid credentials", "invalid_credentials", "AUTH user or password is wrong."),
    ErrorCode("invalid key", "invalid_shared_key", "NAUTH hash does not match the shared key."),
    ErrorCode("already authenticated", "already_authenticated", "AUTH sent twice."),
    ErrorCode("key-value not found", "not_found", "The key does not exist."),
    ErrorCode("invalid value", "invalid_value", "Stored value or delta is not a number."),
    ErrorCode("invalid pattern", "invalid_pattern", "REGX pattern is not valid RE2."),
    ErrorCode("invalid input", "invalid_input", "NUL byte, bad UTF-8, bad key or bad number."),
    ErrorCode("wrong number of arguments", "wrong_arity", "Too few or too many tokens."),
    ErrorCode("unknown command", "unknown_command", "The command name is not known."),
    ErrorCode("line too long", "line_too_long", "Line over max-line-bytes; connection closed."),
    ErrorCode(
        "too many connections", "too_many_connections",
        "The server is at max-connections; the connection is closed.", retryable=True,
    ),
    ErrorCode("out of memory", "out_of_memory", "Node over max-memory-threshold; PUT refused."),
    ErrorCode(
        "no primary nodes available", "no_primary", "No primary can take the write.",
        retryable=True,
    ),
    ErrorCode(
        "unavailable", "unavailable",
        "A shard needed to answer a read is down (primary and replicas).", retryable=True,
    ),
    ErrorCode("conflict", "conflict", "A conditional internal write lost a race."),
    ErrorCode("reload error", "reload_error", "RCNF could not reload a configuration."),
    ErrorCode("read only", "read_only", "A replica refuses client writes."),
    ErrorCode("timeout", "timeout", "A member did not answer in time; outcome unknown."),
)

_BY_PREFIX = sorted(ERROR_CODES, key=lambda c: len(c.prefix), reverse=True)


def classify(message: str) -> ErrorCode | None:
    """Return the error code of an ``ERR`` reply's text (with or without ``ERR ``)."""
    if message.startswith("ERR "):
        message = message[4:]
    for code in _BY_PREFIX:
        if message.startswith(code.prefix):
            return code
    return None
