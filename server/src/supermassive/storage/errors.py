"""Storage errors: one root, one class per way a storage operation can be refused."""

from __future__ import annotations


class StorageError(Exception):
    """Root of every storage error."""


class NotFound(StorageError):
    """The key is missing or deleted (tombstone)."""


class InvalidValue(StorageError):
    """A stored value or a delta is not a number INCR/DECR accepts."""


class Conflict(StorageError):
    """The stored version is not the one the caller expected (or is newer than the write)."""


class InvalidPattern(StorageError):
    """A REGX pattern that RE2 refuses; ``reason`` is a short one-line message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class JournalError(StorageError):
    """The journal or snapshot files cannot be used (for example an unknown file format)."""
