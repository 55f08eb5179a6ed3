"""The command table: the single description of every command of the wire protocol.

One table drives the server's dispatch (every entry must have a handler in each role that
serves it), the CLI's completion and help, and the generated command reference in ``docs/``.
It lives in the SDK's ``protocol`` package because it *is* the wire contract
(``protocol.md`` section 3), shared by the server, the SDK, the CLI and the docs.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.Flag):
    """The server roles a command is served by."""

    CLUSTER = enum.auto()
    NODE = enum.auto()
    REPLICA = enum.auto()
    DATA = NODE | REPLICA
    ALL = CLUSTER | NODE | REPLICA


class Reply(enum.Enum):
    """The shape of a command's success reply."""

    LINE = "line"  #: one line, ``OK ...``
    MULTI = "multi"  #: ``OK <n>`` followed by exactly n lines
    CLOSE = "close"  #: one line, then the server closes the connection


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command of the protocol.

    ``min_args``/``max_args`` count the tokens after the command name (``max_args`` is
    ``None`` for "the rest of the line", as for PUT's value). ``write`` marks commands that
    change data; ``auth`` is false for the commands accepted before authentication.
    ``internal`` marks the verbs that only cluster/node/replica peers use.
    """

    name: str
    min_args: int
    max_args: int | None
    summary: str
    usage: str
    roles: Role = Role.ALL
    write: bool = False
    auth: bool = True
    reply: Reply = Reply.LINE
    internal: bool = False
    example: str = ""
    errors: tuple[str, ...] = ()


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "AUTH", 1, 1, "Authenticate a client connection to the cluster.",
        "AUTH <base64(user<SEP>password)>", roles=Role.CLUSTER, auth=False,
        example="AUTH dXNlcgBwYXNzd29yZA==",
        errors=("ERR invalid credentials", "ERR already authenticated"),
    ),
    CommandSpec(
        "PING", 0, None, "Check that the server answers.", "PING", auth=False,
        example="PING",
    ),
    CommandSpec(
        "PUT", 1, None, "Store a value under a key (the value is the rest of the line).",
        "PUT <key> <value>", write=True, example="PUT user:1 Ada Lovelace",
        errors=("ERR out of memory", "ERR no primary nodes available"),
    ),
    CommandSpec(
        "GET", 1, 1, "Read the value of a key.", "GET <key>", example="GET user:1",
        errors=("ERR key-value not found",),
    ),
    CommandSpec(
        "DEL", 1, 1, "Delete a key everywhere it lives (leaves a versioned tombstone).",
        "DEL <key>", write=True, example="DEL user:1",
        errors=("ERR key-value not found",),
    ),
    CommandSpec(
        "INCR", 1, 2, "Add a delta (default 1) to a numeric value, exactly.",
        "INCR <key> [delta]", write=True, example="INCR visits 10",
        errors=("ERR key-value not found", "ERR invalid value"),
    ),
    CommandSpec(
        "DECR", 1, 2, "Subtract a delta (default 1) from a numeric value, exactly.",
        "DECR <key> [delta]", write=True, example="DECR stock 2.5",
        errors=("ERR key-value not found", "ERR invalid value"),
    ),
    CommandSpec(
        "REGX", 1, 3, "List key-value pairs whose key matches an RE2 pattern, sorted by key.",
        "REGX <pattern> [offset limit]", reply=Reply.MULTI, example="REGX ^user: 0 10",
        errors=("ERR invalid pattern: <reason>",),
    ),
    CommandSpec(
        "STAT", 0, 0, "Show statistics for the server (and, on the cluster, every member).",
        "STAT", reply=Reply.MULTI, example="STAT",
    ),
    CommandSpec(
        "RCNF", 0, 0, "Reload the configuration file (the cluster also tells every member).",
        "RCNF", example="RCNF", errors=("ERR reload error: <reason>",),
    ),
    CommandSpec(
        "QUIT", 0, None, "Close the connection.", "QUIT", auth=False, reply=Reply.CLOSE,
        example="QUIT",
    ),
    CommandSpec(
        "UPINCR", 1, 2, "INCR that treats a missing key as 0, as Redis does (RESP's INCR).",
        "UPINCR <key> [delta]", roles=Role.CLUSTER | Role.NODE, write=True, internal=True,
        errors=("ERR invalid value",),
    ),
    CommandSpec(
        "UPDECR", 1, 2, "DECR that treats a missing key as 0, as Redis does (RESP's DECR).",
        "UPDECR <key> [delta]", roles=Role.CLUSTER | Role.NODE, write=True, internal=True,
        errors=("ERR invalid value",),
    ),
    # ---- internal verbs (cluster -> node, node -> replica); see docs/internals/routing.md
    CommandSpec(
        "NAUTH", 1, 1, "Authenticate an internal peer with the hex SHA-256 of the shared key.",
        "NAUTH <hex sha256(shared key)>", roles=Role.DATA, auth=False, internal=True,
        errors=("ERR invalid key", "ERR already authenticated"),
    ),
    CommandSpec(
        "VGET", 1, 1, "Read a key with its version, tombstones included.",
        "VGET <key>", roles=Role.DATA, internal=True,
    ),
    CommandSpec(
        "VPUT", 2, None, "Store a value with the version the cluster gave it.",
        "VPUT <version> <key> <value>", roles=Role.NODE, write=True, internal=True,
    ),
    CommandSpec(
        "VDEL", 2, 2, "Delete a key, leaving a tombstone at the given version.",
        "VDEL <version> <key>", roles=Role.NODE, write=True, internal=True,
    ),
    CommandSpec(
        "VREPAIR", 3, 3,
        "Replace a key by a tombstone only if its stored version is still the losing one.",
        "VREPAIR <key> <losing version> <winning version>", roles=Role.NODE, write=True,
        internal=True,
    ),
    CommandSpec(
        "VINCR", 4, 4, "INCR/DECR applied only if the stored version is the expected one.",
        "VINCR <new version> <expected version> <key> <signed delta>", roles=Role.NODE,
        write=True, internal=True,
    ),
    CommandSpec(
        "VREGX", 1, 1, "REGX with versions and tombstones, unsorted and unpaged.",
        "VREGX <pattern>", roles=Role.DATA, reply=Reply.MULTI, internal=True,
    ),
    CommandSpec(
        "STARTSYNC", 0, 0, "Primary asks a replica where to resume replication.",
        "STARTSYNC", roles=Role.REPLICA, internal=True,
    ),
    CommandSpec(
        "DONESYNC", 0, 0, "Primary tells a replica that catch-up is complete.",
        "DONESYNC", roles=Role.REPLICA, internal=True,
    ),
    CommandSpec(
        "SYNCDONE", 0, 0, "Accepted alias of DONESYNC (the original's spelling).",
        "SYNCDONE", roles=Role.REPLICA, internal=True,
    ),
)

BY_NAME: dict[str, CommandSpec] = {c.name: c for c in COMMANDS}
"""Command specs by upper-case name."""

PUBLIC_COMMANDS: tuple[CommandSpec, ...] = tuple(c for c in COMMANDS if not c.internal)
"""The client-facing commands (``protocol.md`` section 3)."""


def lookup(name: str) -> CommandSpec | None:
    """Return the spec of a command name (any case), or ``None`` when unknown."""
    return BY_NAME.get(name.upper())

# Replication stream verbs (node -> replica, after STARTSYNC/SYNCFROM); see
# docs/internals/replication.md. Kept in the table so dispatch, docs and tests see them.
REPLICATION_COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "RSNAP", 2, 2, "Start of a full snapshot at a primary journal position.",
        "RSNAP <position> <history-id>", roles=Role.REPLICA, internal=True,
    ),
    CommandSpec(
        "RSNAPEND", 1, 1, "End of a full snapshot.", "RSNAPEND <position>",
        roles=Role.REPLICA, internal=True,
    ),
    CommandSpec(
        "RSET", 3, None, "One replicated record: a value at a version.",
        "RSET <position> <version> <key> <value>", roles=Role.REPLICA, write=True,
        internal=True,
    ),
    CommandSpec(
        "RDEL", 3, 3, "One replicated tombstone.", "RDEL <position> <version> <key>",
        roles=Role.REPLICA, write=True, internal=True,
    ),
    CommandSpec(
        "RACK", 0, 0, "Primary asks a replica for its position; from then on the link's "
        "records are answered only on error.", "RACK", roles=Role.REPLICA, internal=True,
    ),
)
COMMANDS = COMMANDS + REPLICATION_COMMANDS
BY_NAME.update({c.name: c for c in REPLICATION_COMMANDS})
