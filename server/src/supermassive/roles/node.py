"""The node role: a primary shard. Serves reads and writes, journals, streams to replicas."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from supermassive.config import ConfigError, RoleConfig, load_config
from supermassive.net.server import Reply, ResponderFactory, Session
from supermassive.replication.stream import ReplicationManager
from supermassive.roles.data import (
    ERR_CONFLICT,
    ERR_INVALID_VALUE,
    ERR_NOT_FOUND,
    ERR_OOM,
    GRAPHIC,
    MAX_KEY_BYTES,
    OK_DELETED,
    OK_WRITTEN,
    RESP_OK,
    DataHandler,
    arity_error,
    key_error,
    parse_version,
)
from supermassive.roles.lifecycle import start_listener, stop_event
from supermassive.storage.errors import Conflict, InvalidValue, NotFound
from supermassive.storage.numbers import apply_delta
from supermassive.storage.store import Store

log = logging.getLogger("supermassive.node")

OK_REPAIRED = b"OK repaired\r\n"
OK_UNCHANGED = b"OK unchanged\r\n"


class NodeHandler(DataHandler):
    """The primary's commands: the data commands plus writes and the versioned verbs."""

    role = "primary"

    def __init__(
        self, store: Store, shared_key: str, config: RoleConfig, replication: ReplicationManager
    ) -> None:
        super().__init__(store, shared_key, config.server.address)
        self.config = config
        self.replication = replication
        self._sync_always = config.journal_sync == "always"
        self._coalescing = config.replication_coalesce_ms > 0
        self.over_memory = False
        self.table.update({
            b"PUT": self.cmd_put,
            b"DEL": self.cmd_del,
            b"INCR": self.cmd_incr,
            b"DECR": self.cmd_decr,
            b"UPINCR": self.cmd_upincr,
            b"UPDECR": self.cmd_updecr,
            b"VPUT": self.cmd_vput,
            b"VDEL": self.cmd_vdel,
            b"VREPAIR": self.cmd_vrepair,
            b"VINCR": self.cmd_vincr,
        })
        self.fast[b"PUT"] = self.fast_put
        self.fast[b"VPUT"] = self.fast_vput
        self.fast[b"VDEL"] = self.fast_vdel
        self.fast[b"VREPAIR"] = self.fast_vrepair
        self.resp_fast[b"SET"] = self.resp_set
        self.resp_fast[b"set"] = self.resp_set

    def resp_set(self, session: Session, args: list[bytes]) -> bytes | None:
        """RESP ``SET <key> <value>`` written straight to the store (``+OK``), under the
        proofs of :meth:`fast_put` (the value ASCII without CR, LF or NUL, the key stored or
        printable ASCII without spaces, memory fine); ``None`` otherwise, and under
        ``journal-sync: always`` (the general path then answers after the fsync)."""
        if len(args) != 3 or not session.authenticated or self.over_memory or self._sync_always:
            return None
        key, value = args[1], args[2]
        if (not value.isalnum() and (0 in value or 13 in value or 10 in value
                                     or not value.isascii())) or (
                self._lookup(key) is None
                and (not 0 < len(key) <= MAX_KEY_BYTES or key.translate(None, GRAPHIC))):
            return None
        self.counters.ops += 1
        self.store.put(key, value)
        return RESP_OK

    def fast_put(self, session: Session, line: bytes, rest: bytes) -> Reply | None:
        """PUT when the line is plain ASCII without NUL, the key is proven valid (already
        stored, or :func:`key_error` says so) and memory is fine; else ``None``."""
        key, _, value = rest.partition(b" ")
        if (0 in line or not line.isascii() or self.over_memory
                or (self._lookup(key) is None and key_error(key) is not None)):
            return None
        self.store.put(key, value)
        return self._after_fsync(OK_WRITTEN) if self._sync_always else OK_WRITTEN

    def fast_vput(self, session: Session, line: bytes, rest: bytes) -> Reply | None:
        """VPUT (the cluster's write) under the same proofs as :meth:`fast_put`, with a
        well-formed version; else ``None``."""
        token, _, pair = rest.partition(b" ")
        key, _, value = pair.partition(b" ")
        version = parse_version(token)
        if (not version  # malformed, or 0: the general path observes it, the store refuses it
                or 0 in line or not line.isascii() or self.over_memory
                or (self._lookup(key) is None and key_error(key) is not None)):
            return None
        self.store.put(key, value, version)  # observes version first, as cmd_vput does
        return self._after_fsync(OK_WRITTEN) if self._sync_always else OK_WRITTEN

    def fast_vdel(self, session: Session, line: bytes, rest: bytes) -> Reply | None:
        """VDEL (the cluster's DEL) with a well-formed version and a key proven valid by
        :func:`key_error`'s fast proof (printable ASCII but space: the line is then ASCII
        without NUL, and the key one argument); else ``None``."""
        token, _, key = rest.partition(b" ")
        version = parse_version(token)
        if (not version  # as in fast_vput
                or not 0 < len(key) <= MAX_KEY_BYTES or key.translate(None, GRAPHIC)):
            return None
        reply = OK_DELETED if self.store.delete(key, version) else ERR_NOT_FOUND
        return self._after_fsync(reply) if self._sync_always else reply

    def fast_vrepair(self, session: Session, line: bytes, rest: bytes) -> Reply | None:
        """VREPAIR (the cluster's read repair) with two well-formed versions and a key proven
        valid as in :meth:`fast_vdel`; else ``None``."""
        key, _, versions = rest.partition(b" ")
        losing_token, _, winning_token = versions.partition(b" ")
        losing, winning = parse_version(losing_token), parse_version(winning_token)
        if (losing is None or winning is None or not 0 < len(key) <= MAX_KEY_BYTES
                or key.translate(None, GRAPHIC)):
            return None
        changed = self.store.repair(key, losing, winning)
        reply = OK_REPAIRED if changed else OK_UNCHANGED
        return self._after_fsync(reply) if self._sync_always else reply

    def flush(self) -> None:
        """Journal write-out, then the replication stream (records only leave once written)."""
        self.store.flush()
        self.replication.flush()

    def flushed(self) -> bool:
        """Nothing waits for :meth:`flush`: the journal buffer is empty (so every record has
        been written out and handed to the replication stream) and, with a coalescing
        interval, no record waits in it (a read then never answers ahead of a record it may
        have seen that its replicas have not been sent)."""
        return not self._unwritten and (not self._coalescing or self.replication.sent())

    # ---- client-style writes (the node stamps versions itself)
    def cmd_put(self, session: Session, rest: bytes | None) -> Reply:
        """PUT <key> <value>."""
        if rest is None:
            return arity_error(b"PUT")
        sp = rest.find(b" ")
        key, value = (rest, b"") if sp < 0 else (rest[:sp], rest[sp + 1 :])
        return self._put(key, value, None)

    def _put(self, key: bytes, value: bytes, version: int | None) -> Reply:
        err = key_error(key)
        if err is not None:
            return err
        if self.over_memory:
            return ERR_OOM
        self.store.put(key, value, version)
        return self.ack(OK_WRITTEN)

    def cmd_del(self, session: Session, rest: bytes | None) -> Reply:
        """DEL <key>."""
        key, err = self.one_key(b"DEL", rest)
        if key is None:
            return err or ERR_NOT_FOUND
        return self._del(key, None)

    def _del(self, key: bytes, version: int | None) -> Reply:
        removed = self.store.delete(key, version)
        return self.ack(OK_DELETED if removed else ERR_NOT_FOUND)

    def cmd_incr(self, session: Session, rest: bytes | None) -> Reply:
        """INCR <key> [delta]."""
        return self._incr_cmd(b"INCR", rest, negate=False)

    def cmd_decr(self, session: Session, rest: bytes | None) -> Reply:
        """DECR <key> [delta]."""
        return self._incr_cmd(b"DECR", rest, negate=True)

    def cmd_upincr(self, session: Session, rest: bytes | None) -> Reply:
        """UPINCR <key> [delta]: INCR creating a missing key at 0 (RESP's INCR)."""
        return self._incr_cmd(b"UPINCR", rest, negate=False, create=True)

    def cmd_updecr(self, session: Session, rest: bytes | None) -> Reply:
        """UPDECR <key> [delta]: DECR creating a missing key at 0 (RESP's DECR)."""
        return self._incr_cmd(b"UPDECR", rest, negate=True, create=True)

    def _incr_cmd(self, name: bytes, rest: bytes | None, negate: bool,
                  create: bool = False) -> Reply:
        if rest is None:
            return arity_error(name)
        parts = rest.split(b" ")
        if len(parts) > 2:
            return arity_error(name)
        key = parts[0]
        delta = parts[1] if len(parts) == 2 else b"1"
        return self._incr(key, delta, negate, None, None, create)

    def _incr(
        self, key: bytes, delta: bytes, negate: bool, version: int | None, expected: int | None,
        create: bool = False,
    ) -> Reply:
        err = key_error(key)
        if err is not None:
            return err
        try:
            value = self.store.incr(key, delta, negate, version, expected)
        except NotFound:
            if not create:
                return ERR_NOT_FOUND
            try:
                value = apply_delta(b"0", delta, negate)
            except InvalidValue:
                return ERR_INVALID_VALUE
            self.store.put(key, value, version)
        except InvalidValue:
            return ERR_INVALID_VALUE
        except Conflict:
            return ERR_CONFLICT
        return self.ack(b"OK " + key + b" " + value + b"\r\n")

    # ---- versioned verbs from the cluster
    def cmd_vput(self, session: Session, rest: bytes | None) -> Reply:
        """VPUT <version> <key> <value>."""
        parts = rest.split(b" ", 2) if rest is not None else []
        if len(parts) < 2:
            return arity_error(b"VPUT")
        version = parse_version(parts[0])
        if version is None:
            return b"ERR invalid input: bad version\r\n"
        self.store.clock.observe(version)
        return self._put(parts[1], parts[2] if len(parts) == 3 else b"", version)

    def cmd_vdel(self, session: Session, rest: bytes | None) -> Reply:
        """VDEL <version> <key>."""
        parts = rest.split(b" ") if rest is not None else []
        if len(parts) != 2:
            return arity_error(b"VDEL")
        version = parse_version(parts[0])
        if version is None:
            return b"ERR invalid input: bad version\r\n"
        err = key_error(parts[1])
        if err is not None:
            return err
        self.store.clock.observe(version)
        return self._del(parts[1], version)

    def cmd_vrepair(self, session: Session, rest: bytes | None) -> Reply:
        """VREPAIR <key> <losing> <winning>."""
        parts = rest.split(b" ") if rest is not None else []
        if len(parts) != 3:
            return arity_error(b"VREPAIR")
        losing, winning = parse_version(parts[1]), parse_version(parts[2])
        if losing is None or winning is None:
            return b"ERR invalid input: bad version\r\n"
        err = key_error(parts[0])
        if err is not None:
            return err
        changed = self.store.repair(parts[0], losing, winning)
        return self.ack(OK_REPAIRED if changed else OK_UNCHANGED)

    def cmd_vincr(self, session: Session, rest: bytes | None) -> Reply:
        """VINCR <new version> <expected version> <key> <signed delta>."""
        parts = rest.split(b" ") if rest is not None else []
        if len(parts) != 4:
            return arity_error(b"VINCR")
        new, expected = parse_version(parts[0]), parse_version(parts[1])
        if new is None or expected is None:
            return b"ERR invalid input: bad version\r\n"
        self.store.clock.observe(new)
        delta = parts[3]
        negate = delta.startswith(b"-")
        if negate or delta.startswith(b"+"):
            delta = delta[1:]
        return self._incr(parts[2], delta, negate, new, expected)

    # ---- figures and config
    def stat_items(self) -> list[tuple[str, object]]:
        """Node figures plus the replicas' positions."""
        items = super().stat_items()
        items.insert(6, ("journal_sync", self.config.journal_sync))
        items[7:7] = self.replication.stat_items()
        items.append(("max_memory_threshold", self.config.max_memory_threshold))
        items.append(("over_memory_threshold", str(self.over_memory).lower()))
        return items

    def reload(self) -> None:
        """Re-read ``.node``: threshold, grace period, replicas added or removed live."""
        config = load_config("node", self.config.path)
        if config.journal_sync != self.config.journal_sync:
            log.warning("journal-sync changes take effect at the next start")
        self.config = config
        self.replication.update(config.read_replicas)
        log.info("configuration reloaded from %s", config.path)

    def check_memory(self) -> None:
        """Refresh the figures and the out-of-memory flag."""
        self.counters.tick()
        over = self.counters.memory_percent() > self.config.max_memory_threshold
        if over != self.over_memory:
            log.warning("memory %.1f%% %s threshold %.1f%%", self.counters.memory_percent(),
                        "over" if over else "back under", self.config.max_memory_threshold)
        self.over_memory = over


