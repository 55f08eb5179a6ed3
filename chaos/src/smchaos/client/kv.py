"""The key-value client of the workloads: maps operations to commands, replies to outcomes.

=========  ==================================  =====================================
``f``      command                             ``ok`` value
=========  ==================================  =====================================
read       ``GET key``                         the value, ``None`` when not found
read       ``REGX pattern`` (``pattern`` set)  ``{key: value}`` of every match
write      ``PUT key value``                   the value written
delete     ``DEL key``                         ``None`` (also when not found)
incr       ``INCR key d`` / ``DECR key -d``    the new value
=========  ==================================  =====================================

Outcomes: a connect failure is ``fail`` (nothing sent); a timeout or a broken link after
sending is ``info``. An ``ERR`` reply is ``fail`` when its prefix says the command had no
effect, ``info`` otherwise (``ERR timeout``, unknown prefixes). A failed read is always
``fail``: reads change nothing.
"""

from __future__ import annotations

from typing import Any

from smchaos.client.base import Outcome, OutcomeType
from smchaos.client.line import ConnectFailed, LineConnection, LinkError
from smchaos.generator import Invocation
from smclient.protocol import MultiReply, classify

DEFINITE_ERRORS = frozenset({
    "not_found", "invalid_value", "invalid_input", "wrong_arity", "unknown_command",
    "out_of_memory", "no_primary", "not_authenticated", "invalid_pattern", "line_too_long",
    "read_only", "unavailable", "conflict",
})
"""Error codes after which the command certainly did not take effect.

``unavailable`` and ``conflict`` are answered by the cluster before it sends the write (INCR
reads the winning copy first; ``conflict`` means every conditional attempt was refused), so
they are failures too; ``timeout`` and unknown prefixes are indeterminate."""


def parse_value(text: str) -> Any:
    """An integer when the text is one (``"-3"`` -> ``-3``), else the text."""
    body = text[1:] if text.startswith("-") else text
    if body.isdigit() and body.isascii():
        return int(text)
    return text


def _error(reply: str, f: str) -> Outcome:
    code = classify(reply)
    name = code.name if code is not None else None
    if f == "read" or name in DEFINITE_ERRORS:
        return Outcome("fail", None, reply)
    return Outcome("info", None, reply)


def command(inv: Invocation) -> tuple[str, bool]:
    """The command line for ``inv`` and whether its reply is multi-line."""
    key = inv.key or ""
    if inv.f == "read":
        pattern = inv.extra.get("pattern")
        if pattern is not None:
            return f"REGX {pattern}", True
        return f"GET {key}", False
    if inv.f == "write":
        return f"PUT {key} {inv.value}", False
    if inv.f == "delete":
        return f"DEL {key}", False
    if inv.f == "incr":
        delta = int(inv.value)
        return (f"INCR {key} {delta}" if delta >= 0 else f"DECR {key} {-delta}"), False
    raise ValueError(f"unknown operation {inv.f!r}")


def interpret(inv: Invocation, reply: bytes | MultiReply) -> Outcome:
    """The outcome of ``inv`` given the server's reply."""
    if isinstance(reply, list):
        matches: dict[str, Any] = {}
        for line in reply[1:]:
            key, _, value = line.decode(errors="replace").partition(" ")
            matches[key] = parse_value(value)
        return Outcome("ok", matches)
    text = reply.decode(errors="replace")
    if text.startswith("ERR"):
        if text.startswith("ERR key-value not found") and inv.f in ("read", "delete"):
            return Outcome("ok", None)
        return _error(text, inv.f)
    if not text.startswith("OK"):
        return Outcome("info", None, f"unexpected reply {text[:80]!r}")
    if inv.f == "read":
        rest = text[3:]
        prefix = f"{inv.key} "
        if not rest.startswith(prefix):
            return Outcome("info", None, f"unexpected reply {text[:80]!r}")
        return Outcome("ok", parse_value(rest[len(prefix):]))
    if inv.f == "incr":
        value = parse_value(text.rpartition(" ")[2])
        return Outcome("ok", value)
    return Outcome("ok", inv.value if inv.f == "write" else None)


class KVClient:
    """One process's connection to the cluster."""

    def __init__(self, host: str, port: int, timeout_s: float = 2.0) -> None:
        self._conn = LineConnection(host, port, connect_timeout_s=timeout_s)
        self.timeout_s = timeout_s

    async def invoke(self, invocation: Invocation) -> Outcome:
        """Run one operation."""
        line, multi = command(invocation)
        try:
            reply = await self._conn.call(line, multi=multi, timeout_s=self.timeout_s)
        except ConnectFailed as exc:
            return Outcome("fail", None, str(exc))
        except LinkError as exc:
            kind: OutcomeType = "fail" if invocation.f == "read" else "info"
            return Outcome(kind, None, f"{type(exc).__name__}: {exc}")
        return interpret(invocation, reply)

    async def close(self) -> None:
        """Close the connection."""
        await self._conn.close()


class KVClientFactory:
    """Opens a :class:`KVClient` per process."""

    def __init__(self, host: str, port: int, timeout_s: float = 2.0) -> None:
        self.host, self.port, self.timeout_s = host, port, timeout_s

    def open(self, process: int) -> KVClient:
        """A new client (connects on first use)."""
        return KVClient(self.host, self.port, self.timeout_s)
