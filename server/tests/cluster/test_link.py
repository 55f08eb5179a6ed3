"""The pipelined link and the member pool, against a real node process."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from cluster_support import SHARED_KEY

from smclient.testing.process import ServerProcess, start_node
from supermassive.cluster.errors import LinkLost, LinkTimeout, MemberDown
from supermassive.cluster.health import Health
from supermassive.cluster.link import LinkConnection
from supermassive.cluster.member import Member
from supermassive.config import LinkConfig

AUTH = b"NAUTH " + hashlib.sha256(SHARED_KEY.encode()).hexdigest().encode()


@pytest.fixture
def node(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = start_node(tmp_path / "node")
    yield proc
    proc.stop()


def link_config(address: str, **overrides: float) -> LinkConfig:
    values: dict[str, object] = dict(
        server_address=address, use_tls=False, ca_cert_file="", connect_timeout=1.0,
        write_timeout=1.0, read_timeout=0.5, max_retries=0, retry_wait_time=0.1,
        buffer_size=65536, pool_size=2)
    values.update(overrides)
    return LinkConfig(**values)  # type: ignore[arg-type]


async def open_link(node: ServerProcess) -> LinkConnection:
    loop = asyncio.get_running_loop()
    _, conn = await loop.create_connection(
        lambda: LinkConnection(node.address, max_line_bytes=1 << 20, write_timeout_s=1.0),
        node.host, node.port)
    assert await conn.request(AUTH, False, 5) == b"OK authenticated"
    return conn


async def test_a_cancelled_request_never_hands_its_reply_to_the_next_one(
    node: ServerProcess,
) -> None:
    conn = await open_link(node)
    assert await conn.request(b"VPUT 5 a A", False, 5) == b"OK key-value written"
    assert await conn.request(b"VPUT 6 b B", False, 5) == b"OK key-value written"
    node.pause()
    try:
        first = asyncio.ensure_future(conn.request(b"VGET a", False, 5))
        await asyncio.sleep(0.05)
        first.cancel()
        second = conn.request(b"VGET b", False, 5)
    finally:
        node.resume()
    assert await asyncio.wait_for(second, 5) == b"OK V 6 B"
    many = [conn.request(b"VGET a" if i % 2 else b"VGET b", False, 5) for i in range(200)]
    replies = await asyncio.gather(*many)
    assert replies == [b"OK V 5 A" if i % 2 else b"OK V 6 B" for i in range(200)]
    conn.close()


async def test_a_timeout_closes_the_connection_and_fails_everything_in_flight(
    node: ServerProcess,
) -> None:
    conn = await open_link(node)
    lost: list[Exception] = []
    conn.on_close = lambda c, error: lost.append(error)
    node.pause()
    try:
        sent = conn.request(b"PING", False, 0.3)
        await asyncio.sleep(0.05)
        also = conn.request(b"PING", False, 5)
        with pytest.raises(LinkTimeout):
            await asyncio.wait_for(sent, 5)
        with pytest.raises(LinkTimeout):
            await also
    finally:
        node.resume()
    assert not conn.open and len(lost) == 1
    with pytest.raises(MemberDown):
        conn.request(b"PING", False, 1)


async def test_requests_not_yet_written_when_the_link_fails_were_not_sent(
    node: ServerProcess,
) -> None:
    conn = await open_link(node)
    unsent = conn.request(b"PING", False, 5)
    conn.close("test")  # before the loop flushed the batch
    with pytest.raises(MemberDown):
        await unsent
    conn2 = await open_link(node)
    sent = conn2.request(b"PING", False, 5)
    await asyncio.sleep(0)  # the batch is written
    await asyncio.sleep(0)
    conn2.fail(LinkLost(node.address, "test"))
    with pytest.raises((LinkLost, MemberDown)):
        await sent


async def test_a_member_goes_down_fails_fast_and_comes_back_when_it_answers(
    node: ServerProcess,
) -> None:
    member = Member("primary", link_config(node.address), auth_line=AUTH,
                    max_line_bytes=1 << 20)
    health = Health(lambda: 0.1)
    assert await member.connect()
    assert await member.request(b"PING") == b"OK PONG"
    node.kill()
    assert not await health.check(member)
    assert not member.up
    with pytest.raises(MemberDown):
        member.request(b"PING")
    node.start()
    assert await health.check(member)
    assert await member.request(b"PING") == b"OK PONG"
    await member.close()


async def test_a_wrong_shared_key_leaves_the_member_down(node: ServerProcess) -> None:
    member = Member("primary", link_config(node.address), auth_line=b"NAUTH " + b"0" * 64,
                    max_line_bytes=1 << 20)
    assert not await member.connect()
    assert "NAUTH refused" in member.reason
    await member.close()


async def test_reply_callbacks_get_their_own_replies_in_order_and_errors_on_failure(
    node: ServerProcess,
) -> None:
    conn = await open_link(node)
    assert await conn.request(b"VPUT 5 a A", False, 5) == b"OK key-value written"
    got: list[object] = []

    def broken(outcome: object) -> None:
        raise RuntimeError("a callback that fails must not break the link")

    conn.request_cb(b"VGET a", got.append, False, 5)
    conn.request_cb(b"VGET a", broken, False, 5)
    conn.request_cb(b"VGET zz", got.append, False, 5)
    assert await conn.request(b"PING", False, 5) == b"OK PONG"
    assert got == [b"OK V 5 A", b"ERR key-value not found"]
    node.pause()
    try:
        conn.request_cb(b"VGET a", got.append, False, 5)
        await asyncio.sleep(0.05)  # written: its outcome is unknown
        conn.request_cb(b"VGET a", got.append, False, 5)  # never written
        conn.close("test")
    finally:
        node.resume()
    assert isinstance(got[2], LinkLost) and isinstance(got[3], MemberDown)
    with pytest.raises(MemberDown):
        conn.request_cb(b"VGET a", got.append, False, 5)
    assert len(got) == 4


async def test_requests_of_one_loop_iteration_share_one_pooled_connection(
    node: ServerProcess,
) -> None:
    member = Member("primary", link_config(node.address, pool_size=4), auth_line=AUTH,
                    max_line_bytes=1 << 20)
    assert await member.connect()
    batch = [member.request(b"PING") for _ in range(10)]
    assert member.in_flight == 10
    assert sorted(c.in_flight for c in member._pool) == [0, 0, 0, 10]
    assert await asyncio.gather(*batch) == [b"OK PONG"] * 10
    await member.close()