def open_store(config: RoleConfig, directory: Path, name: str, writer_id: int = 0) -> Store:
    """Open (and recover) the role's journal in ``directory``.

    A replica keeps its history id across a crash: its journal is a prefix of its primary's,
    so it can resume from its last record. A primary takes a new one after an unclean stop
    (see docs/internals/journal.md)."""
    started = time.monotonic()
    try:
        store = Store.open(
            directory, name, sync=config.journal_sync,
            compaction_factor=config.journal_compaction_factor,
            compaction_min_bytes=config.journal_compaction_min_bytes, writer_id=writer_id,
            rotate_history_on_crash=(name != "replica"),
        )
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{directory / (name + '.journal')}: cannot open the journal: {exc}") \
            from None
    log.info("recovered %d keys at journal position %d in %.3fs", len(store.keyspace),
             store.position, time.monotonic() - started)
    return store


async def housekeeping(handler: DataHandler, grace_s: float, check: bool) -> None:
    """Once a second: figures, memory threshold, compaction; tombstone collection."""
    tick = 0
    while True:
        await asyncio.sleep(1.0)
        tick += 1
        try:
            if check and isinstance(handler, NodeHandler):
                handler.check_memory()
            else:
                handler.counters.tick()
            handler.store.maybe_compact()
            if tick % 10 == 0:
                handler.store.collect_tombstones(grace_s)
        except Exception:
            log.exception("housekeeping failed")


