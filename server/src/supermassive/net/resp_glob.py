"""Redis ``KEYS`` glob patterns translated to anchored RE2 patterns.

The glob language is Redis's (``stringmatchlen``):

* ``*`` any run of characters (also empty), ``?`` exactly one character;
* ``[abc]`` one of a set, ``[^abc]`` one not in it, ``[a-z]`` a range (reversed ranges such as
  ``[z-a]`` are swapped; the character after ``-`` is taken as is, even ``]``), ``[]`` matches
  nothing, ``[^]`` any one character;
* ``\\x`` the character x itself, outside and inside brackets (an escaped character never
  starts a range); a trailing lone ``\\`` is a literal backslash; an unterminated ``[`` makes
  a set of the rest of the pattern.

These are the rules of Redis's matcher, edge cases included, so ``KEYS`` answers as Redis would.

The result is anchored (``^...$``; RE2 without the multi-line flag anchors at the ends of the
text) and contains no space or control character, so it travels as one token of a native
``REGX`` line. Every literal that is not an ASCII letter or digit is written as ``\\x{HEX}``,
which RE2 reads the same inside and outside a character class. Keys are text: ``?`` matches one
character (Redis: one byte), the same thing for ASCII keys.
"""

from __future__ import annotations

_NOTHING = r"[^\x{0}-\x{10FFFF}]"
_ANY = r"(?s:.)"


def _literal(ch: str) -> str:
    return ch if ch.isascii() and ch.isalnum() else f"\\x{{{ord(ch):X}}}"


def _bracket(glob: str, i: int) -> tuple[str, int]:
    """Translate the set starting after ``[`` at index ``i``; return it and the next index."""
    n = len(glob)
    negate = i < n and glob[i] == "^"
    if negate:
        i += 1
    parts: list[str] = []
    while True:
        left = n - i
        if left >= 2 and glob[i] == "\\":
            parts.append(_literal(glob[i + 1]))  # an escaped character never starts a range
            i += 2
        elif left == 0:
            break  # unterminated: the set is what was read
        elif glob[i] == "]":
            i += 1
            break
        elif left >= 3 and glob[i + 1] == "-":
            lo, hi = sorted((glob[i], glob[i + 2]))  # the end is taken raw, as Redis does
            parts.append(f"{_literal(lo)}-{_literal(hi)}")
            i += 3
        else:
            parts.append(_literal(glob[i]))
            i += 1
    if not parts:
        return (_ANY if negate else _NOTHING), i
    return f"[{'^' if negate else ''}{''.join(parts)}]", i


def glob_to_re2(glob: str) -> str:
    """Return the anchored RE2 pattern matching exactly the keys ``glob`` matches.

    >>> glob_to_re2("user:*")
    '^user\\\\x{3A}(?s:.*)$'
    >>> glob_to_re2("h[ae]llo?")
    '^h[ae]llo(?s:.)$'
    """
    out = ["^"]
    i = 0
    n = len(glob)
    while i < n:
        ch = glob[i]
        if ch == "*":
            while i + 1 < n and glob[i + 1] == "*":
                i += 1
            out.append("(?s:.*)")
        elif ch == "?":
            out.append(_ANY)
        elif ch == "[":
            part, i = _bracket(glob, i + 1)
            out.append(part)
            continue
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(_literal(glob[i]))
        else:
            out.append(_literal(ch))
        i += 1
    out.append("$")
    return "".join(out)
