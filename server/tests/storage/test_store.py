"""Store: journaling of mutations, group commit, records_after, replica operations."""

from __future__ import annotations

import asyncio
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supermassive.storage.errors import Conflict, InvalidValue, NotFound
from supermassive.storage.journal import SEGMENT_HEADER_BYTES
from supermassive.storage.records import Record, encode
from supermassive.storage.store import Store
from supermassive.versions import pack, unpack

from .conftest import FsyncCounter, MakeStore


def test_every_mutation_that_changes_something_appends_one_record(
        make_store: MakeStore) -> None:
    store = make_store()
    seen: list[Record] = []
    store.add_listener(seen.append)
    assert store.put(b"a", b"1", 100)
    assert not store.put(b"a", b"old", 50)            # superseded: nothing journaled
    assert store.delete(b"a", 200)                     # removes a live value
    assert not store.delete(b"ghost", 300)             # tombstone only: journaled, not "removed"
    assert not store.delete(b"ghost", 250)             # older: nothing
    assert store.put(b"n", b"1", 400)
    assert store.incr(b"n", b"2", False, 500, expected=400) == b"3"
    with pytest.raises(Conflict):
        store.incr(b"n", b"2", False, 600, expected=400)
    with pytest.raises(NotFound):
        store.incr(b"a", b"1", False, 700)
    store.put(b"s", b"text", 800)
    with pytest.raises(InvalidValue):
        store.incr(b"s", b"1", False, 900)
    assert store.repair(b"s", 800, 1000)
    assert not store.repair(b"n", 400, 1000)           # stored version is 500 now
    assert [(r.position, r.op, r.key, r.value, r.version) for r in seen] == [
        (0, "S", b"a", b"1", 100),
        (1, "D", b"a", b"", 200),
        (2, "D", b"ghost", b"", 300),
        (3, "S", b"n", b"1", 400),
        (4, "S", b"n", b"3", 500),
        (5, "S", b"s", b"text", 800),
        (6, "D", b"s", b"", 1000),
    ]
    assert store.position == 6
    assert list(store.records_after(-1) or []) == seen
    store.remove_listener(seen.append)
    store.put(b"z", b"1")
    assert len(seen) == 7


def test_direct_writes_are_stamped_above_every_known_version(make_store: MakeStore) -> None:
    store = make_store(wall_ms=lambda: 1000)
    far = pack(5000, 7, 3)
    store.put(b"k", b"cluster", far)
    assert store.put(b"k", b"direct")                  # node-stamped, still wins
    version = store.keyspace.get_versioned(b"k")
    assert version is not None and version[1] > far and unpack(version[1])[2] == 0


def test_a_listener_error_is_logged_not_raised(make_store: MakeStore) -> None:
    store = make_store()

    def broken(record: Record) -> None:
        raise RuntimeError("boom")

    store.add_listener(broken)
    assert store.put(b"k", b"v")
    assert store.keyspace.get(b"k") == b"v"


async def test_always_group_commit_shares_one_fsync(make_store: MakeStore) -> None:
    fsync = FsyncCounter()
    store = make_store(sync="always", fsync=fsync)
    store.put(b"warm", b"up")
    first = store.durable()
    assert first is not None
    await asyncio.wait_for(first, 10)
    fsync.calls = 0
    waiters = []
    for i in range(50):  # fifty concurrent writes in one network batch
        store.put(b"k%d" % i, b"v")
    store.flush()
    waiters = [store.durable() for _ in range(50)]
    assert all(w is not None for w in waiters)
    await asyncio.wait_for(asyncio.gather(*[w for w in waiters if w is not None]), 10)
    assert fsync.calls == 1
    assert store.durable() is None                     # nothing left to wait for
    await store.close()


async def test_a_batch_arriving_during_an_fsync_waits_and_gets_its_own(
        make_store: MakeStore) -> None:
    release = threading.Event()
    started = threading.Event()
    calls: list[int] = []

    def slow_fsync(fd: int) -> None:
        calls.append(fd)
        started.set()
        release.wait(10)

    release.set()
    store = make_store(sync="always", fsync=slow_fsync)
    store.put(b"warm", b"up")
    await asyncio.wait_for(store.durable() or asyncio.sleep(0), 10)
    release.clear()
    started.clear()
    calls.clear()
    store.put(b"a", b"1")
    first = store.durable()
    await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, started.wait, 10),
                           15)
    store.put(b"b", b"2")
    store.put(b"c", b"3")
    second = [store.durable(), store.durable()]
    assert first is not None and not first.done()
    assert all(w is not None and not w.done() for w in second)
    release.set()
    await asyncio.wait_for(asyncio.gather(first, *[w for w in second if w is not None]), 10)
    assert len(calls) == 2                             # one for batch 1, one shared by batch 2
    await store.close()


