"""KEYS globs translated to RE2 match exactly what Redis's glob matcher matches."""

from __future__ import annotations

import re2
from hypothesis import example, given, settings
from hypothesis import strategies as st

from supermassive.net.resp_glob import glob_to_re2


def _bracket(p: str, i: int, c: str) -> tuple[bool, int]:
    """Does ``c`` match the set starting after ``[`` at ``i``? Returns (match, next index)."""
    n = len(p)
    negate = i < n and p[i] == "^"
    if negate:
        i += 1
    hit = False
    while True:
        if n - i >= 2 and p[i] == "\\":
            hit |= p[i + 1] == c
            i += 2
        elif i >= n:
            break
        elif p[i] == "]":
            i += 1
            break
        elif n - i >= 3 and p[i + 1] == "-":
            lo, hi = sorted((p[i], p[i + 2]))
            hit |= lo <= c <= hi
            i += 3
        else:
            hit |= p[i] == c
            i += 1
    return hit != negate, i


def redis_match(p: str, s: str) -> bool:
    """A reference matcher written from Redis's documented glob rules (recursive, slow)."""
    if not p:
        return not s
    ch = p[0]
    if ch == "*":
        return any(redis_match(p[1:], s[k:]) for k in range(len(s) + 1))
    if not s:
        return False
    if ch == "?":
        return redis_match(p[1:], s[1:])
    if ch == "[":
        hit, nxt = _bracket(p, 1, s[0])
        return hit and redis_match(p[nxt:], s[1:])
    if ch == "\\" and len(p) >= 2:
        return p[1] == s[0] and redis_match(p[2:], s[1:])
    return ch == s[0] and redis_match(p[1:], s[1:])


def re2_match(glob: str, key: str) -> bool:
    return re2.search(glob_to_re2(glob), key) is not None


GLOB_ALPHABET = "ab-]^[*?\\ .:"
KEY_ALPHABET = "ab-]^[*?\\ .:z"


@settings(max_examples=600, deadline=None)
@given(glob=st.text(GLOB_ALPHABET, max_size=8), key=st.text(KEY_ALPHABET, max_size=6))
@example(glob="[a-]", key="]")
@example(glob="[]", key="a")
@example(glob="[^]", key="x")
@example(glob="a[", key="a")
@example(glob="[z-a]", key="m")
@example(glob="[\\]]", key="]")
@example(glob="\\", key="\\")
def test_translated_glob_matches_exactly_what_redis_matches(glob, key):
    assert re2_match(glob, key) == redis_match(glob, key)


@given(glob=st.text(max_size=12))
def test_translated_pattern_compiles_and_fits_in_one_native_token(glob):
    pattern = glob_to_re2(glob.replace("\0", ""))
    assert re2.compile(pattern) is not None
    assert not any(c.isspace() or ord(c) < 32 for c in pattern)


def test_common_globs():
    assert re2_match("user:*", "user:1")
    assert not re2_match("user:*", "xuser:1")
    assert not re2_match("user:?", "user:12")
    assert re2_match("h[a-e]llo", "hello")
    assert not re2_match("h[^e]llo", "hello")
    assert re2_match("a\\*b", "a*b")
    assert not re2_match("a\\*b", "axb")
    assert re2_match("*", "")
    assert re2_match("ключ:*", "ключ:1")
