"""Storage engine: keyspace, versions-aware writes, numbers, patterns, journal and snapshots.

The node and replica roles use :class:`Store` (and through it :class:`Keyspace`); everything
else here is its machinery. See ``docs/internals/storage.md`` and ``docs/internals/journal.md``.
"""

from supermassive.storage.errors import (
    Conflict,
    InvalidPattern,
    InvalidValue,
    JournalError,
    NotFound,
    StorageError,
)
from supermassive.storage.keyspace import Keyspace
from supermassive.storage.records import OP_DELETE, OP_SET, Record
from supermassive.storage.store import Store

__all__ = [
    "OP_DELETE",
    "OP_SET",
    "Conflict",
    "InvalidPattern",
    "InvalidValue",
    "JournalError",
    "Keyspace",
    "NotFound",
    "Record",
    "StorageError",
    "Store",
]
