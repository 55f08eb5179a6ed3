"""The key-value client of the workloads: operations run through the SDK, results become outcomes.

=========  ==================================  =====================================
``f``      command                             ``ok`` value
=========  ==================================  =====================================
read       ``GET key``                         the value, ``None`` when not found
read       ``REGX pattern`` (``pattern`` set)  ``{key: value}`` of every match
write      ``PUT key value``                   the value written
delete     ``DEL key``                         ``None`` (also when not found)
incr       ``INCR key d`` / ``DECR key -d``    the new value
=========  ==================================  =====================================

Each process has one :class:`smclient.AsyncClient` holding at most one connection, with
retries off (:meth:`smclient.Retry.never`) and no PING health check, so every operation sends
exactly one command, once. Outcomes (:func:`outcome_of_error`): a failure before anything was
sent (connect failure, a closed client, an argument the SDK refuses) is ``fail``; a timeout,
a broken link after sending or an unexpected reply is ``info``. An ``ERR`` reply is ``fail``
when its code says the command had no effect (:data:`DEFINITE_ERRORS`, and the AUTH errors
of the handshake: the command never ran), ``info`` otherwise (``ERR timeout``, unknown
prefixes). A failed read is always ``fail`` (reads change nothing), save for an unexpected
reply, which stays ``info`` so that the run shows it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from smchaos.client.base import Outcome
from smchaos.generator import Invocation
from smclient import AsyncClient, Retry
from smclient.exceptions import (
    AuthenticationError,
    ResponseError,
    SuperMassiveError,
    UnexpectedReplyError,
)

DEFINITE_ERRORS = frozenset({
    "not_found", "invalid_value", "invalid_input", "wrong_arity", "unknown_command",
    "out_of_memory", "no_primary", "not_authenticated", "invalid_pattern", "line_too_long",
    "read_only", "unavailable", "conflict",
})
"""Error codes after which the command certainly did not take effect.

``unavailable`` and ``conflict`` are answered by the cluster before it sends the write (INCR
reads the winning copy first; ``conflict`` means every conditional attempt was refused), so
they are failures too; ``timeout`` and unknown prefixes are indeterminate."""

OPERATIONS = frozenset({"read", "write", "delete", "incr"})
"""The ``f`` values the client runs (anything else is a harness bug and raises)."""

NO_HEALTH_CHECK_S = 1e9
"""``health_check_interval_s`` of the chaos clients: never PING before an operation."""


def parse_value(text: str) -> Any:
    """An integer when the text is one (``"-3"`` -> ``-3``), else the text."""
    body = text[1:] if text.startswith("-") else text
    if body.isdigit() and body.isascii():
        return int(text)
    return text


async def perform(client: AsyncClient, inv: Invocation) -> Any:
    """Run ``inv`` with the SDK's typed methods; return the ``ok`` value (errors raise)."""
    key = inv.key or ""
    if inv.f == "read":
        pattern = inv.extra.get("pattern")
        if pattern is not None:
            return {k: parse_value(v) for k, v in await client.regx(str(pattern))}
        value = await client.get(key)
        return None if value is None else parse_value(value)
    if inv.f == "write":
        await client.put(key, inv.value if isinstance(inv.value, int) else str(inv.value))
        return inv.value
    if inv.f == "delete":
        await client.delete(key)
        return None
    if inv.f == "incr":
        delta = int(inv.value)
        number = await (client.incr(key, delta) if delta >= 0 else client.decr(key, -delta))
        return parse_value(str(number)) if isinstance(number, Decimal) else number
    raise LookupError(f"unknown operation {inv.f!r}")


def outcome_of_error(inv: Invocation, exc: Exception) -> Outcome:
    """The outcome of ``inv`` when the SDK raised ``exc`` (see the module docstring)."""
    reason = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, ResponseError):
        text = f"ERR {exc.message}"
        definite = isinstance(exc, AuthenticationError) or (
            exc.code is not None and exc.code.name in DEFINITE_ERRORS)
        return Outcome("fail" if inv.f == "read" or definite else "info", None, text)
    if isinstance(exc, UnexpectedReplyError):
        return Outcome("info", None, reason)
    if isinstance(exc, SuperMassiveError) and exc.indeterminate:
        return Outcome("fail" if inv.f == "read" else "info", None, reason)
    return Outcome("fail", None, reason)  # nothing was sent (ValueError included)


class KVClient:
    """One process's connection to the cluster (opened on the first operation)."""

    def __init__(self, host: str, port: int, timeout_s: float = 2.0, *,
                 username: str | None = None, password: str | None = None) -> None:
        self.timeout_s = timeout_s
        self._client = AsyncClient(
            host, port, username=username, password=password, connect_timeout_s=timeout_s,
            timeout_s=timeout_s, max_connections=1, pool_timeout_s=timeout_s,
            health_check_interval_s=NO_HEALTH_CHECK_S, retry=Retry.never(),
        )

    async def invoke(self, invocation: Invocation) -> Outcome:
        """Run one operation; never raises for a failure of the system under test."""
        if invocation.f not in OPERATIONS:
            raise LookupError(f"unknown operation {invocation.f!r}")
        try:
            value = await perform(self._client, invocation)
        except (SuperMassiveError, ValueError) as exc:
            return outcome_of_error(invocation, exc)
        return Outcome("ok", value)

    async def close(self) -> None:
        """Close the connection."""
        await self._client.close()


class KVClientFactory:
    """Opens a :class:`KVClient` per process (no AUTH unless credentials are given: the
    chaos cluster runs with ``--local``)."""

    def __init__(self, host: str, port: int, timeout_s: float = 2.0, *,
                 username: str | None = None, password: str | None = None) -> None:
        self.host, self.port, self.timeout_s = host, port, timeout_s
        self.username, self.password = username, password

    def open(self, process: int) -> KVClient:
        """A new client (connects on first use)."""
        return KVClient(self.host, self.port, self.timeout_s, username=self.username,
                        password=self.password)
