"""The "Python floor": the least a Python RESP server can do per request, as a reference target.

A uvloop + hiredis server with one dict: ``SET`` stores, ``GET`` reads, everything else gets
``+OK`` (``PING``: ``+PONG``; ``CONFIG``: an empty array, for redis-benchmark's start-up
query). Per read: one ``hiredis.Reader.feed``, one ``gets`` per request, one
``transport.write``. No journal, no validation, no limits, no authentication: it is not a
store, it is the yardstick that shows how much of the gap to ``redis-server`` is the language
and how much is the node's own per-request work (``docs/internals/performance.md``).

Run it with ``python -m smbench.floor --port 7000`` (until SIGTERM/SIGINT); ``make bench``
measures it next to ``redis-server`` and a node. Needs ``hiredis`` (the server's optional
extra).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from typing import Any

PONG = b"+PONG\r\n"
OK = b"+OK\r\n"
NIL = b"$-1\r\n"
EMPTY_ARRAY = b"*0\r\n"


class FloorProtocol(asyncio.Protocol):
    """One connection of the floor server (the store is shared by every connection)."""

    def __init__(self, store: dict[bytes, bytes]) -> None:
        import hiredis

        self._store = store
        self._reader = hiredis.Reader()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        reader = self._reader
        store = self._store
        out: list[bytes] = []
        try:
            reader.feed(data)
            for request in iter(reader.gets, False):
                out.append(self._answer(store, request))
        except Exception:  # a broken request: say so and close (it is only a yardstick)
            out.append(b"-ERR Protocol error\r\n")
            if self._transport is not None:
                self._transport.write(b"".join(out))
                self._transport.close()
            return
        if self._transport is not None:
            self._transport.write(b"".join(out))

    @staticmethod
    def _answer(store: dict[bytes, bytes], request: Any) -> bytes:
        name = request[0] if type(request) is list and request else b""
        if name == b"SET" or name == b"set":
            store[request[1]] = request[2]
            return OK
        if name == b"GET" or name == b"get":
            value = store.get(request[1])
            return NIL if value is None else b"$%d\r\n%b\r\n" % (len(value), value)
        if name.upper() == b"PING":
            return PONG
        if name.upper() == b"CONFIG":
            return EMPTY_ARRAY
        return OK


async def serve(host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    store: dict[bytes, bytes] = {}
    server = await loop.create_server(lambda: FloorProtocol(store), host, port,
                                      reuse_address=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()


def main(argv: list[str] | None = None) -> int:
    """``python -m smbench.floor [--host H] --port P``."""
    parser = argparse.ArgumentParser(prog="python -m smbench.floor", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux/macOS
        asyncio.run(serve(args.host, args.port))
    else:
        uvloop.run(serve(args.host, args.port))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
