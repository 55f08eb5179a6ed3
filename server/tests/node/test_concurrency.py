"""Many pipelining clients at once each get exactly their own replies, in order."""

from __future__ import annotations

import asyncio
import hashlib

from smclient.protocol import ReplyReader

CLIENTS = 50
ROUNDS = 20


async def _client(host: str, port: int, cid: int) -> list[bytes]:
    reader, writer = await asyncio.open_connection(host, port)
    digest = hashlib.sha256(b"test-key").hexdigest().encode()
    batch = [b"NAUTH " + digest + b"\r\n"]
    for r in range(ROUNDS):
        batch.append(b"PUT c%d:%d v%d-%d\r\n" % (cid, r, cid, r))
        batch.append(b"GET c%d:%d\r\n" % (cid, r))
        batch.append(b"INCR ctr%d\r\n" % cid if r else b"PUT ctr%d 0\r\n" % cid)
    writer.write(b"".join(batch))
    await writer.drain()
    rr = ReplyReader()
    replies: list[bytes] = []
    while len(replies) < len(batch):
        data = await asyncio.wait_for(reader.read(65536), 20)
        assert data, "connection closed early"
        rr.feed(data)
        while (reply := rr.pop()) is not None:
            assert isinstance(reply, bytes)
            replies.append(reply)
    writer.close()
    return replies


def test_fifty_pipelining_clients_get_their_own_replies(procs):
    node = procs.node()

    async def main() -> list[list[bytes]]:
        return await asyncio.gather(*(_client(node.host, node.port, i) for i in range(CLIENTS)))

    results = asyncio.run(main())
    for cid, replies in enumerate(results):
        assert replies[0] == b"OK authenticated"
        for r in range(ROUNDS):
            put, get, ctr = replies[1 + 3 * r: 4 + 3 * r]
            assert put == b"OK key-value written"
            assert get == b"OK c%d:%d v%d-%d" % (cid, r, cid, r)
            assert ctr == (b"OK ctr%d %d" % (cid, r) if r else b"OK key-value written")
