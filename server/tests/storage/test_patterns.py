"""REGX patterns: RE2 semantics, one-line errors, linear time."""

from __future__ import annotations

import pytest

from supermassive.storage.errors import InvalidPattern
from supermassive.storage.patterns import compile_pattern


@pytest.mark.parametrize(("pattern", "key", "found"), [
    (b"user", b"my-user-1", True),      # unanchored search
    (b"^user", b"my-user-1", False),
    (b"^user:[0-9]+$", b"user:42", True),
    (b"^user:[0-9]+$", b"user:42x", False),
    (b"", b"anything", True),
    (b".*", b"", True),
    ("^.$", "é".encode(), True),        # UTF-8 semantics: '.' is one character
    (b"^..$", "é".encode(), False),
    ("ü", "grüße".encode(), True),
    (b"(?i)ABC", b"xabcx", True),
    (b"\\d{3}", b"ab123", True),
    (b"a|b", b"zzb", True),
])
def test_re2_search_semantics(pattern: bytes | str, key: bytes, found: bool) -> None:
    assert compile_pattern(pattern)(key) is found


@pytest.mark.parametrize("pattern", [
    b"(", b"[a", b"a{1001}", b"*", b"\\", b"(?=x)", b"(a)\\1", b"\xff", b"[z-a]",
    b"((a{100}){100}){100}", "\ud800",
])
def test_bad_patterns_raise_a_one_line_reason(pattern: bytes | str) -> None:
    with pytest.raises(InvalidPattern) as caught:
        compile_pattern(pattern)
    reason = caught.value.reason
    assert reason and "\n" not in reason and "\r" not in reason and len(reason) <= 200


def test_huge_patterns_are_refused() -> None:
    with pytest.raises(InvalidPattern):
        compile_pattern(b"a" * (64 * 1024 + 1))


def test_catastrophic_backtracking_patterns_run_in_linear_time() -> None:
    # Exponential for a backtracking engine; RE2 answers at once (no timing assertion: the
    # test simply finishes well within the suite's timeout).
    key = b"a" * 20000 + b"!"
    for pattern in (b"^(a+)+$", b"^(a|a)*$", b"^(a*)*b", b"^(a|aa)+$"):
        assert compile_pattern(pattern)(key) is False


def test_compiled_patterns_are_cached() -> None:
    assert compile_pattern(b"cache-me") is compile_pattern(b"cache-me")
