"""Exact arithmetic for INCR and DECR (pure).

A number is ASCII text: an optional sign, then digits with an optional fraction. ``5.`` and
``.5`` are accepted (as Redis' INCRBYFLOAT does); there is no exponent, no ``inf``/``nan``, no
underscore, no hex, no spaces, and at most :data:`MAX_NUMBER_CHARS` characters.

* Two integers add as Python integers (arbitrary size): ``9223372036854775807 + 1`` is exact.
* If either side has a fraction the sum is computed with :class:`decimal.Decimal` in a context
  precise enough for the exact result (rounding is trapped, so it can never happen). The result
  never uses an exponent and has no trailing zeros: ``1.5 + 1.1 = 2.6``, ``2.5 - 0.5 = 2``
  (like Redis INCRBYFLOAT), ``0.1 + 0.2 = 0.3``, and zero is always ``0`` (never ``-0``).
* A result longer than :data:`MAX_NUMBER_CHARS` characters is refused, so a stored counter
  always stays usable by the next INCR.
"""

from __future__ import annotations

import decimal
import re

from supermassive.storage.errors import InvalidValue

MAX_NUMBER_CHARS = 4096
"""Longest accepted number text, sign and point included (also the longest result)."""

_NUMBER = re.compile(rb"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_TRAPS = [decimal.Inexact, decimal.Rounded, decimal.InvalidOperation, decimal.Overflow]


def _check(text: bytes, what: str) -> None:
    if len(text) > MAX_NUMBER_CHARS:
        raise InvalidValue(f"{what} has more than {MAX_NUMBER_CHARS} characters")
    if _NUMBER.fullmatch(text) is None:
        raise InvalidValue(f"{what} is not a number")


def is_number(text: bytes) -> bool:
    """Whether ``text`` is a number INCR/DECR accepts."""
    return len(text) <= MAX_NUMBER_CHARS and _NUMBER.fullmatch(text) is not None


def _format_decimal(value: decimal.Decimal) -> bytes:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.encode("ascii")


def _add_decimal(stored: bytes, delta: bytes, negate: bool) -> bytes:
    a = decimal.Decimal(stored.decode("ascii"))
    b = decimal.Decimal(delta.decode("ascii"))
    # Every digit of either operand, plus one for the carry, is enough for an exact sum.
    context = decimal.Context(prec=len(stored) + len(delta) + 2, traps=_TRAPS,
                              Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
    result = context.subtract(a, b) if negate else context.add(a, b)
    return _format_decimal(result)


def apply_delta(stored: bytes, delta: bytes, negate: bool) -> bytes:
    """Return ``stored + delta`` (``stored - delta`` when ``negate``) as number text.

    Raises :class:`InvalidValue` when either side is not a number or the result is too long.
    """
    _check(stored, "stored value")
    _check(delta, "delta")
    if b"." in stored or b"." in delta:
        result = _add_decimal(stored, delta, negate)
    else:
        a, b = int(stored), int(delta)
        result = str(a - b if negate else a + b).encode("ascii")
    if len(result) > MAX_NUMBER_CHARS:
        raise InvalidValue(f"result has more than {MAX_NUMBER_CHARS} characters")
    return result


def negate_delta(delta: bytes) -> bytes:
    """Return ``-delta`` as number text (for DECR); raises :class:`InvalidValue`."""
    _check(delta, "delta")
    if delta[:1] == b"-":
        return delta[1:]
    if delta[:1] == b"+":
        return b"-" + delta[1:]
    negated = b"-" + delta
    if len(negated) > MAX_NUMBER_CHARS:
        raise InvalidValue(f"delta has more than {MAX_NUMBER_CHARS} characters")
    return negated
