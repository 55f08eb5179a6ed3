"""INCR/DECR arithmetic: exact, no exponent, integers stay integers."""

from __future__ import annotations

import decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supermassive.storage.errors import InvalidValue
from supermassive.storage.numbers import MAX_NUMBER_CHARS, apply_delta, is_number, negate_delta


@pytest.mark.parametrize(("stored", "delta", "negate", "result"), [
    (b"1", b"1", False, b"2"),
    (b"100", b"4", False, b"104"),
    (b"5", b"10", True, b"-5"),
    (b"1.5", b"1.1", False, b"2.6"),
    (b"2.6", b"1.1", True, b"1.5"),
    (b"1", b"1.5", False, b"2.5"),
    (b"2.5", b"0.5", True, b"2"),
    (b"0.1", b"0.2", False, b"0.3"),
    (b"-0.5", b"0.5", False, b"0"),
    (b"-0.0", b"-0.0", False, b"0"),
    (b"-0", b"0", False, b"0"),
    (b"+7", b"+3", False, b"10"),
    (b"007", b"1", False, b"8"),
    (b"5.", b".5", False, b"5.5"),
    (b"9223372036854775807", b"1", False, b"9223372036854775808"),
    (b"-9223372036854775808", b"1", True, b"-9223372036854775809"),
    (b"1" + b"0" * 40, b"0.000000000000000000000000000001", False,
     b"1" + b"0" * 40 + b".000000000000000000000000000001"),
    (b"1.10", b"0", False, b"1.1"),
])
def test_documented_results(stored: bytes, delta: bytes, negate: bool, result: bytes) -> None:
    assert apply_delta(stored, delta, negate) == result


@pytest.mark.parametrize("bad", [
    b"", b" 1", b"1 ", b"1 2", b"inf", b"-inf", b"nan", b"NaN", b"Infinity", b"1e5", b"1E5",
    b"1_000", b"0x10", b"+", b"-", b".", b"1..2", b"1.2.3", b"--1", b"+-1", b"\xd9\xa1",
    b"\xef\xbc\x91", b"abc", b"1" * (MAX_NUMBER_CHARS + 1),
])
def test_non_numbers_are_refused_on_either_side(bad: bytes) -> None:
    assert not is_number(bad)
    with pytest.raises(InvalidValue):
        apply_delta(bad, b"1", False)
    with pytest.raises(InvalidValue):
        apply_delta(b"1", bad, False)
    with pytest.raises(InvalidValue):
        negate_delta(bad)


def test_a_result_longer_than_the_limit_is_refused() -> None:
    nines = b"9" * MAX_NUMBER_CHARS
    with pytest.raises(InvalidValue):
        apply_delta(nines, b"1", False)
    assert apply_delta(nines, b"1", True) == b"9" * (MAX_NUMBER_CHARS - 1) + b"8"


@pytest.mark.parametrize(("delta", "negated"), [
    (b"5", b"-5"), (b"-5", b"5"), (b"+5", b"-5"), (b"1.50", b"-1.50"), (b"0", b"-0"),
])
def test_negate_delta_flips_the_sign(delta: bytes, negated: bytes) -> None:
    assert negate_delta(delta) == negated


def _text(sign: str, whole: str, fraction: str | None) -> bytes:
    return (sign + whole + ("" if fraction is None else "." + fraction)).encode()


numbers = st.builds(_text, st.sampled_from(["", "-", "+"]), st.text("0123456789", min_size=1,
                    max_size=40), st.none() | st.text("0123456789", max_size=40))
integers = st.integers(-(10 ** 60), 10 ** 60)


@given(numbers, numbers, st.booleans())
def test_results_equal_exact_decimal_arithmetic(stored: bytes, delta: bytes,
                                                negate: bool) -> None:
    result = apply_delta(stored, delta, negate)
    context = decimal.Context(prec=1000)
    a, b = decimal.Decimal(stored.decode()), decimal.Decimal(delta.decode())
    expected = context.subtract(a, b) if negate else context.add(a, b)
    assert decimal.Decimal(result.decode()) == expected
    assert b"e" not in result.lower()
    if b"." in result:
        assert not result.endswith(b"0") and not result.endswith(b".")
    assert result != b"-0"


@given(integers, integers, st.booleans())
def test_integers_stay_integers(a: int, b: int, negate: bool) -> None:
    result = apply_delta(str(a).encode(), str(b).encode(), negate)
    assert result == str(a - b if negate else a + b).encode()


@given(numbers)
def test_decr_by_x_equals_incr_by_minus_x(delta: bytes) -> None:
    assert apply_delta(b"10.25", delta, True) == apply_delta(b"10.25", negate_delta(delta),
                                                             False)
