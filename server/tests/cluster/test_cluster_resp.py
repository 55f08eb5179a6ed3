"""RESP clients (redis-benchmark, redis-py) against the cluster, including Redis-style INCR."""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from smclient.exceptions import KeyNotFoundError
from smclient.testing.topology import start_topology


@pytest.fixture
def topo(tmp_path):
    t = start_topology(tmp_path, primaries=2, cluster=True)
    yield t
    t.stop()


def test_concurrent_resp_increments_of_a_new_key_all_count(topo):
    port = topo.entry.port

    def bump(_: int) -> None:
        r = redis.Redis(port=port, protocol=2)
        for _ in range(25):
            r.incr("fresh-counter")
        r.close()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(bump, range(4)))
    r = redis.Redis(port=port, protocol=2)
    assert r.get("fresh-counter") == b"100"
    assert r.decrby("other-new", 2) == -2


def test_native_incr_of_a_missing_key_is_still_not_found(topo):
    with topo.client() as c, pytest.raises(KeyNotFoundError):
        c.incr("missing-native")


@pytest.mark.skipif(shutil.which("redis-benchmark") is None,
                    reason="redis-benchmark not installed (make install-bench-deps)")
def test_redis_benchmark_ping_set_get_incr_through_the_cluster(topo):
    # -a makes the first request a RESP array, so the later inline PING is read as RESP
    # (a connection that *starts* with an inline PING is the native protocol's PING).
    out = subprocess.run(
        ["redis-benchmark", "-p", str(topo.entry.port), "-a", "any", "-t", "ping,set,get,incr",
         "-n", "2000", "-c", "4", "-q"], capture_output=True, text=True, timeout=180)
    assert "Error" not in out.stdout + out.stderr
    for name in ("PING_INLINE", "PING_MBULK", "SET", "GET", "INCR"):
        assert f"{name}: " in out.stdout


def test_redis_py_round_trip_through_the_cluster(topo):
    r = redis.Redis(port=topo.entry.port, protocol=2)
    assert r.ping() is True
    assert r.set("user:1", "Ada Lovelace") is True
    assert r.set("user:2", "Grace") is True
    assert r.get("user:1") == b"Ada Lovelace"
    assert r.get("nobody") is None
    assert r.exists("user:1", "user:2", "nobody") == 2
    assert sorted(r.keys("user:*")) == [b"user:1", b"user:2"]
    assert r.set("n", "40") and r.incr("n") == 41 and r.decrby("n", 50) == -9
    assert r.incrbyfloat("n", "0.5") == pytest.approx(-8.5)
    assert r.delete("user:1", "nobody") == 1
    assert r.get("user:1") is None
    r.close()
