"""The netcat session in the docs is replayed against a real cluster and must match it.

Every ```text block of ``docs/getting-started/netcat.md`` that is a session (commands and their
replies, optionally after a ``$ nc ...`` line) is sent, in page order, on one authenticated
connection to a real cluster with two primaries, started on free loopback ports. A reply that
differs from the page fails the test, so the page cannot drift from the server.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pytest
from site_support import ROOT

from smclient.protocol.commands import Reply, lookup

PAGE = ROOT / "docs" / "getting-started" / "netcat.md"
TEXT_BLOCK = re.compile(r"^```text\n(.*?)^```", re.MULTILINE | re.DOTALL)
MULTI_HEADER = re.compile(r"^OK (\d+)$")
REPLY_TIMEOUT_S = 10.0
# Reasons come from RE2 and may be worded differently by another version: compare the prefix.
PREFIX_ONLY = ("ERR invalid pattern:",)


@dataclass(frozen=True)
class Exchange:
    """One command of a transcript and the reply lines the page shows for it."""

    command: str
    reply: tuple[str, ...]


def _is_multi(command: str) -> bool:
    spec = lookup(command.split(" ", 1)[0])
    return spec is not None and spec.reply is Reply.MULTI


def parse_session(block: str) -> Iterator[Exchange]:
    """Split a session block into exchanges, using the command table for multi-line replies."""
    lines = block.splitlines()
    i = 0
    while i < len(lines):
        command, header = lines[i], lines[i + 1]
        count = 0
        match = MULTI_HEADER.match(header)
        if match and _is_multi(command):
            count = int(match.group(1))
        yield Exchange(command, tuple(lines[i + 1:i + 2 + count]))
        i += 2 + count


def sessions(markdown: str) -> list[Exchange]:
    """Every exchange of the page's session blocks, in page order."""
    found: list[Exchange] = []
    for block in TEXT_BLOCK.findall(markdown):
        lines = block.splitlines()
        if lines and lines[0].startswith("$ nc "):
            lines = lines[1:]
        if not lines or any(line.startswith("$") for line in lines):
            continue
        found += parse_session("\n".join(lines))
    return found


def read_reply(stream: BinaryIO, command: str) -> tuple[str, ...]:
    """Read one reply (a line, or ``OK <n>`` and n lines for a multi-line command)."""
    def line() -> str:
        raw = stream.readline()
        if not raw:
            raise ConnectionError(f"connection closed while waiting for the reply to {command!r}")
        return raw.decode().rstrip("\r\n")

    first = line()
    match = MULTI_HEADER.match(first)
    count = int(match.group(1)) if match and _is_multi(command) else 0
    return (first, *(line() for _ in range(count)))


def same(expected: tuple[str, ...], actual: tuple[str, ...]) -> bool:
    """Whether a reply matches the page (prefix-only for wording that is not ours)."""
    if len(expected) != len(actual):
        return False
    for want, got in zip(expected, actual, strict=True):
        prefix = next((p for p in PREFIX_ONLY if want.startswith(p)), None)
        if not (got.startswith(prefix) if prefix else got == want):
            return False
    return True


class Session:
    """A connection to the cluster that reconnects (and re-authenticates) after ``QUIT``."""

    def __init__(self, host: str, port: int) -> None:
        self.address = (host, port)
        self.auth: str | None = None
        self.sock = socket.create_connection(self.address, timeout=REPLY_TIMEOUT_S)
        self.stream: BinaryIO = self.sock.makefile("rb")

    def send(self, command: str) -> tuple[str, ...]:
        """Send one command line and read its reply."""
        self.sock.sendall(command.encode() + b"\r\n")
        reply = read_reply(self.stream, command)
        name = command.split(" ", 1)[0].upper()
        if name == "AUTH" and reply == ("OK authenticated",):
            self.auth = command
        spec = lookup(name)
        if spec is not None and spec.reply is Reply.CLOSE:
            self.close()
            self.sock = socket.create_connection(self.address, timeout=REPLY_TIMEOUT_S)
            self.stream = self.sock.makefile("rb")
            if self.auth is not None:
                assert self.send(self.auth) == ("OK authenticated",)
        return reply

    def close(self) -> None:
        """Close the connection."""
        self.stream.close()
        self.sock.close()


def test_transcript_parser_splits_multi_line_replies() -> None:
    exchanges = list(parse_session("REGX ^u\nOK 2\nu:1 a\nu:2 b\nGET u:1\nOK u:1 a"))
    assert exchanges == [Exchange("REGX ^u", ("OK 2", "u:1 a", "u:2 b")),
                         Exchange("GET u:1", ("OK u:1 a",))]


def test_netcat_page_has_a_session() -> None:
    commands = [e.command.split(" ", 1)[0].upper() for e in sessions(PAGE.read_text())]
    assert {"AUTH", "PUT", "GET", "INCR", "DECR", "REGX", "DEL", "QUIT"} <= set(commands)


def test_netcat_page_transcript_matches_a_real_cluster(tmp_path: Path) -> None:
    testing = pytest.importorskip("smclient.testing.topology")
    exchanges = sessions(PAGE.read_text())
    with testing.local_topology(tmp_path, primaries=2, cluster=True, local=False,
                                username="ada", password="secret") as topo:
        session = Session(topo.entry.host, topo.entry.port)
        try:
            mismatches = []
            for exchange in exchanges:
                actual = session.send(exchange.command)
                if not same(exchange.reply, actual):
                    mismatches.append((exchange.command, exchange.reply, actual))
        finally:
            session.close()
    assert mismatches == []
