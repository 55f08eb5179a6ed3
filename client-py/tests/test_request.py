"""Requests: exact bytes on the wire and reply shapes from the command table."""

from __future__ import annotations

from decimal import Decimal

import pytest

from smclient import request


def test_payloads() -> None:
    assert request.ping().payload == b"PING\r\n"
    assert request.put("k", "a b").payload == b"PUT k a b\r\n"
    assert request.put("k", Decimal("1E+3")).payload == b"PUT k 1000\r\n"
    assert request.get("k").payload == b"GET k\r\n"
    assert request.delete("k").payload == b"DEL k\r\n"
    assert request.incr("k").payload == b"INCR k\r\n"
    assert request.incr("k", Decimal("1.10")).payload == b"INCR k 1.10\r\n"
    assert request.decr("k", 5).payload == b"DECR k 5\r\n"
    assert request.regx("^a").payload == b"REGX ^a\r\n"
    assert request.regx("^a", 5, 10).payload == b"REGX ^a 5 10\r\n"
    assert request.regx("^a", limit=10).payload == b"REGX ^a 0 10\r\n"
    assert request.stat().payload == b"STAT\r\n"
    assert request.reload_config().payload == b"RCNF\r\n"


def test_only_reads_are_read_only() -> None:
    assert request.get("k").read_only and request.regx("x").read_only
    for req in (request.put("k", "v"), request.delete("k"), request.incr("k"),
                request.decr("k")):
        assert not req.read_only


def test_regx_paging_arguments_are_checked() -> None:
    with pytest.raises(ValueError):
        request.regx("a", offset=3)
    with pytest.raises(ValueError):
        request.regx("a", 0, -1)
    with pytest.raises(ValueError):
        request.regx("a b")


@pytest.mark.parametrize(("line", "multi", "closes"), [
    ("stat", True, False), ("REGX . 0 1", True, False), ("GET a", False, False),
    ("QUIT", False, True), ("NOPE x", False, False), ("  regx a", True, False),
])
def test_raw_reply_shape_comes_from_the_command_table(
    line: str, multi: bool, closes: bool
) -> None:
    req = request.raw(line)
    assert (req.multi, req.closes) == (multi, closes)
    assert req.payload == line.encode() + b"\r\n"
