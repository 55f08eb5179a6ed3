"""The command handler shared by the data roles (node and replica).

Everything a node does per command is in memory, so handlers answer synchronously with reply
bytes; only a write under ``journal-sync: always`` answers with an awaitable that resolves after
the group-commit fsync. Every line is validated here (NUL bytes, UTF-8, arity, key rules,
numbers, patterns): malformed input gets an ``ERR`` reply and never reaches the store.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import struct
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from supermassive.net.server import Reply, RespFast, Session
from supermassive.stats import Counters
from supermassive.versions import VERSION_MAX

if TYPE_CHECKING:
    from supermassive.storage.store import Store

log = logging.getLogger("supermassive.commands")

MAX_KEY_BYTES = 64 * 1024
_VERSION_OF = struct.Struct(">Q").unpack_from
_CTRL = re.compile(rb"[\x00-\x20\x7f]")
GRAPHIC = bytes(range(0x21, 0x7F))
"""Printable ASCII but space: ``key.translate(None, GRAPHIC)`` is empty exactly when every
byte of ``key`` is one of them (one C pass: the cheapest proof that an ASCII key is valid)."""

OK_PONG = b"OK PONG\r\n"
OK_AUTH = b"OK authenticated\r\n"
OK_BYE = b"OK see ya later\r\n"
OK_WRITTEN = b"OK key-value written\r\n"
OK_DELETED = b"OK key-value deleted\r\n"
OK_RELOADED = b"OK configs reloaded\r\n"
ERR_NOT_FOUND = b"ERR key-value not found\r\n"
ERR_NOT_AUTH = b"ERR not authenticated\r\n"
ERR_ALREADY = b"ERR already authenticated\r\n"
ERR_BAD_SHARED_KEY = b"ERR invalid key\r\n"
ERR_UNKNOWN = b"ERR unknown command\r\n"
ERR_NUL = b"ERR invalid input: NUL byte\r\n"
ERR_UTF8 = b"ERR invalid input: not UTF-8\r\n"
ERR_INVALID_VALUE = b"ERR invalid value\r\n"
ERR_OOM = b"ERR out of memory\r\n"
ERR_READ_ONLY = b"ERR read only: writes go through the primary\r\n"
ERR_CONFLICT = b"ERR conflict\r\n"
RESP_NIL = b"$-1\r\n"
RESP_OK = b"+OK\r\n"

Command = Callable[[Session, bytes | None], Reply]
FastCommand = Callable[[Session, bytes, bytes], Reply | None]
"""``fast(session, line, rest)``: the reply when every rule is proven to hold, else ``None``
(the session is authenticated and the line has a space after the command name)."""


def line_error(line: bytes) -> bytes | None:
    """The error reply for a line with a NUL byte or invalid UTF-8, else ``None`` (shared by
    every role, so the node and the cluster refuse exactly the same lines)."""
    if 0 in line:
        return ERR_NUL
    if not line.isascii():
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return ERR_UTF8
    return None


def arity_error(name: bytes) -> bytes:
    """``ERR wrong number of arguments for '<CMD>'``."""
    return b"ERR wrong number of arguments for '" + name.upper() + b"'\r\n"


def key_error(key: bytes) -> bytes | None:
    """The error reply for an invalid key, or ``None`` when the key is fine."""
    if 0 < len(key) <= MAX_KEY_BYTES and not key.translate(None, GRAPHIC):
        return None  # fast proof: every byte is printable ASCII but space
    if not key:
        return b"ERR invalid input: empty key\r\n"
    if len(key) > MAX_KEY_BYTES:
        return b"ERR invalid input: key longer than 65536 bytes\r\n"
    if _CTRL.search(key) is not None:
        return b"ERR invalid input: key contains a space or control character\r\n"
    return None


def shared_key_digest(shared_key: str) -> bytes:
    """Hex SHA-256 of the shared key, as NAUTH sends it."""
    return hashlib.sha256(shared_key.encode()).hexdigest().encode()


def parse_version(token: bytes) -> int | None:
    """A version token (a decimal integer from 0 to :data:`~supermassive.versions.VERSION_MAX`),
    else ``None``: a larger one would push the clock past what it can stamp."""
    if token.isdigit() and len(token) <= 19 and (version := int(token)) <= VERSION_MAX:
        return version
    return None


def parse_offset_limit(offset: bytes, limit: bytes) -> tuple[int, int] | None:
    """REGX offset/limit: non-negative integers (limit capped), else ``None``."""
    if offset.isdigit() and limit.isdigit() and len(offset) <= 18 and len(limit) <= 18:
        return int(offset), int(limit)
    return None


def multi_reply(lines: list[bytes]) -> bytes:
    """``OK <n>`` followed by the n lines."""
    head = b"OK %d\r\n" % len(lines)
    if not lines:
        return head
    return head + b"\r\n".join(lines) + b"\r\n"


class DataHandler:
    """Commands every data role serves; subclasses add their own to :attr:`table`."""

    role = "data"
    write_commands: frozenset[bytes] = frozenset()

    def __init__(self, store: Store, shared_key: str, address: str) -> None:
        self.store = store
        self.address = address
        self.counters = Counters()
        self._digest = shared_key_digest(shared_key)
        self._sync_always = False
        self.table: dict[bytes, Command] = {
            b"PING": self.cmd_ping,
            b"QUIT": self.cmd_quit,
            b"NAUTH": self.cmd_nauth,
            b"GET": self.cmd_get,
            b"VGET": self.cmd_vget,
            b"REGX": self.cmd_regx,
            b"VREGX": self.cmd_vregx,
            b"STAT": self.cmd_stat,
            b"RCNF": self.cmd_rcnf,
        }
        self.no_auth = {b"PING", b"QUIT", b"NAUTH"}
        self.fast: dict[bytes, FastCommand] = {}
        """Fast paths by exact command name, for authenticated sessions (see :meth:`handle`;
        GET and VGET are inlined there)."""
        self.resp_fast: dict[bytes, RespFast] = {b"GET": self.resp_get, b"get": self.resp_get}
        """RESP fast paths by exact command name (see :mod:`supermassive.net.resp_adapter`)."""
        self._lookup = store.keyspace.lookup
        self._unwritten = store.unwritten_buffer

    # ---- Handler protocol
    def handle(self, session: Session, line: bytes) -> Reply:
        """Validate and dispatch one command line.

        The hot commands take a fast path first (GET and VGET inline, others through
        :attr:`fast`): it answers only when every rule is proven to hold and otherwise falls
        through to the general path, which applies every rule in the documented order. A GET
        (or VGET) whose key is stored is proven fine: only validated keys are ever stored
        (every write verb checks :func:`key_error` on a NUL-free UTF-8 line, replicas check
        RSET/RDEL, and the journal holds only what was stored), so the line has one valid
        key, no NUL and is UTF-8.
        """
        self.counters.ops += 1
        name, sep, rest = line.partition(b" ")
        if session.authenticated and sep:
            if name == b"GET":
                entry = self._lookup(rest)
                if entry is not None:  # a stored key is a valid key (see above)
                    return b"".join((b"OK ", rest, b" ", entry[8:], b"\r\n"))
            elif name == b"VGET":  # the cluster's read: a stored live key, as for GET
                entry = self._lookup(rest)
                if entry is not None:
                    return b"OK V %d " % _VERSION_OF(entry)[0] + entry[8:] + b"\r\n"
            else:
                fast = self.fast.get(name)
                if fast is not None:
                    reply = fast(session, line, rest)
                    if reply is not None:
                        return reply
        return self.handle_general(session, line)

    def handle_general(self, session: Session, line: bytes) -> Reply:
        """The general path of :meth:`handle`: every rule, in the documented order (tests
        check that the fast paths answer exactly as this does)."""
        name, sep, rest = line.partition(b" ")
        fn = self.table.get(name)
        if fn is None:
            upper = name.upper()
            fn = self.table.get(upper)
            if fn is None:
                if 0 in line:
                    return ERR_NUL
                return ERR_UNKNOWN if session.authenticated else ERR_NOT_AUTH
            name = upper
        bad = line_error(line)
        if bad is not None:
            return bad
        if not session.authenticated and name not in self.no_auth:
            return ERR_NOT_AUTH
        return fn(session, rest if sep else None)

    def flush(self) -> None:
        """Write the journal buffer out before replies leave."""
        self.store.flush()

    def flushed(self) -> bool:
        """Nothing waits for :meth:`flush` (replies may leave at once)."""
        return not self._unwritten

    def session_closed(self, session: Session) -> None:
        """Nothing per-connection to release by default."""

    # ---- helpers
    def ack(self, reply: bytes) -> Reply:
        """``reply`` now, or after the group-commit fsync under ``journal-sync: always``."""
        if not self._sync_always:
            return reply
        return self._after_fsync(reply)

    async def _after_fsync(self, reply: bytes) -> bytes:
        fut: Awaitable[None] | None = self.store.durable()
        if fut is not None:
            try:
                await fut
            except OSError as exc:
                log.error("journal fsync failed: %s", exc)
                return b"ERR journal sync failed: the write may not be durable\r\n"
        return reply

    @staticmethod
    def one_key(name: bytes, rest: bytes | None) -> tuple[bytes | None, bytes | None]:
        """``(key, None)`` or ``(None, error reply)`` for a command taking exactly one key."""
        if rest is None or 32 in rest:
            return None, arity_error(name)
        err = key_error(rest)
        if err is not None:
            return None, err
        return rest, None

    # ---- commands
    def cmd_ping(self, session: Session, rest: bytes | None) -> Reply:
        """PING."""
        return OK_PONG

    def cmd_quit(self, session: Session, rest: bytes | None) -> Reply:
        """QUIT: reply, then close."""
        session.closing = True
        return OK_BYE

    def cmd_nauth(self, session: Session, rest: bytes | None) -> Reply:
        """NAUTH <hex sha256(shared key)>."""
        if rest is None or 32 in rest:
            return arity_error(b"NAUTH")
        if session.authenticated:
            return ERR_ALREADY
        if not hmac.compare_digest(rest.lower(), self._digest):
            log.warning("NAUTH with a wrong shared key from %s", session.peer)
            return ERR_BAD_SHARED_KEY
        session.authenticated = True
        session.internal = True
        return OK_AUTH

    def cmd_get(self, session: Session, rest: bytes | None) -> Reply:
        """GET <key>."""
        key, err = self.one_key(b"GET", rest)
        if key is None:
            return err or ERR_UNKNOWN
        value = self.store.keyspace.get(key)
        if value is None:
            return ERR_NOT_FOUND
        return b"OK " + key + b" " + value + b"\r\n"

    def resp_get(self, session: Session, args: list[bytes]) -> bytes | None:
        """RESP ``GET <key>`` answered from the keyspace: the bulk value, or ``$-1`` for a
        valid missing key; ``None`` when the general path must answer (not authenticated,
        arity, a key that needs an error). A stored key is proven valid (see :meth:`handle`);
        a missing one must be printable ASCII without spaces (:func:`key_error`'s fast proof;
        ASCII keeps the native line UTF-8).
        """
        if len(args) != 2 or not session.authenticated:
            return None
        key = args[1]
        entry = self._lookup(key)
        if entry is None:
            if not 0 < len(key) <= MAX_KEY_BYTES or key.translate(None, GRAPHIC):
                return None  # not proven valid (see key_error)
            self.counters.ops += 1
            return RESP_NIL
        self.counters.ops += 1
        return b"$%d\r\n%b\r\n" % (len(entry) - 8, entry[8:])

    def cmd_vget(self, session: Session, rest: bytes | None) -> Reply:
        """VGET <key>: the value with its version, tombstones included."""
        key, err = self.one_key(b"VGET", rest)
        if key is None:
            return err or ERR_UNKNOWN
        found = self.store.keyspace.get_versioned(key)
        if found is None:
            return ERR_NOT_FOUND
        value, version = found
        if value is None:
            return b"OK D %d\r\n" % version
        return b"OK V %d " % version + value + b"\r\n"

    def _pattern(self, name: bytes, rest: bytes | None) -> tuple[bytes, int, int | None] | bytes:
        if rest is None:
            return arity_error(name)
        parts = rest.split(b" ")
        if len(parts) == 1:
            return parts[0], 0, None
        if len(parts) == 3 and name == b"REGX":
            ol = parse_offset_limit(parts[1], parts[2])
            if ol is None:
                return b"ERR invalid input: offset and limit must be non-negative integers\r\n"
            return parts[0], ol[0], ol[1]
        return arity_error(name)

    def cmd_regx(self, session: Session, rest: bytes | None) -> Reply:
        """REGX <pattern> [offset limit]: sorted live matches."""
        from supermassive.storage.errors import InvalidPattern

        parsed = self._pattern(b"REGX", rest)
        if isinstance(parsed, bytes):
            return parsed
        pattern, offset, limit = parsed
        try:
            pairs = self.store.keyspace.match(pattern, offset, limit)
        except InvalidPattern as exc:
            return b"ERR invalid pattern: " + str(exc).encode(errors="replace") + b"\r\n"
        return multi_reply([k + b" " + v for k, v in pairs])

    def cmd_vregx(self, session: Session, rest: bytes | None) -> Reply:
        """VREGX <pattern>: every match with versions, tombstones included."""
        from supermassive.storage.errors import InvalidPattern

        parsed = self._pattern(b"VREGX", rest)
        if isinstance(parsed, bytes):
            return parsed
        try:
            found = self.store.keyspace.match_versioned(parsed[0])
        except InvalidPattern as exc:
            return b"ERR invalid pattern: " + str(exc).encode(errors="replace") + b"\r\n"
        lines = [
            (k + b" D %d" % ver) if v is None else (k + b" V %d " % ver + v)
            for k, v, ver in found
        ]
        return multi_reply(lines)

    def cmd_stat(self, session: Session, rest: bytes | None) -> Reply:
        """STAT: header line then tab-indented ``name value`` lines."""
        if rest is not None:
            return arity_error(b"STAT")
        lines = [self.stat_header()]
        for name, value in self.stat_items():
            lines.append(b"\t" + name.encode() + b" " + str(value).encode(errors="replace"))
        return multi_reply(lines)

    def stat_header(self) -> bytes:
        """``PRIMARY <addr>`` or ``REPLICA <addr>``."""
        return b"PRIMARY " + self.address.encode()

    def stat_items(self) -> list[tuple[str, object]]:
        """The role's figures; subclasses extend."""
        ks = self.store.keyspace
        items: list[tuple[str, object]] = [
            ("role", self.role),
            ("status", "up"),
            ("keys", len(ks)),
            ("tombstones", ks.tombstones),
            ("journal_position", self.store.position),
            ("history_id", self.store.history_id),
            ("ops_per_sec", f"{self.counters.ops_per_sec:.1f}"),
            ("total_commands", self.counters.ops),
            ("section", "DISK"),
        ]
        items += list(self.store.stats().items())
        items.append(("section", "MEMORY"))
        items += self.counters.memory_items()
        return items

    def cmd_rcnf(self, session: Session, rest: bytes | None) -> Reply:
        """RCNF: reload this role's config file."""
        if rest is not None:
            return arity_error(b"RCNF")
        try:
            self.reload()
        except Exception as exc:  # ConfigError and anything unexpected: one reply
            message = str(exc).replace("\r", " ").replace("\n", " ")
            return b"ERR reload error: " + message.encode(errors="replace") + b"\r\n"
        return OK_RELOADED

    def reload(self) -> None:
        """Re-read the config (subclasses)."""
