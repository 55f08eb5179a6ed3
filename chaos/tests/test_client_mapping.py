"""How operations run through the SDK and what becomes of them: ok / fail / info.

The pure part pins :func:`outcome_of_error` for every SDK exception and ``ERR`` code; the rest
runs :class:`KVClient` against a real cluster in front of a real primary, with a fault proxy
on each side of the cluster (client -> cluster, cluster -> primary) to make the cluster time
out, the client time out, or the link break after the request was sent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smchaos.client import DEFINITE_ERRORS, KVClient, Outcome, outcome_of_error, parse_value
from smchaos.db import parse_vregx
from smchaos.generator import Invocation
from smclient import exceptions as sm
from smclient.protocol.errors import ERROR_CODES
from smclient.testing import FaultProxy, ServerProcess, client_block, free_port, node_config

WAIT_S = 10.0


def _inv(f: str) -> Invocation:
    return Invocation(f, "k", 7 if f == "write" else (1 if f == "incr" else None))


# ---- pure: exceptions and ERR codes -> outcomes ------------------------------------------

@pytest.mark.parametrize(("f", "reply", "expected"), [
    ("read", "ERR unavailable: x", "fail"),
    ("read", "ERR timeout: x", "fail"),
    ("write", "ERR no primary nodes available", "fail"),
    ("write", "ERR timeout: 1.2.3.4:5: the write may or may not have been applied", "info"),
    ("write", "ERR something nobody documented", "info"),
    ("delete", "ERR timeout: x", "info"),
    ("incr", "ERR key-value not found", "fail"),
    ("incr", "ERR invalid value", "fail"),
    ("incr", "ERR unavailable: 1.2.3.4:5 (primary down)", "fail"),
    ("incr", "ERR conflict: the value kept changing; try again", "fail"),
    ("incr", "ERR timeout: 1.2.3.4:5: no reply", "info"),
    ("write", "ERR invalid credentials", "fail"),
    ("write", "ERR not authenticated", "fail"),
])
def test_err_replies_map_to_outcomes(f: str, reply: str, expected: str) -> None:
    out = outcome_of_error(_inv(f), sm.error_from_reply(reply))
    assert (out.type, out.value, out.error) == (expected, None, reply)


NOT_SENT: list[Exception] = [
    sm.ConnectionError("cannot connect"), sm.ClientClosedError(), sm.PoolTimeoutError("busy"),
    ValueError("a key with a space"),
]
SENT_NO_ANSWER: list[Exception] = [
    sm.TimeoutError("no reply"), sm.ConnectionError("lost", indeterminate=True),
]


@pytest.mark.parametrize("f", ["read", "write", "delete", "incr"])
@pytest.mark.parametrize("exc", NOT_SENT, ids=lambda e: type(e).__name__)
def test_a_failure_before_sending_is_fail(f: str, exc: Exception) -> None:
    assert outcome_of_error(_inv(f), exc).type == "fail"


@pytest.mark.parametrize(("f", "expected"), [
    ("read", "fail"), ("write", "info"), ("delete", "info"), ("incr", "info")])
@pytest.mark.parametrize("exc", SENT_NO_ANSWER, ids=lambda e: type(e).__name__)
def test_no_answer_after_sending_is_info_except_for_reads(
        f: str, expected: str, exc: Exception) -> None:
    assert outcome_of_error(_inv(f), exc).type == expected


@pytest.mark.parametrize("f", ["read", "write"])
def test_an_unexpected_reply_is_info(f: str) -> None:
    assert outcome_of_error(_inv(f), sm.UnexpectedReplyError("garbage")).type == "info"


def test_every_definite_error_is_a_code_of_the_prefix_table() -> None:
    assert DEFINITE_ERRORS.issubset(code.name for code in ERROR_CODES)


@given(st.integers())
def test_integers_round_trip_through_text(n: int) -> None:
    assert parse_value(str(n)) == n


def test_vregx_lines_parse_to_versions_and_tombstones() -> None:
    assert parse_vregx(["a V 17 x y", b"b D 18", "c V 19 ", "d 5"]) == {
        "a": [17, "x y"], "b": [18, None], "c": [19, ""], "d": [None, 5]}


# ---- real processes ----------------------------------------------------------------------

@dataclass
class Setup:
    """client -> ``front`` proxy -> cluster (``--local``) -> ``back`` proxy -> primary."""

    front: FaultProxy
    back: FaultProxy
    cluster: ServerProcess

    def client(self, timeout_s: float = 5.0, direct: bool = False) -> KVClient:
        port = self.cluster.port if direct else self.front.port
        return KVClient("127.0.0.1", port, timeout_s)


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    procs: list[ServerProcess] = []
    proxies: list[FaultProxy] = []
    try:
        p_port, c_port = free_port(), free_port()
        procs.append(ServerProcess("node", tmp_path / "p", p_port, node_config(p_port),
                                   shared_key="k").start())
        back = FaultProxy("127.0.0.1", p_port, name="cluster->primary").start()
        proxies.append(back)
        link = client_block(back.address, **{"read-timeout": 0.5, "write-timeout": 0.5,
                                             "connect-timeout": 0.5, "max-retries": 0})
        cfg: dict[str, Any] = {
            "health-check-interval": 60, "server-config": {"address": f"127.0.0.1:{c_port}"},
            "node-configs": [{"node": link, "replicas": []}]}
        cluster = ServerProcess("cluster", tmp_path / "c", c_port, cfg, shared_key="k",
                                extra_args=["--local"]).start()
        procs.append(cluster)
        front = FaultProxy("127.0.0.1", c_port, name="client->cluster").start()
        proxies.append(front)
        yield Setup(front, back, cluster)
    finally:
        for proxy in proxies:
            proxy.stop()
        for proc in reversed(procs):
            proc.stop()


async def _run(client: KVClient, inv: Invocation) -> tuple[str, Any]:
    out: Outcome = await asyncio.wait_for(client.invoke(inv), WAIT_S)
    return out.type, out.value


async def test_operations_map_to_ok_values_and_definite_errors_to_fail(setup: Setup) -> None:
    client = setup.client()
    try:
        assert await _run(client, Invocation("write", "k", 1)) == ("ok", 1)
        assert await _run(client, Invocation("read", "k")) == ("ok", 1)
        assert await _run(client, Invocation("incr", "k", 5)) == ("ok", 6)
        assert await _run(client, Invocation("incr", "k", -2)) == ("ok", 4)
        assert await _run(client, Invocation("write", "s1", "two words")) == ("ok", "two words")
        assert await _run(client, Invocation("read", None, extra={"pattern": "^[ks]"})) == (
            "ok", {"k": 4, "s1": "two words"})
        assert await _run(client, Invocation("read", "missing")) == ("ok", None)
        assert await _run(client, Invocation("delete", "missing")) == ("ok", None)
        assert await _run(client, Invocation("delete", "k")) == ("ok", None)
        assert await _run(client, Invocation("incr", "missing", 1)) == ("fail", None)
        assert await _run(client, Invocation("incr", "s1", 1)) == ("fail", None)
    finally:
        await client.close()
    assert setup.front.statistics().accepted_total == 1, "one connection per process"


async def test_a_cluster_timeout_is_info_for_a_write_and_unavailable_is_fail(
        setup: Setup) -> None:
    client = setup.client()
    try:
        assert await _run(client, Invocation("write", "k", 1)) == ("ok", 1)
        await asyncio.to_thread(setup.back.hold, to_server=True, to_client=True)
        out = await asyncio.wait_for(client.invoke(Invocation("write", "k", 2)), WAIT_S)
        assert out.type == "info" and out.error is not None
        assert out.error.startswith("ERR timeout")
        # the cluster now marks the primary down and answers "unavailable" at once
        assert await _run(client, Invocation("incr", "k", 1)) == ("fail", None)
        assert await _run(client, Invocation("read", "k")) == ("fail", None)
    finally:
        await client.close()


async def test_a_client_timeout_is_info_and_the_write_was_sent_once(setup: Setup) -> None:
    client = setup.client(timeout_s=0.3)
    try:
        assert await _run(client, Invocation("write", "k", 1)) == ("ok", 1)
        sent = setup.front.statistics().bytes_to_server
        await asyncio.to_thread(setup.front.hold, to_client=True)
        assert await _run(client, Invocation("write", "k", 7)) == ("info", None)
        assert setup.front.statistics().bytes_to_server - sent == len(b"PUT k 7\r\n")
        assert await _run(client, Invocation("read", "k")) == ("fail", None)
        await asyncio.to_thread(setup.front.heal)
        assert await _run(client, Invocation("read", "k")) == ("ok", 7)  # it did apply
    finally:
        await client.close()
    assert setup.front.statistics().accepted_total == 3, "a new connection after each timeout"


async def _wait_sent(proxy: FaultProxy, total: int) -> None:
    deadline = time.monotonic() + WAIT_S
    while proxy.statistics().bytes_to_server < total:
        assert time.monotonic() < deadline, "the request never reached the proxy"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize(("f", "expected"), [("write", "info"), ("read", "fail")])
async def test_a_link_broken_after_sending_is_info_except_for_reads(
        setup: Setup, f: str, expected: str) -> None:
    client = setup.client()
    try:
        assert await _run(client, Invocation("write", "k", 1)) == ("ok", 1)
        sent = setup.front.statistics().bytes_to_server
        await asyncio.to_thread(setup.front.hold, to_client=True)
        task = asyncio.create_task(_run(client, _inv(f)))
        await _wait_sent(setup.front, sent + 1)
        assert await asyncio.to_thread(setup.front.cut) == 1
        assert await task == (expected, None)
    finally:
        await client.close()


async def test_a_paused_cluster_times_out_writes_as_info(setup: Setup) -> None:
    client = setup.client(timeout_s=0.3, direct=True)
    try:
        assert await _run(client, Invocation("write", "k", 1)) == ("ok", 1)
        setup.cluster.pause()
        try:
            assert await _run(client, Invocation("write", "k", 2)) == ("info", None)
            assert await _run(client, Invocation("read", "k")) == ("fail", None)
        finally:
            setup.cluster.resume()
    finally:
        await client.close()


@pytest.mark.parametrize("f", ["read", "write", "incr"])
async def test_a_connect_failure_is_fail(f: str) -> None:
    client = KVClient("127.0.0.1", free_port(), 1.0)
    try:
        out = await asyncio.wait_for(client.invoke(_inv(f)), WAIT_S)
    finally:
        await client.close()
    assert out.type == "fail" and out.error is not None and "ConnectionError" in out.error


async def test_an_unknown_operation_is_a_harness_error() -> None:
    client = KVClient("127.0.0.1", free_port(), 1.0)
    try:
        with pytest.raises(LookupError):
            await client.invoke(Invocation("frobnicate", "k"))
    finally:
        await client.close()