async def run_node(config: RoleConfig, directory: Path, *, shared_key: str) -> int:
    """Run the node role until SIGTERM/SIGINT."""
    store = open_store(config, directory, "node")
    await store.start()
    replication = ReplicationManager(store, shared_key, config)
    handler = NodeHandler(store, shared_key, config, replication)
    handler.check_memory()
    return await serve_data_role(config, handler, "node", shared_key,
                                 started=lambda: replication.update(config.read_replicas),
                                 closing=replication.close)


async def serve_data_role(
    config: RoleConfig, handler: DataHandler, role: str, shared_key: str, *,
    started: Callable[[], None] | None = None,
    closing: Callable[[], Awaitable[None]] | None = None,
) -> int:
    """Listen, run housekeeping until SIGTERM/SIGINT, then shut down in order: stop accepting
    and answer what is in flight, write the journal out (then the replication stream), close
    the replication links, fsync and close the journal."""
    store = handler.store
    role_log = logging.getLogger("supermassive.replica" if role == "node-replica" else
                                 "supermassive.node")
    stop = stop_event()
    server = await start_listener(config, handler, _resp_factory(role, shared_key))
    if started is not None:
        started()
    chores = asyncio.create_task(
        housekeeping(handler, config.tombstone_grace_period, check=role == "node"))
    await stop.wait()
    role_log.info("stopping")
    await server.close()
    chores.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await chores
    handler.flush()
    if closing is not None:
        await closing()
    await store.close()
    role_log.info("stopped")
    return 0


def _resp_factory(role: str, shared_key: str) -> ResponderFactory:
    from supermassive.net.resp_adapter import resp_factory

    return resp_factory(role, shared_key)
