"""Compaction: keeps the data, bounds the journal, and survives a crash at every step."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from supermassive.storage import compaction
from supermassive.storage.durability import run_sync_job
from supermassive.storage.journal import Paths
from supermassive.storage.keyspace import Keyspace
from supermassive.storage.records import Record
from supermassive.storage.snapshot import write_snapshot
from supermassive.storage.store import Store

from .conftest import MakeStore


def _items(store: Store) -> list[tuple[bytes, bytes | None, int]]:
    return sorted(store.keyspace.items())


def _churn(store: Store, rounds: int, keys: int = 20) -> None:
    for i in range(rounds):
        store.put(b"key%d" % (i % keys), b"value-%d" % i * 3)
        if i % 7 == 0:
            store.delete(b"key%d" % ((i + 3) % keys))


async def test_background_compaction_keeps_data_and_bounds_the_journal(
        make_store: MakeStore, data_dir: Path) -> None:
    store = make_store(data_dir, compaction_min_bytes=4096, compaction_factor=2.0)
    for _ in range(20):
        _churn(store, 200)
        store.maybe_compact()
        _churn(store, 10)                       # writes while the snapshot is being written
        await store.wait_compaction()
    assert store.compactions >= 5
    assert store.journal_bytes < 40_000
    assert [p.name for p in data_dir.iterdir() if ".journal." in p.name] == []
    store.flush()
    expected = _items(store)
    position = store.position
    crashed = make_store(data_dir)              # unclean reopen
    assert _items(crashed) == expected and crashed.position == position
    await store.close()
    clean = make_store(data_dir)
    assert _items(clean) == expected and clean.position == position


def test_no_compaction_below_the_thresholds(make_store: MakeStore) -> None:
    store = make_store(compaction_min_bytes=1 << 20)
    _churn(store, 500)
    assert not store.needs_compaction()
    store.maybe_compact()
    assert store.compactions == 0


class Crash(Exception):
    """Stands for the process dying at this point."""


def _crashing_job(step: int) -> Any:
    def job(paths: Paths, copy: Keyspace, position: int, history_id: str, fds: list[int],
            fsync: Any, lock: threading.Lock, still_current: Any) -> None:
        if step == 0:
            for fd in fds:
                os.close(fd)
            raise Crash
        run_sync_job(fds, paths.directory, fsync)
        if step == 1:
            raise Crash
        write_snapshot(paths.snapshot_tmp, position, history_id, copy.items(), fsync)
        if step == 2:
            raise Crash
        os.replace(paths.snapshot_tmp, paths.snapshot)
        raise Crash          # the loop thread never deletes the older segments

    return job


@pytest.mark.parametrize("step", [0, 1, 2, 3])
async def test_a_crash_at_any_compaction_step_recovers_everything(
        make_store: MakeStore, data_dir: Path, step: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_store(data_dir)
    _churn(store, 300)
    store.compact()                                   # a first, complete compaction
    await store.wait_compaction()
    _churn(store, 300)
    monkeypatch.setattr(compaction, "write_compaction", _crashing_job(step))
    store.compact()
    _churn(store, 50)                                 # appended to the new segment
    await store.wait_compaction()
    assert store.compaction_failures == 1
    store.flush()
    expected, position = _items(store), store.position
    crashed = make_store(data_dir)
    assert _items(crashed) == expected and crashed.position == position
    assert not list(data_dir.glob("*.tmp"))
    # The surviving process goes on: the next compaction cleans every older segment.
    monkeypatch.undo()
    _churn(store, 10)
    store.compact()
    await store.wait_compaction()
    assert [p.name for p in data_dir.iterdir() if ".journal." in p.name] == []
    store.flush()
    assert _items(make_store(data_dir)) == _items(store)


async def test_records_after_spans_the_old_and_new_segments_during_a_compaction(
        make_store: MakeStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_store()
    _churn(store, 100)
    gate = threading.Event()
    real = compaction.write_compaction

    def held(*args: Any) -> Any:
        gate.wait(10)
        return real(*args)

    monkeypatch.setattr(compaction, "write_compaction", held)
    store.compact()
    _churn(store, 20)
    got = [r.position for r in store.records_after(50) or []]
    assert got == list(range(51, store.position + 1))
    gate.set()
    await store.wait_compaction()
    assert store.records_after(50) is None
    assert [r.position for r in store.records_after(store.position - 3) or []] == [
        store.position - 2, store.position - 1, store.position]


@pytest.mark.parametrize("crash_on", ["snapshot", "journal"])
def test_a_crash_while_installing_a_snapshot_is_safe(
        make_store: MakeStore, data_dir: Path, crash_on: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    replica = make_store(data_dir, name="replica")
    replica.load_snapshot(10, "aa" * 16, [Record(10, 1, "S", b"old", b"1")])
    replica.apply_record(Record(11, 2, "S", b"old2", b"2"))
    replica.flush()
    before = _items(replica)
    real_replace = os.replace
    target = {"snapshot": "replica.snapshot", "journal": "replica.journal"}[crash_on]

    def replace(src: Any, dst: Any) -> None:
        if Path(dst).name == target:
            raise Crash
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(Crash):
        replica.load_snapshot(500, "bb" * 16, [Record(500, 9, "S", b"new", b"n")])
    monkeypatch.undo()
    recovered = make_store(data_dir, name="replica", rotate_history_on_crash=False)
    if crash_on == "snapshot":          # nothing of the new snapshot is visible yet
        assert _items(recovered) == before
        assert (recovered.position, recovered.history_id) == (11, "aa" * 16)
    else:                               # the snapshot is in place: the old journal is dropped
        assert _items(recovered) == [(b"new", b"n", 9)]
        assert (recovered.position, recovered.history_id) == (500, "bb" * 16)
    assert not list(data_dir.glob("*.tmp"))


async def test_close_waits_for_a_running_compaction(make_store: MakeStore,
                                                    data_dir: Path) -> None:
    store = make_store(data_dir)
    _churn(store, 500)
    at = store.position
    store.compact()
    store.compact()          # a second request while one runs is ignored
    await store.close()
    assert store.compactions == 1
    reopened = make_store(data_dir)
    assert reopened.recovery is not None and reopened.recovery.clean
    assert reopened.snapshot_position == at
    assert _items(reopened) == _items(store)
