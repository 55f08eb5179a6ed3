"""How operations become commands and replies become ok / fail / info (pure functions)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smchaos.client import command, interpret, parse_value
from smchaos.db import parse_vregx
from smchaos.generator import Invocation


@pytest.mark.parametrize(("inv", "line"), [
    (Invocation("read", "k"), "GET k"),
    (Invocation("write", "k", 5), "PUT k 5"),
    (Invocation("delete", "k"), "DEL k"),
    (Invocation("incr", "k", 3), "INCR k 3"),
    (Invocation("incr", "k", -3), "DECR k 3"),
    (Invocation("read", None, extra={"pattern": "^s"}), "REGX ^s"),
])
def test_each_operation_maps_to_its_command(inv: Invocation, line: str) -> None:
    assert command(inv)[0] == line


@pytest.mark.parametrize(("f", "reply", "expected"), [
    ("read", b"OK k 12", ("ok", 12)),
    ("read", b"OK k hello world", ("ok", "hello world")),
    ("read", b"ERR key-value not found", ("ok", None)),
    ("read", b"ERR unavailable: x", ("fail", None)),
    ("read", b"ERR timeout: x", ("fail", None)),
    ("write", b"OK key-value written", ("ok", 7)),
    ("write", b"ERR no primary nodes available", ("fail", None)),
    ("write", b"ERR timeout: 1.2.3.4:5: the write may or may not have been applied",
     ("info", None)),
    ("write", b"ERR something nobody documented", ("info", None)),
    ("write", b"garbage", ("info", None)),
    ("delete", b"OK key-value deleted", ("ok", None)),
    ("delete", b"ERR key-value not found", ("ok", None)),
    ("incr", b"OK k -4", ("ok", -4)),
    ("incr", b"ERR key-value not found", ("fail", None)),
    ("incr", b"ERR invalid value", ("fail", None)),
    ("incr", b"ERR unavailable: 1.2.3.4:5 (primary down)", ("fail", None)),
    ("incr", b"ERR conflict: the value kept changing; try again", ("fail", None)),
    ("incr", b"ERR timeout: 1.2.3.4:5: no reply", ("info", None)),
])
def test_replies_map_to_outcomes(f: str, reply: bytes, expected: tuple[str, Any]) -> None:
    inv = Invocation(f, "k", 7 if f == "write" else (1 if f == "incr" else None))
    out = interpret(inv, reply)
    assert (out.type, out.value) == expected


def test_a_regx_reply_becomes_a_mapping() -> None:
    inv = Invocation("read", None, extra={"pattern": "^s"})
    out = interpret(inv, [b"OK 2", b"s1 1", b"s2 two words"])
    assert out.type == "ok" and out.value == {"s1": 1, "s2": "two words"}


@given(st.integers())
def test_integers_round_trip_through_text(n: int) -> None:
    assert parse_value(str(n)) == n


def test_vregx_lines_parse_to_versions_and_tombstones() -> None:
    assert parse_vregx([b"a V 17 x y", b"b D 18", b"c V 19 "]) == {
        "a": [17, "x y"], "b": [18, None], "c": [19, ""]}
