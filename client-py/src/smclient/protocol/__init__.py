"""The wire contract, shared by the server, the SDK, the CLI and the tools.

Sans-I/O: nothing here touches a socket, a clock or a random source.
"""

from smclient.protocol.commands import BY_NAME, COMMANDS, PUBLIC_COMMANDS, CommandSpec, Reply, Role
from smclient.protocol.errors import ERROR_CODES, ErrorCode, classify
from smclient.protocol.lines import DEFAULT_MAX_LINE_BYTES, LineBuffer, LineTooLong
from smclient.protocol.reader import MultiReply, ProtocolError, ReplyReader, multi_count

__all__ = [
    "BY_NAME",
    "COMMANDS",
    "DEFAULT_MAX_LINE_BYTES",
    "ERROR_CODES",
    "PUBLIC_COMMANDS",
    "CommandSpec",
    "ErrorCode",
    "LineBuffer",
    "LineTooLong",
    "MultiReply",
    "ProtocolError",
    "Reply",
    "ReplyReader",
    "Role",
    "classify",
    "multi_count",
]
