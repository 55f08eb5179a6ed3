"""RESP2 on the server's port: request reader, command translator, reply encoder.

A connection whose first byte is ``*`` speaks RESP2 (``protocol.md`` section 7). Everything
here is sans-I/O; the connection layer drives it::

    reader = make_resp_reader(config.max_line_bytes)       # once per connection
    ...
    # on data:
    try:
        reader.feed(data)
        while (args := reader.get()) is not None:           # list[bytes]
            result = translate(args, role)                   # role: Role.CLUSTER / NODE / REPLICA
            if isinstance(result, RespErrorReply):
                write(result.data)                           # "-ERR ...\\r\\n"; keep going
                continue
            lines, shape = result                            # native lines, without CRLF
            replies = [await dispatch(line) for line in lines]
            write(encode_reply(shape, replies[0] if len(lines) == 1 else replies))
            if shape.close:                                  # QUIT
                close()
    except RespError as exc:
        write(protocol_error(exc))                           # "-ERR Protocol error: ...\\r\\n"
        close()

* :func:`make_resp_reader` returns the reader chosen once at import (:data:`READER_NAME`):
  hiredis's ``Reader`` when installed (``pip install 'supermassive[hiredis]'``), else the
  pure-Python one; ``SUPERMASSIVE_RESP_READER=python|hiredis`` forces one.
* :func:`translate` gives ``(lines, shape)``: zero, one or several native command lines (DEL
  and EXISTS with several keys give one line per key) and the reply shape, or a
  :class:`RespErrorReply` to write at once (bad arity, unknown command, a key the native
  protocol cannot carry, ...). Commands of one connection must still be answered in order.
* :func:`encode_reply` turns the native reply into RESP bytes. Pass the one native reply for a
  one-line translation (``bytes``, CRLF optional; a multi-line reply as ``list[bytes]`` or as
  one CRLF-separated blob) and the list of replies when there were several (or no) lines.

Decisions and the full mapping are in ``docs/internals/resp.md``.
"""

from __future__ import annotations

from supermassive.net.resp_reader import (
    DEFAULT_MAX_ARGS,
    READER_NAME,
    HiredisRespReader,
    PythonRespReader,
    RespError,
    RespReader,
    make_resp_reader,
)
from supermassive.net.resp_reply import NativeReply, ReplyShape, encode_reply
from supermassive.net.resp_translate import DEFAULT_USER, RespErrorReply, Translation, translate


def protocol_error(exc: RespError) -> bytes:
    """The reply to send before closing a connection that broke the RESP framing."""
    text = str(exc).replace("\r", " ").replace("\n", " ")
    return b"-ERR Protocol error: " + text.encode("utf-8", "replace") + b"\r\n"


__all__ = [
    "DEFAULT_MAX_ARGS",
    "DEFAULT_USER",
    "READER_NAME",
    "HiredisRespReader",
    "NativeReply",
    "PythonRespReader",
    "ReplyShape",
    "RespError",
    "RespErrorReply",
    "RespReader",
    "Translation",
    "encode_reply",
    "make_resp_reader",
    "protocol_error",
    "translate",
]
