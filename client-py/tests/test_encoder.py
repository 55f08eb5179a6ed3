"""The encoder never produces bytes that would split into more than one command line."""

from __future__ import annotations

import base64
import hashlib
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smclient.protocol.encoder import (
    MAX_KEY_BYTES,
    auth_token,
    check_key,
    check_value,
    encode_command,
    encode_line,
    format_number,
    nauth_token,
    parse_number,
)
from smclient.protocol.lines import LineBuffer

keys = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters=" \x7f"
                  + "".join(map(chr, range(32)))),
    min_size=1, max_size=40,
)
values = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n\x00"))


@given(keys, values)
def test_put_line_is_one_line_that_keeps_key_and_value(key: str, value: str) -> None:
    lines = LineBuffer().feed(encode_command("PUT", check_key(key), check_value(value)))
    assert len(lines) == 1
    name, k, v = lines[0].decode().split(" ", 2)
    assert (name, k, v) == ("PUT", key, value)


@given(st.text(min_size=1))
def test_any_text_either_encodes_to_one_line_or_raises_value_error(text: str) -> None:
    try:
        payload = encode_command("PUT", "k", text)
    except (ValueError, UnicodeEncodeError):
        return
    assert len(LineBuffer().feed(payload)) == 1
    assert payload.endswith(b"\r\n")


@pytest.mark.parametrize("key", ["", "a b", "a\tb", "a\r", "a\nb", "\x00", "a\x7f"])
def test_bad_keys_raise_value_error(key: str) -> None:
    with pytest.raises(ValueError):
        check_key(key)


def test_key_length_limit_is_counted_in_utf8_bytes() -> None:
    check_key("a" * MAX_KEY_BYTES)
    with pytest.raises(ValueError):
        check_key("é" * (MAX_KEY_BYTES // 2 + 1))


@pytest.mark.parametrize("value", ["a\rb", "a\nb", "a\x00b", "\r\n"])
def test_values_with_cr_lf_nul_raise_value_error(value: str) -> None:
    with pytest.raises(ValueError):
        check_value(value)


def test_values_may_be_empty_or_hold_spaces() -> None:
    assert encode_command("PUT", "k", "") == b"PUT k \r\n"
    assert encode_command("PUT", "k", " a  b ") == b"PUT k  a  b \r\n"


def test_non_str_key_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        check_key(b"k")  # type: ignore[arg-type]


@pytest.mark.parametrize("line", ["", "   ", "GET a\r\nGET b", "PUT a \x00"])
def test_raw_lines_that_are_blank_or_hold_line_breaks_are_refused(line: str) -> None:
    with pytest.raises(ValueError):
        encode_line(line)


def test_raw_line_gets_crlf() -> None:
    assert encode_line("get a") == b"get a\r\n"


@given(st.integers())
def test_integers_round_trip(n: int) -> None:
    assert parse_number(format_number(n)) == n
    assert isinstance(parse_number(format_number(n)), int)


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6))
def test_decimals_are_written_without_exponent(d: Decimal) -> None:
    text = format_number(d)
    assert "E" not in text.upper()
    assert Decimal(text) == d


@pytest.mark.parametrize("bad", [1.5, True, "1", Decimal("NaN"), Decimal("Infinity")])
def test_numbers_must_be_int_or_finite_decimal(bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        format_number(bad)  # type: ignore[arg-type]


def test_auth_token_uses_a_nul_separator() -> None:
    assert base64.b64decode(auth_token("user", "p w")) == b"user\x00p w"


def test_nauth_token_is_hex_sha256_of_the_shared_key() -> None:
    assert nauth_token("test-key") == hashlib.sha256(b"test-key").hexdigest()
