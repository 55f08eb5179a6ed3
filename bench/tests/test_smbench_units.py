"""smbench's pure parts: histogram, workload model, reply checks, RESP reply reader."""

from __future__ import annotations

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from smbench.codec import NULL, NativeCodec, RespCodec, RespErrorValue, RespReplyReader
from smbench.histogram import LatencyHistogram, bucket_bounds, bucket_index
from smbench.stats import Stats
from smbench.workload import WORKLOADS, Kind, Op, Workload, owned_keys


@given(st.integers(min_value=0, max_value=2**62))
def test_every_value_falls_inside_its_bucket_within_one_percent(value):
    low, high = bucket_bounds(bucket_index(value))
    assert low <= value <= high
    assert high - low <= max(1, value // 100)


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=300))
def test_percentiles_are_within_a_bucket_of_the_sorted_samples(values):
    h = LatencyHistogram()
    for v in values:
        h.record(v)
    ordered = sorted(values)
    for q in (50, 99, 99.9):
        exact = ordered[max(1, round(len(values) * q / 100)) - 1]
        assert abs(h.percentile(q) - exact) <= max(1, exact // 100)
    assert h.max == ordered[-1] and h.min == ordered[0]


def test_histograms_merge_and_survive_the_trip_through_a_dict():
    a, b = LatencyHistogram(), LatencyHistogram()
    for v in range(1000):
        (a if v % 2 else b).record(v * 1000)
    a.merge(LatencyHistogram.from_dict(b.to_dict()))
    assert a.count == 1000 and a.min == 0 and a.max == 999_000
    assert 490_000 <= a.percentile(50) <= 510_000


def test_stats_merge_counts_errors_and_keeps_a_few_samples():
    s, t = Stats(), Stats()
    s.record(Kind.GET, 10)
    for i in range(20):
        t.error(f"e{i}")
    s.merge(Stats.from_dict(t.to_dict()))
    assert s.ops == 1 and s.errors == 20 and len(s.samples) == 10


def test_connections_own_disjoint_keys_covering_the_keyspace():
    owned = [owned_keys(103, 7, c) for c in range(7)]
    flat = sorted(k for keys in owned for k in keys)
    assert flat == list(range(103))


def test_mix_model_predicts_gets_after_puts_and_dels():
    w = Workload(WORKLOADS["mix"], [0, 1, 2], random.Random(5), connection=3)
    values = {op.key: op.value for op in w.prepopulate()}
    assert all(len(v) == 16 for v in values.values())
    counts = {k: 0 for k in Kind}
    for _ in range(5000):
        op = w.next_op()
        counts[op.kind] += 1
        if op.kind is Kind.GET:
            assert op.expect == values.get(op.key)
        elif op.kind is Kind.PUT:
            assert op.value != values.get(op.key)  # every write is unique
            values[op.key] = op.value
        else:
            assert op.expect == (values.pop(op.key, None) is not None)
    assert counts[Kind.GET] > 3500 and counts[Kind.PUT] > 500 and counts[Kind.DEL] > 100


def test_large_values_alternate_between_1_and_64_kib():
    w = Workload(WORKLOADS["large"], [0, 1], random.Random(1), connection=0)
    assert sorted(len(op.value) for op in w.prepopulate()) == [1024, 65536]


def test_incr_expects_the_exact_next_count():
    w = Workload(WORKLOADS["incr"], [4], random.Random(1), connection=0)
    assert [op.value for op in w.prepopulate()] == [b"0"]
    assert [w.next_op().expect for _ in range(3)] == [1, 2, 3]


def test_native_checks_accept_exact_replies_and_name_the_difference():
    c = NativeCodec()
    get = Op(Kind.GET, b"k", expect=b"v 1")
    assert c.check(get, b"OK k v 1") is None
    problem = c.check(get, b"OK k v 2")
    assert problem is not None and "v 1" in problem and "v 2" in problem
    assert c.check(Op(Kind.GET, b"k"), b"ERR key-value not found") is None
    assert c.check(Op(Kind.DEL, b"k", expect=False), b"ERR key-value not found") is None
    assert c.check(Op(Kind.DEL, b"k", expect=True), b"ERR key-value not found") is not None
    assert c.check(Op(Kind.INCR, b"k", expect=7), b"OK k 7") is None
    assert c.check(Op(Kind.PUT, b"k", b"v"), b"ERR not authenticated") is not None


def test_resp_checks_tell_null_errors_and_integers_apart():
    c = RespCodec()
    assert c.check(Op(Kind.GET, b"k"), NULL) is None
    assert c.check(Op(Kind.GET, b"k", expect=b"v"), b"v") is None
    assert c.check(Op(Kind.GET, b"k", expect=b"v"), NULL) is not None
    assert c.check(Op(Kind.PUT, b"k", b"v"), b"OK") is None
    assert c.check(Op(Kind.PUT, b"k", b"v"), RespErrorValue(b"OK")) is not None
    assert c.check(Op(Kind.DEL, b"k", expect=True), 1) is None
    assert c.check(Op(Kind.INCR, b"k", expect=2), 2) is None


replies = st.lists(st.one_of(
    st.binary(max_size=20).filter(lambda b: b"\r" not in b and b"\n" not in b).map(
        lambda b: (b"+" + b + b"\r\n", b)),
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(lambda i: (b":%d\r\n" % i, i)),
    st.binary(max_size=50).map(lambda b: (b"$%d\r\n%b\r\n" % (len(b), b), b)),
    st.just((b"$-1\r\n", NULL)),
), max_size=10)


@settings(max_examples=150)
@given(items=replies, cuts=st.lists(st.integers(min_value=0, max_value=500), max_size=8))
def test_resp_reply_reader_handles_any_chunking(items, cuts):
    data = b"".join(wire for wire, _ in items)
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    r = RespReplyReader()
    got = []
    for a, b in itertools.pairwise(points):
        r.feed(data[a:b])
        while (x := r.pop()) is not None:
            got.append(x)
    assert got == [value for _, value in items]
    assert all((g is NULL) == (v is NULL) for g, (_, v) in zip(got, items, strict=True))


def test_compare_target_can_log_in_its_own_way():
    from smbench.cli import parse_options

    opts = parse_options(["--local", "--compare", "127.0.0.1:4001", "--compare-shared-key", "k"])
    other = opts.for_compare()
    assert opts.local and opts.shared_key is None
    assert not other.local and other.shared_key == "k"
    same = parse_options(["--shared-key", "k", "--compare", "127.0.0.1:4001"]).for_compare()
    assert same.shared_key == "k"
    back = parse_options(["--shared-key", "k", "--compare", "127.0.0.1:4000", "--compare-local"])
    assert back.for_compare().local and back.for_compare().shared_key is None


def test_targets_table_computes_ratios_from_the_measured_rows():
    from smbench.measure import Section
    from smbench.targets import targets

    rb = Section("redis-benchmark: GET/SET", ["target", "SET ops/s", "SET p50 µs", "GET ops/s",
                                              "GET p50 µs"])
    rb.rows = [["redis-server, -P 1", "40,000", "1", "40,000", "1"],
               ["SuperMassive node (RESP, journal-sync everysec), -P 1", "20,000", "1",
                "36,000", "1"]]
    mix = Section("smbench mix (80% GET)", ["target", "ops/s"])
    mix.rows = [["cluster (--local)", "6,000"], ["one node (NAUTH)", "10,000"]]
    catch = Section("Replica catch-up of 100,000 missed writes", ["setup", "catch-up s"])
    catch.rows = [["1 primary + 1 replica", "not measured: x"]]
    replay = Section("Journal replay: restart", ["node", "restart to first answer s", "keys/s",
                                                 "journal MiB", "replay s (server log)",
                                                 "records/s replayed"])
    replay.rows = [["SuperMassive node", "2.50", "400,000", "104.0", "1.600", "625,000"]]
    table = {row[0]: row[1:] for row in targets([rb, mix, catch, replay]).rows}
    assert table["journal replay, records/s (the node's own replay timer)"] == [
        "625,000.00", ">= 500,000", "yes"]
    assert table["journal replay, keys/s (process start included)"][2] == "-"
    assert table["node / redis-server, SET, -P 1"] == ["0.50x", ">= 0.8x", "no"]
    assert table["node / redis-server, GET, -P 1"] == ["0.90x", ">= 0.8x", "yes"]
    assert table["cluster / one node, original mix, 50 connections"][2] == "yes"
    assert table["node / redis-server, GET, -P 16"] == ["not measured", ">= 1.0x", "-"]
    assert table["replica catch-up of 100k missed writes, s"][0] == "not measured"


def test_recovery_figures_come_from_the_last_recovery_in_a_node_log() -> None:
    from smbench.measure import last_recovery

    log = (
        "INFO node: recovered position 10 (10 keys, 0 tombstones, 10 journal records)\n"
        "INFO node: recovered 10 keys at journal position 10 in 0.001s\n"
        "INFO node: recovered position 1000000 (999000 keys, 1000 tombstones, "
        "1000000 journal records)\n"
        "INFO node: recovered 999000 keys at journal position 1000000 in 1.875s\n"
    )
    assert last_recovery(log) == (1_000_000, 1.875)
    assert last_recovery("INFO node: listening\n") is None
