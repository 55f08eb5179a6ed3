"""The node-replica role: serves reads and applies its primary's stream, in order.

The replica is passive: its primary connects, authenticates with the shared key and drives
catch-up (``STARTSYNC`` -> ``SYNCFROM <position> <history-id>``, optional ``RSNAP`` ...
``RSNAPEND`` snapshot, records, ``DONESYNC``), then streams records. A snapshot is staged and
swapped in at ``RSNAPEND``, so readers never see a half-loaded state. Each record is answered
``OK <position>`` until the primary sends ``RACK`` (offered in ``SYNCFROM``): from then on the
link's records are answered only when they fail, and each ``RACK`` gets ``OK <position>``.
Clients and the cluster may read; writes from anyone but the replication stream get
``ERR read only``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from supermassive.config import RoleConfig, load_config
from supermassive.net.server import Reply, Session
from supermassive.roles.data import (
    ERR_READ_ONLY,
    DataHandler,
    arity_error,
    key_error,
    parse_version,
)
from supermassive.roles.node import open_store, serve_data_role
from supermassive.storage.records import Record
from supermassive.storage.store import Store

log = logging.getLogger("supermassive.replica")


def parse_position(token: bytes) -> int | None:
    """A journal position: ``-1`` (empty) or a version-like non-negative integer."""
    return -1 if token == b"-1" else parse_version(token)

_STAGING = "snapshot"
_QUIET = "acks-on-request"
"""Session flag: this link asked for acks with ``RACK``; its records are answered only on error."""
SYNC_FEATURES = b"rack"
"""What ``SYNCFROM`` offers after the history id: ``rack`` (acks on request, see ``RACK``)."""


class ReplicaHandler(DataHandler):
    """Reads, plus the replication verbs from the primary."""

    role = "replica"

    def __init__(self, store: Store, shared_key: str, config: RoleConfig) -> None:
        super().__init__(store, shared_key, config.server.address)
        self.config = config
        self._sync_always = config.journal_sync == "always"
        self.primary_peer = "-"
        self.synced = False
        for name in (b"PUT", b"DEL", b"INCR", b"DECR", b"VPUT", b"VDEL", b"VREPAIR", b"VINCR"):
            self.table[name] = self.cmd_read_only
        self.table.update({
            b"STARTSYNC": self.cmd_startsync,
            b"DONESYNC": self.cmd_donesync,
            b"SYNCDONE": self.cmd_donesync,
            b"RSNAP": self.cmd_rsnap,
            b"RSNAPEND": self.cmd_rsnapend,
            b"RSET": self.cmd_rset,
            b"RDEL": self.cmd_rdel,
            b"RACK": self.cmd_rack,
        })
        self.fast[b"RSET"] = self.fast_rset

    def stat_header(self) -> bytes:
        """``REPLICA <addr>``."""
        return b"REPLICA " + self.address.encode()

    def stat_items(self) -> list[tuple[str, object]]:
        """Replica figures: who feeds it and whether catch-up finished."""
        items = super().stat_items()
        items[6:6] = [("journal_sync", self.config.journal_sync),
                      ("primary", self.primary_peer), ("synced", str(self.synced).lower())]
        return items

    def cmd_read_only(self, session: Session, rest: bytes | None) -> Reply:
        """Writes are refused: they come only through the primary's stream."""
        return ERR_READ_ONLY

    def _internal(self, session: Session) -> bytes | None:
        if not session.internal:
            return ERR_READ_ONLY
        return None

    def cmd_startsync(self, session: Session, rest: bytes | None) -> Reply:
        """STARTSYNC: answer where to resume."""
        err = self._internal(session)
        if err:
            return err
        self.primary_peer = session.peer
        self.synced = False
        session.data.pop(_STAGING, None)
        session.data.pop(_QUIET, None)
        return b"SYNCFROM %d %s %s\r\n" % (self.store.position, self.store.history_id.encode(),
                                           SYNC_FEATURES)

    def cmd_rack(self, session: Session, rest: bytes | None) -> Reply:
        """RACK: ``OK <position>`` (after the fsync under ``journal-sync: always``); from now on
        this link's records are answered only when they fail."""
        err = self._internal(session)
        if err:
            return err
        if rest is not None:
            return arity_error(b"RACK")
        session.data[_QUIET] = True
        return self.ack(b"OK %d\r\n" % self.store.position)

    def cmd_donesync(self, session: Session, rest: bytes | None) -> Reply:
        """DONESYNC / SYNCDONE: catch-up complete."""
        err = self._internal(session)
        if err:
            return err
        self.synced = True
        log.info("synced with primary %s at position %d", session.peer, self.store.position)
        return b"OK synced\r\n"

    def cmd_rsnap(self, session: Session, rest: bytes | None) -> Reply:
        """RSNAP <position> <history-id>: start staging a snapshot."""
        err = self._internal(session)
        if err:
            return err
        parts = rest.split(b" ") if rest is not None else []
        if len(parts) != 2:
            return arity_error(b"RSNAP")
        if parse_position(parts[0]) is None:
            return b"ERR invalid input: bad position\r\n"
        session.data[_STAGING] = (int(parts[0]), parts[1].decode(errors="replace"), [])
        log.info("receiving a snapshot at position %s", parts[0].decode())
        return b"OK %s\r\n" % parts[0]

    def cmd_rsnapend(self, session: Session, rest: bytes | None) -> Reply:
        """RSNAPEND <position>: swap the staged snapshot in."""
        err = self._internal(session)
        if err:
            return err
        staged = session.data.pop(_STAGING, None)
        if staged is None or rest is None or parse_position(rest) is None:
            return b"ERR invalid input: RSNAPEND without RSNAP\r\n"
        position, history, records = staged
        self.store.load_snapshot(position, history, records)
        log.info("snapshot loaded: %d keys at position %d", len(self.store.keyspace), position)
        return self.ack(b"OK %d\r\n" % position)

    def _record(self, session: Session, rec: Record) -> Reply:
        data = session.data
        staged = data.get(_STAGING)
        if staged is not None:
            staged[2].append(rec)
            return b"" if _QUIET in data else b"OK %d\r\n" % rec.position
        self.store.apply_record(rec)
        return b"" if _QUIET in data else self.ack(b"OK %d\r\n" % rec.position)

    def fast_rset(self, session: Session, line: bytes, rest: bytes) -> Reply | None:
        """RSET on the live stream (catch-up's hot path): an internal session not staging a
        snapshot, a plain-ASCII line without NUL, well-formed numbers and a valid key; else
        ``None`` (the general path answers)."""
        data = session.data
        if not session.internal or 0 in line or not line.isascii() or _STAGING in data:
            return None
        parts = rest.split(b" ", 3)
        if len(parts) < 3:
            return None
        number, stamp, key = parse_version(parts[0]), parse_version(parts[1]), parts[2]
        if number is None or stamp is None or key_error(key) is not None:
            return None  # the general path answers (cmd_rset parses both the same way)
        self.store.apply_set(number, stamp, key, parts[3] if len(parts) == 4 else b"")
        if _QUIET in data:
            return b""
        reply = b"OK %d\r\n" % number
        return self._after_fsync(reply) if self._sync_always else reply

    def cmd_rset(self, session: Session, rest: bytes | None) -> Reply:
        """RSET <position> <version> <key> <value>."""
        err = self._internal(session)
        if err:
            return err
        parts = rest.split(b" ", 3) if rest is not None else []
        if len(parts) < 3:
            return arity_error(b"RSET")
        position, version = parse_version(parts[0]), parse_version(parts[1])
        if position is None or version is None or key_error(parts[2]) is not None:
            return b"ERR invalid input: bad replication record\r\n"
        value = parts[3] if len(parts) == 4 else b""
        return self._record(session, Record(position, version, "S", parts[2], value))

    def cmd_rdel(self, session: Session, rest: bytes | None) -> Reply:
        """RDEL <position> <version> <key>."""
        err = self._internal(session)
        if err:
            return err
        parts = rest.split(b" ") if rest is not None else []
        if len(parts) != 3:
            return arity_error(b"RDEL")
        position, version = parse_version(parts[0]), parse_version(parts[1])
        if position is None or version is None or key_error(parts[2]) is not None:
            return b"ERR invalid input: bad replication record\r\n"
        return self._record(session, Record(position, version, "D", parts[2], b""))

    def reload(self) -> None:
        """Re-read ``.nodereplica``."""
        self.config = load_config("node-replica", self.config.path)
        log.info("configuration reloaded from %s", self.config.path)


async def run_replica(config: RoleConfig, directory: Path, *, shared_key: str) -> int:
    """Run the replica role until SIGTERM/SIGINT."""
    store = open_store(config, directory, "replica")
    await store.start()
    handler = ReplicaHandler(store, shared_key, config)
    return await serve_data_role(config, handler, "node-replica", shared_key)
