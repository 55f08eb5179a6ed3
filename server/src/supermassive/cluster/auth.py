"""Client authentication at the cluster: ``AUTH base64(user<SEP>password)`` (pure).

The decoded text is ``user<SEP>password`` where SEP is a NUL byte or the two characters
backslash and ``0`` (what the original's README recipe produces). The first NUL wins; without
a NUL, the first backslash-zero pair separates. Comparison is constant-time.
"""

from __future__ import annotations

import base64
import binascii
import hmac

MAX_TOKEN_BYTES = 4096
"""Longest accepted base64 token."""


def decode_credentials(token: bytes) -> tuple[bytes, bytes] | None:
    """Return ``(user, password)`` from a base64 token, or ``None`` when it is malformed."""
    if not token or len(token) > MAX_TOKEN_BYTES:
        return None
    try:
        text = base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError):
        return None
    for sep in (b"\0", b"\\0"):
        user, found, password = text.partition(sep)
        if found:
            return user, password
    return None


def encode_credentials(user: str, password: str) -> bytes:
    """The AUTH token for ``user``/``password`` (NUL separator); used by tests and tools."""
    return base64.b64encode(user.encode("utf-8", "surrogateescape") + b"\0"
                            + password.encode("utf-8", "surrogateescape"))


class Credentials:
    """The user name and password a cluster accepts."""

    __slots__ = ("_password", "_user")

    def __init__(self, user: str, password: str) -> None:
        self._user = user.encode("utf-8", "surrogateescape")
        self._password = password.encode("utf-8", "surrogateescape")

    def check(self, token: bytes) -> bool:
        """Whether ``token`` (the AUTH argument) carries these credentials."""
        decoded = decode_credentials(token)
        if decoded is None:
            return False
        user_ok = hmac.compare_digest(decoded[0], self._user)
        password_ok = hmac.compare_digest(decoded[1], self._password)
        return user_ok and password_ok
