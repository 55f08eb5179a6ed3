"""Plugs the sans-I/O RESP2 code (:mod:`supermassive.net.resp`) into a server connection.

A connection whose first byte is ``*`` gets a RESP feeder instead of the line reader. Each RESP
command is translated to native command lines, run through the role's ordinary handler (so
RESP and the native protocol share every rule and every code path), and the native replies are
encoded back to RESP, in order, through the connection's reply queue. A role may offer
``resp_fast`` hooks (:data:`RespFast`: the node answers ``GET``/``SET`` straight from its
store, with the same rules and bytes). Otherwise ``GET`` and ``SET`` take a fast path first
(:func:`~supermassive.net.resp_translate.fast_get`, ``fast_set``,
:func:`~supermassive.net.resp_reply.value_reply`, ``ok_reply``) that gives the same bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial

from smclient.protocol.commands import Role
from supermassive.net.resp import (
    ReplyShape,
    RespErrorReply,
    encode_reply,
    make_resp_reader,
    protocol_error,
    translate,
)
from supermassive.net.resp_inline import InlineAwareReader
from supermassive.net.resp_reply import ok_reply, value_reply
from supermassive.net.resp_translate import fast_get, fast_set
from supermassive.net.server import (
    ERR_INTERNAL,
    Handler,
    Reply,
    RespFast,
    ResponderFactory,
    ServerConnection,
    Session,
    Then,
)

log = logging.getLogger("supermassive.net")

_ROLES = {"cluster": Role.CLUSTER, "node": Role.NODE, "node-replica": Role.REPLICA}


async def _await_encode(shape: ReplyShape, natives: list[Reply]) -> bytes:
    """The RESP reply of several native replies (a command translated to several lines)."""
    done: list[bytes] = []
    for item in natives:
        try:
            done.append(item if isinstance(item, bytes) else await item)
        except Exception:
            log.exception("command failed")
            done.append(ERR_INTERNAL)
    return encode_reply(shape, done)


def _general(handler: Handler, session: Session, args: list[bytes], role: Role) -> Reply:
    """One request through the translator and the role's ordinary handler."""
    reply: Reply
    if (line := fast_get(args)) is not None:
        native = handler.handle(session, line)
        return value_reply(native) if type(native) is bytes else Then(native, value_reply)
    if (line := fast_set(args)) is not None:
        native = handler.handle(session, line)
        return ok_reply(native) if type(native) is bytes else Then(native, ok_reply)
    if isinstance(result := translate(args, role), RespErrorReply):
        return result.data
    lines, shape = result
    natives = [handler.handle(session, line) for line in lines]
    if len(natives) == 1:
        native = natives[0]
        reply = (encode_reply(shape, native) if type(native) is bytes
                 else Then(native, partial(encode_reply, shape)))
    elif all(isinstance(n, bytes) for n in natives):
        reply = encode_reply(shape, natives)  # type: ignore[arg-type]
    else:
        reply = _await_encode(shape, natives)
    if shape.close:
        session.closing = True
    return reply


def resp_factory(role: str, shared_key: str = "") -> ResponderFactory:
    """A factory giving each RESP connection its feeder (``shared_key`` is unused here:
    the translator maps ``AUTH <shared-key>`` to ``NAUTH`` and the handler checks it)."""
    resp_role = _ROLES[role]

    def factory(conn: ServerConnection) -> Callable[[bytes], None]:
        max_line = conn._server.max_line_bytes
        reader = InlineAwareReader(lambda: make_resp_reader(max_line), max_line)
        handler = conn.handler
        session = conn.session
        queue = conn.queue
        fast: dict[bytes, RespFast] = getattr(handler, "resp_fast", None) or {}
        take = reader.take
        finish = conn.finish_batch
        finish_one = conn.finish_one

        def feed(data: bytes) -> None:
            requests, error = take(data)
            reply: Reply | None
            if len(requests) == 1 and error is None and not queue:
                # One request in the read, nothing queued (the unpipelined case): its reply
                # leaves at once when nothing waits for the journal (finish_batch's rule).
                args = requests[0]
                hook = fast.get(args[0])
                if hook is None or (reply := hook(session, args)) is None:
                    reply = _general(handler, session, args, resp_role)
                finish_one(reply)
                return
            out: list[bytes] = []
            for args in requests:
                hook = fast.get(args[0])
                if hook is None or (reply := hook(session, args)) is None:
                    reply = _general(handler, session, args, resp_role)
                if queue or type(reply) is not bytes:
                    queue.append(reply)
                else:
                    out.append(reply)
                if session.closing:
                    break
            else:
                if error is not None:
                    session.closing = True
                    err = protocol_error(error)
                    if queue:
                        queue.append(err)
                    else:
                        out.append(err)
            finish(out)

        return feed

    return factory


__all__ = ["Awaitable", "RespFast", "resp_factory"]
