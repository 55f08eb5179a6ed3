"""Plugs the sans-I/O RESP2 code (:mod:`supermassive.net.resp`) into a server connection.

A connection whose first byte is ``*`` gets a RESP feeder instead of the line reader. Each RESP
command is translated to native command lines, run through the role's ordinary handler (so
RESP and the native protocol share every rule and every code path), and the native replies are
encoded back to RESP, in order, through the connection's reply queue. ``GET`` and ``SET``
take a fast path first (:func:`~supermassive.net.resp_translate.fast_get`, ``fast_set``,
:func:`~supermassive.net.resp_reply.value_reply`, ``ok_reply``) that gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from smclient.protocol.commands import Role
from supermassive.net.resp import (
    ReplyShape,
    RespError,
    RespErrorReply,
    encode_reply,
    make_resp_reader,
    protocol_error,
    translate,
)
from supermassive.net.resp_inline import InlineAwareReader
from supermassive.net.resp_reply import OK, VALUE, ok_reply, value_reply
from supermassive.net.resp_translate import fast_get, fast_set
from supermassive.net.server import Reply, ResponderFactory, ServerConnection

_ROLES = {"cluster": Role.CLUSTER, "node": Role.NODE, "node-replica": Role.REPLICA}


async def _await_encode(shape: ReplyShape, natives: list[Reply], single: bool) -> bytes:
    done: list[bytes] = []
    for item in natives:
        done.append(item if isinstance(item, bytes) else await item)
    return encode_reply(shape, done[0] if single else done)


def resp_factory(role: str, shared_key: str = "") -> ResponderFactory:
    """A factory giving each RESP connection its feeder (``shared_key`` is unused here:
    the translator maps ``AUTH <shared-key>`` to ``NAUTH`` and the handler checks it)."""
    resp_role = _ROLES[role]

    def factory(conn: ServerConnection) -> Callable[[bytes], None]:
        max_line = conn._server.max_line_bytes
        reader = InlineAwareReader(lambda: make_resp_reader(max_line), max_line)
        handler = conn.handler
        session = conn.session

        def feed(data: bytes) -> None:
            out: list[bytes] = []
            queue = conn.queue
            try:
                reader.feed(data)
                while (args := reader.get()) is not None:
                    reply: Reply
                    if (line := fast_get(args)) is not None:
                        native = handler.handle(session, line)
                        reply = (value_reply(native) if type(native) is bytes
                                 else _await_encode(VALUE, [native], True))
                    elif (line := fast_set(args)) is not None:
                        native = handler.handle(session, line)
                        reply = (ok_reply(native) if type(native) is bytes
                                 else _await_encode(OK, [native], True))
                    elif isinstance(result := translate(args, resp_role), RespErrorReply):
                        reply = result.data
                    else:
                        lines, shape = result
                        natives = [handler.handle(session, line) for line in lines]
                        if len(natives) == 1 and type(natives[0]) is bytes:
                            reply = encode_reply(shape, natives[0])
                        elif all(isinstance(n, bytes) for n in natives):
                            reply = encode_reply(
                                shape, natives[0] if len(lines) == 1 else natives  # type: ignore[arg-type]
                            )
                        else:
                            reply = _await_encode(shape, natives, len(lines) == 1)
                        if shape.close:
                            session.closing = True
                    if queue or not isinstance(reply, bytes):
                        queue.append(reply)
                    else:
                        out.append(reply)
                    if session.closing:
                        break
            except RespError as exc:
                session.closing = True
                err = protocol_error(exc)
                if queue:
                    queue.append(err)
                else:
                    out.append(err)
            conn.finish_batch(out)

        return feed

    return factory


__all__ = ["Awaitable", "resp_factory"]