async def test_everysec_and_no_never_make_a_request_wait(make_store: MakeStore,
                                                         tmp_path: Path) -> None:
    for policy in ("everysec", "no"):
        store = make_store(tmp_path / policy, sync=policy)
        store.put(b"k", b"v")
        assert store.durable() is None
        await store.close()


async def test_everysec_fsyncs_in_the_background(make_store: MakeStore) -> None:
    fsync = FsyncCounter()
    store = make_store(sync="everysec", fsync=fsync)
    await store.start()
    fsync.calls = 0
    store.put(b"k", b"v")
    store.flush()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while fsync.calls == 0 and loop.time() < deadline:
        await asyncio.sleep(0.05)
    assert fsync.calls >= 1
    assert store.stats()["journal_last_fsync_age_s"] != "never"
    await store.close()


def test_records_after_returns_exactly_the_missed_records(make_store: MakeStore) -> None:
    store = make_store()
    for i in range(3000):  # several index samples
        store.put(b"k%d" % (i % 100), b"v%d" % i)
    store.flush()
    for i in range(3000, 3010):  # some still buffered
        store.put(b"k%d" % (i % 100), b"v%d" % i)
    for after in (-1, 0, 1022, 1023, 1024, 2500, 3005, 3008):
        got = list(store.records_after(after) or [])
        assert [r.position for r in got] == list(range(after + 1, 3010))
        assert all(r.value == b"v%d" % r.position for r in got)
    assert list(store.records_after(3009) or ["x"]) == []
    assert store.records_after(3010) is None            # beyond: another history


def test_records_after_is_none_once_compacted_past(make_store: MakeStore) -> None:
    store = make_store()
    for i in range(10):
        store.put(b"k%d" % i, b"v")
    store.compact()                                       # no loop: synchronous
    for i in range(10, 15):
        store.put(b"k%d" % i, b"v")
    assert store.records_after(8) is None
    assert [r.position for r in store.records_after(9) or []] == [10, 11, 12, 13, 14]


def test_records_after_survives_a_compaction_while_iterating(make_store: MakeStore) -> None:
    store = make_store()
    for i in range(10):
        store.put(b"k%d" % i, b"v")
    pending = store.records_after(-1)
    assert pending is not None
    store.compact()
    assert [r.position for r in pending] == list(range(10))


async def test_replica_applies_records_at_the_primary_positions(make_store: MakeStore,
                                                                data_dir: Path) -> None:
    replica = make_store(data_dir, name="replica")
    replica.load_snapshot(41, "ab" * 16, [Record(41, 10, "S", b"a", b"1"),
                                          Record(41, 11, "D", b"gone", b"")])
    assert replica.position == 41 and replica.history_id == "ab" * 16
    assert replica.apply_record(Record(42, 20, "S", b"b", b"2"))
    assert not replica.apply_record(Record(42, 20, "S", b"b", b"2"))     # duplicate
    assert not replica.apply_record(Record(43, 5, "S", b"a", b"older"))  # journaled, no change
    assert replica.apply_record(Record(44, 30, "D", b"a", b""))
    assert replica.position == 44
    assert replica.keyspace.get_versioned(b"a") == (None, 30)
    await replica.close()
    again = make_store(data_dir, name="replica")
    assert again.position == 44 and again.history_id == "ab" * 16
    assert sorted(again.keyspace.items()) == [(b"a", None, 30), (b"b", b"2", 20),
                                              (b"gone", None, 11)]


def test_load_snapshot_replaces_everything(make_store: MakeStore, data_dir: Path) -> None:
    replica = make_store(data_dir, name="replica")
    replica.put(b"old", b"x")
    replica.flush()
    replica.load_snapshot(7, "cd" * 16, [Record(7, 1, "S", b"new", b"y")])
    assert sorted(replica.keyspace.items()) == [(b"new", b"y", 1)]
    assert list(replica.records_after(7) or ["x"]) == []
    assert replica.records_after(6) is None
    crashed = make_store(data_dir, name="replica", rotate_history_on_crash=False)
    assert sorted(crashed.keyspace.items()) == [(b"new", b"y", 1)]
    assert crashed.position == 7 and crashed.history_id == "cd" * 16


