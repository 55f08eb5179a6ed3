"""REGX patterns: RE2 syntax, unanchored search over keys, linear time (pure).

Patterns are compiled as UTF-8 bytes (a ``str`` is encoded first) and matched against key
bytes with UTF-8 semantics, so ``.`` is one character, not one byte. RE2 guarantees time linear
in the key length, so no pattern can make the server backtrack for ever. Compiled patterns are
kept in a small LRU cache; a bad pattern raises :class:`InvalidPattern` with a short one-line
reason (for ``ERR invalid pattern: <reason>``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import re2
from re2 import _re2

from supermassive.storage.errors import InvalidPattern

MAX_PATTERN_BYTES = 64 * 1024
"""Longest accepted pattern."""
MAX_PATTERN_MEMORY_BYTES = 8 << 20
"""Memory RE2 may use for one compiled pattern; bigger programs are refused."""
CACHE_SIZE = 128
MAX_REASON_CHARS = 200

Matcher = Callable[[bytes], bool]
"""``matcher(key)`` is true when the pattern is found anywhere in the key."""

_UNANCHORED = _re2.RE2.Anchor.UNANCHORED


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > MAX_REASON_CHARS:
        text = text[: MAX_REASON_CHARS - 3] + "..."
    return text or "rejected by RE2"


@functools.lru_cache(maxsize=CACHE_SIZE)
def _compile_bytes(pattern: bytes) -> Matcher:
    if len(pattern) > MAX_PATTERN_BYTES:
        raise InvalidPattern(f"pattern longer than {MAX_PATTERN_BYTES} bytes")
    options = re2.Options()
    options.never_capture = True
    options.log_errors = False
    options.max_mem = MAX_PATTERN_MEMORY_BYTES
    regexp = _re2.RE2(pattern, options)
    if not regexp.ok():
        raw = regexp.error()
        reason = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        raise InvalidPattern(_one_line(reason))
    match = regexp.Match

    def matcher(key: bytes) -> bool:
        return bool(match(_UNANCHORED, key, 0, len(key))[0][0] >= 0)

    return matcher


def compile_pattern(pattern: bytes | str) -> Matcher:
    """Compile ``pattern`` (cached) into a key matcher; raises :class:`InvalidPattern`."""
    if isinstance(pattern, str):
        try:
            pattern = pattern.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidPattern("invalid UTF-8")
    return _compile_bytes(pattern)


def cache_clear() -> None:
    """Forget every compiled pattern (tests)."""
    _compile_bytes.cache_clear()
