"""Reply decoders: Python values out, mapped exceptions for ERR, nothing by free text."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smclient import replies
from smclient.exceptions import (
    InvalidPatternError,
    KeyNotFoundError,
    NoPrimaryError,
    ResponseError,
    UnexpectedReplyError,
)


def test_get_returns_the_value_with_spaces() -> None:
    assert replies.decode_get("k", b"OK k hello  world ") == "hello  world "


@pytest.mark.parametrize("reply", [b"OK k ", b"OK k"])
def test_get_returns_an_empty_value(reply: bytes) -> None:
    assert replies.decode_get("k", reply) == ""


def test_get_missing_key_is_none() -> None:
    assert replies.decode_get("k", b"ERR key-value not found") is None


def test_get_reply_for_another_key_is_unexpected() -> None:
    with pytest.raises(UnexpectedReplyError):
        replies.decode_get("k", b"OK other v")


def test_get_other_errors_raise_their_class() -> None:
    with pytest.raises(NoPrimaryError) as info:
        replies.decode_get("k", b"ERR no primary nodes available")
    assert info.value.retryable


@given(st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n\x00")))
def test_get_value_round_trips(value: str) -> None:
    assert replies.decode_get("key", f"OK key {value}".encode()) == value


def test_delete_true_and_false() -> None:
    assert replies.decode_delete(b"OK key-value deleted") is True
    assert replies.decode_delete(b"ERR key-value not found") is False


@pytest.mark.parametrize(
    ("reply", "value"),
    [(b"OK n 6", 6), (b"OK n -3", -3), (b"OK n 2.6", Decimal("2.6")),
     (b"OK n 123456789012345678901234567890", 123456789012345678901234567890)],
)
def test_number_replies_are_int_or_exact_decimal(reply: bytes, value: object) -> None:
    got = replies.decode_number("n", reply)
    assert got == value
    assert type(got) is type(value)


def test_incr_missing_key_raises_key_not_found() -> None:
    with pytest.raises(KeyNotFoundError):
        replies.decode_number("n", b"ERR key-value not found")


def test_regx_pairs_in_order() -> None:
    reply = [b"OK 2", b"a 1", b"b two words"]
    assert replies.decode_regx(reply) == [("a", "1"), ("b", "two words")]
    assert replies.decode_regx([b"OK 0"]) == []


def test_regx_error_raises() -> None:
    with pytest.raises(InvalidPatternError):
        replies.decode_regx(b"ERR invalid pattern: missing )")


def test_multi_reply_with_wrong_count_is_unexpected() -> None:
    with pytest.raises(UnexpectedReplyError):
        replies.decode_regx([b"OK 3", b"a 1"])
    with pytest.raises(UnexpectedReplyError):
        replies.decode_regx(b"OK 3")


def test_neither_ok_nor_err_is_unexpected() -> None:
    with pytest.raises(UnexpectedReplyError):
        replies.decode_true(b"PONG")


def test_stat_groups_lines_into_sections() -> None:
    body = [b"OK 7", b"CLUSTER 127.0.0.1:4000", b"\tcurrent_sequence 3",
            b"PRIMARY 127.0.0.1:4001", b"\tsection DISK", b"\tkeys 10",
            b"REPLICA 127.0.0.1:4002", b"\tstatus down"]
    body[0] = f"OK {len(body) - 1}".encode()
    stat = replies.decode_stat(body)
    assert [s.header for s in stat] == [
        "CLUSTER 127.0.0.1:4000", "PRIMARY 127.0.0.1:4001", "REPLICA 127.0.0.1:4002"]
    assert stat.sections[1].values == {"keys": "10"}
    assert stat.section("REPLICA") is not None
    assert stat.section("REPLICA").values["status"] == "down"  # type: ignore[union-attr]
    assert stat.sections[0].kind == "CLUSTER"
    assert stat.sections[0].address == "127.0.0.1:4000"
    assert len(stat.lines) == len(body) - 1
    header, values = stat.sections[0]
    assert header == "CLUSTER 127.0.0.1:4000"
    assert values == {"current_sequence": "3"}


def test_raw_reply_never_raises() -> None:
    assert replies.decode_raw(b"ERR unknown command") == replies.RawReply(
        False, "ERR unknown command", [])
    assert replies.decode_raw([b"OK 1", b"a b"]) == replies.RawReply(True, "OK 1", ["a b"])


def test_unknown_error_prefix_is_a_plain_response_error() -> None:
    with pytest.raises(ResponseError) as info:
        replies.decode_true(b"ERR something new")
    assert type(info.value) is ResponseError
    assert info.value.code is None