def test_snapshot_records_hold_values_and_tombstones(make_store: MakeStore) -> None:
    store = make_store()
    store.put(b"a", b"1", 10)
    store.delete(b"b", 20)
    position, records = store.snapshot_records()
    assert position == 1
    assert sorted(records) == [Record(1, 10, "S", b"a", b"1"), Record(1, 20, "D", b"b", b"")]


def test_tombstones_are_collected_after_the_grace_period(make_store: MakeStore) -> None:
    now = [10_000_000]
    store = make_store(wall_ms=lambda: now[0])
    store.put(b"k", b"v")
    store.delete(b"k")
    assert store.collect_tombstones(60) == 0
    now[0] += 61_000
    assert store.collect_tombstones(60) == 1
    assert store.keyspace.get_versioned(b"k") is None


def test_stats_report_the_journal_figures(make_store: MakeStore) -> None:
    store = make_store(sync="no")
    store.put(b"k", b"v")
    stats = store.stats()
    assert stats["journal_file"] == "node.journal"
    assert stats["journal_records"] == "1"
    assert stats["journal_sync"] == "no"
    assert stats["live_data_bytes"] == str(len(b"k") + 8 + len(b"v"))
    assert all(isinstance(v, str) and "\n" not in v for v in stats.values())


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    from supermassive.storage.store import Store

    with pytest.raises(ValueError):
        Store.open(tmp_path, "node", sync="sometimes")
    with pytest.raises(ValueError):
        Store.open(tmp_path, "../escape")


@pytest.mark.parametrize("version", [0, -1, 1 << 63])
def test_out_of_range_versions_are_refused_before_anything_changes(
        make_store: MakeStore, version: int) -> None:
    store = make_store()
    with pytest.raises(ValueError):
        store.put(b"k", b"v", version)
    with pytest.raises(ValueError):
        store.delete(b"k", version)
    with pytest.raises(ValueError):
        store.repair(b"k", 0, version)
    assert store.position == -1 and store.keyspace.get_versioned(b"k") is None
    assert store.clock.last == 0


store_ops = st.lists(st.tuples(
    st.sampled_from(["stamp", "put", "delete", "stamp-delete", "repair"]),
    st.binary(min_size=1, max_size=8), st.binary(max_size=12), st.integers(1, 40),
    st.integers(1, 40)), max_size=30)


@settings(max_examples=60, deadline=None)
@given(store_ops)
def test_entry_listeners_and_the_journal_hold_what_record_listeners_see(
        ops: list[tuple[str, bytes, bytes, int, int]]) -> None:
    """The write path's inlined frame and entry form say exactly what the general encoder
    (:func:`records.encode`) and :class:`Record` listeners say, byte for byte."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp), "node", sync="no", fsync=lambda fd: None,
                           wall_ms=lambda: 1000)
        records: list[Record] = []
        entries: list[tuple[int, int, bytes, bytes]] = []
        store.add_listener(records.append)
        store.add_entry_listener(lambda *entry: entries.append(entry))
        for op, key, value, first, second in ops:
            if op == "stamp":
                store.put(key, value)
            elif op == "put":
                store.put(key, value, pack(first, 0, 1))
            elif op == "delete":
                store.delete(key, pack(first, 0, 1))
            elif op == "stamp-delete":
                store.delete(key)
            else:
                store.repair(key, pack(first, 0, 1), pack(second, 0, 1))
        store.flush()
        assert [Record(position, int.from_bytes(entry[:8], "big"), chr(op_byte), key,
                       entry[8:]) for position, op_byte, key, entry in entries] == records
        assert [r.position for r in records] == list(range(len(records)))
        journal = store.paths.journal.read_bytes()[SEGMENT_HEADER_BYTES:]
        assert journal == b"".join(encode(record) for record in records)
        for segment in store._segments:
            segment.close()


def test_listeners_of_both_forms_are_removed_one_registration_at_a_time(
        make_store: MakeStore) -> None:
    store = make_store()
    seen: list[Record] = []
    raw: list[tuple[int, int, bytes, bytes]] = []

    def entry(position: int, op_byte: int, key: bytes, entry: bytes) -> None:
        raw.append((position, op_byte, key, entry))

    store.add_listener(seen.append)
    store.add_listener(seen.append)
    store.add_entry_listener(entry)
    store.put(b"k", b"v", 5)
    assert len(seen) == 2 and raw == [(0, ord("S"), b"k", (5).to_bytes(8, "big") + b"v")]
    store.remove_listener(seen.append)
    store.remove_listener(entry)
    store.remove_listener(entry)  # not registered any more: no error
    store.delete(b"k", 6)
    assert len(seen) == 3 and seen[-1] == Record(1, 6, "D", b"k", b"") and len(raw) == 1
