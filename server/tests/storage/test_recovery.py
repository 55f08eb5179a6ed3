"""Recovery: torn tails, corruption, INCR results, clean and unclean restarts."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from supermassive.storage.journal import SEGMENT_HEADER_BYTES
from supermassive.storage.store import Store

from .conftest import MakeStore


def _items(store: Store) -> list[tuple[bytes, bytes | None, int]]:
    return sorted(store.keyspace.items())


def _write_some(store: Store, count: int) -> list[list[tuple[bytes, bytes | None, int]]]:
    """Apply ``count`` mutations; return the keyspace contents after each one."""
    states = []
    for i in range(count):
        if i % 4 == 3:
            store.delete(b"key%d" % (i - 2))
        else:
            store.put(b"key%d" % i, b"value %d " % i * (i % 3 + 1))
        states.append(_items(store))
    store.flush()
    return states


async def test_clean_close_and_reopen_keeps_everything_and_the_history(
        make_store: MakeStore, data_dir: Path) -> None:
    store = make_store(data_dir)
    states = _write_some(store, 20)
    history = store.history_id
    await store.close()
    again = make_store(data_dir)
    assert _items(again) == states[-1]
    assert again.position == 19
    assert again.history_id == history
    assert again.recovery is not None and again.recovery.clean


def test_unclean_restart_keeps_the_data_under_a_new_history(make_store: MakeStore,
                                                            data_dir: Path) -> None:
    store = make_store(data_dir)
    states = _write_some(store, 10)
    again = make_store(data_dir)  # no close: a crash (the OS kept the written bytes)
    assert _items(again) == states[-1]
    assert again.position == 9
    assert again.history_id != store.history_id


def test_unclean_restart_may_keep_the_history_when_asked(make_store: MakeStore,
                                                         data_dir: Path) -> None:
    store = make_store(data_dir)
    _write_some(store, 3)
    again = make_store(data_dir, rotate_history_on_crash=False)
    assert again.history_id == store.history_id


async def test_incr_is_journaled_as_its_result(make_store: MakeStore, data_dir: Path) -> None:
    store = make_store(data_dir)
    store.put(b"counter", b"100")
    assert store.incr(b"counter", b"4", False) == b"104"
    assert store.incr(b"counter", b"1.5", True) == b"102.5"
    assert store.incr(b"counter", b"1.5", False) == b"104"
    store.flush()
    crashed = make_store(data_dir)
    assert crashed.keyspace.get(b"counter") == b"104"
    await crashed.close()
    assert make_store(data_dir).keyspace.get(b"counter") == b"104"


def test_a_journal_cut_at_every_byte_of_its_last_record_recovers_the_prefix(
        make_store: MakeStore, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    source = tmp_path / "source"
    store = make_store(source)
    states = _write_some(store, 6)
    store.put(b"last", b"the last record, long enough to cut in many places")
    store.flush()
    journal = (source / "node.journal").read_bytes()
    prefix_end = _offset_of_position(journal, 6)
    for cut in range(prefix_end, len(journal) + 1):
        case = tmp_path / f"cut{cut}"
        shutil.copytree(source, case)
        (case / "node.journal").write_bytes(journal[:cut])
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="supermassive.journal"):
            recovered = make_store(case)
        if cut == len(journal):
            assert recovered.keyspace.get(b"last") is not None
            assert recovered.position == 6
        else:
            assert _items(recovered) == states[-1], cut
            assert recovered.position == 5
            if cut > prefix_end:
                assert "truncating" in caplog.text
        assert recovered.put(b"after", b"reopen works")  # the store is usable
        assert recovered.keyspace.get(b"after") == b"reopen works"


def _offset_of_position(journal: bytes, position: int) -> int:
    from supermassive.storage.records import decode

    decoded = decode(journal, SEGMENT_HEADER_BYTES)
    offset = SEGMENT_HEADER_BYTES
    for raw in decoded.records:
        if raw[0] == position:
            return offset
        offset += 8 + 13 + len(raw[3]) + 8 + len(raw[4])
    raise AssertionError("position not found")


def test_a_corrupt_byte_in_the_middle_truncates_there_and_logs(
        make_store: MakeStore, data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = make_store(data_dir)
    states = _write_some(store, 12)
    journal_path = data_dir / "node.journal"
    journal = bytearray(journal_path.read_bytes())
    at = _offset_of_position(bytes(journal), 7) + 30
    journal[at] ^= 0x55
    journal_path.write_bytes(bytes(journal))
    with caplog.at_level(logging.WARNING, logger="supermassive.journal"):
        recovered = make_store(data_dir)
    assert _items(recovered) == states[6]
    assert recovered.position == 6
    assert "checksum mismatch" in caplog.text and "truncating" in caplog.text
    assert recovered.recovery is not None and recovered.recovery.truncated_bytes > 0
    assert recovered.history_id != store.history_id
    # The damaged tail is gone for good: a second restart sees the same state.
    assert _items(make_store(data_dir)) == states[6]


def test_a_damaged_snapshot_is_ignored_and_logged(make_store: MakeStore, data_dir: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    store = make_store(data_dir)
    _write_some(store, 5)
    store.compact()  # no loop: synchronous
    snapshot = data_dir / "node.snapshot"
    snapshot.write_bytes(snapshot.read_bytes()[:-3])
    with caplog.at_level(logging.ERROR, logger="supermassive.journal"):
        recovered = make_store(data_dir)
    assert "snapshot" in caplog.text
    assert recovered.recovery is not None and recovered.recovery.loss


def test_leftover_temporary_files_are_removed(make_store: MakeStore, data_dir: Path) -> None:
    store = make_store(data_dir)
    _write_some(store, 3)
    (data_dir / "node.snapshot.tmp").write_bytes(b"half a snapshot")
    (data_dir / "node.journal.tmp").write_bytes(b"")
    recovered = make_store(data_dir)
    assert not list(data_dir.glob("*.tmp"))
    assert recovered.position == 2


def test_node_and_replica_files_never_collide(make_store: MakeStore, data_dir: Path) -> None:
    node = make_store(data_dir, name="node")
    replica = make_store(data_dir, name="replica")
    node.put(b"k", b"node")
    replica.put(b"k", b"replica")
    node.flush()
    replica.flush()
    assert make_store(data_dir, name="node").keyspace.get(b"k") == b"node"
    assert make_store(data_dir, name="replica").keyspace.get(b"k") == b"replica"
    assert {p.name for p in data_dir.iterdir()} >= {"node.journal", "replica.journal"}


def test_an_empty_directory_opens_empty(make_store: MakeStore, data_dir: Path) -> None:
    store = make_store(data_dir)
    assert store.position == -1 and len(store.keyspace) == 0
    assert store.records_after(-1) is not None and list(store.records_after(-1) or []) == []


@pytest.mark.parametrize("size", [0, 5, SEGMENT_HEADER_BYTES - 1])
def test_a_segment_torn_inside_its_header_is_replaced(make_store: MakeStore, data_dir: Path,
                                                      size: int) -> None:
    store = make_store(data_dir)
    store.put(b"k", b"v")
    store.compact()                           # the data is in the snapshot now
    journal_path = data_dir / "node.journal"
    journal_path.write_bytes(journal_path.read_bytes()[:size])
    recovered = make_store(data_dir)
    assert recovered.keyspace.get(b"k") == b"v"
    assert recovered.recovery is not None and not recovered.recovery.loss
    assert recovered.put(b"k2", b"v2")


def test_a_missing_snapshot_is_a_detected_gap(make_store: MakeStore, data_dir: Path,
                                              caplog: pytest.LogCaptureFixture) -> None:
    store = make_store(data_dir)
    store.put(b"early", b"1")
    store.compact()
    store.put(b"late", b"2")
    store.flush()
    (data_dir / "node.snapshot").unlink()
    with caplog.at_level(logging.ERROR, logger="supermassive.journal"):
        recovered = make_store(data_dir)
    assert "missing" in caplog.text
    assert recovered.recovery is not None and recovered.recovery.loss
    assert recovered.keyspace.get(b"late") == b"2"
    assert recovered.keyspace.get(b"early") is None
    assert recovered.history_id != store.history_id


def test_a_huge_value_larger_than_a_read_chunk_recovers(make_store: MakeStore, data_dir: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from supermassive.storage import journal

    monkeypatch.setattr(journal, "READ_CHUNK_BYTES", 1024)
    store = make_store(data_dir)
    big = b"x" * 100_000
    store.put(b"small", b"1")
    store.put(b"big", big)
    store.put(b"after", b"2")
    store.flush()
    recovered = make_store(data_dir, rotate_history_on_crash=False)
    assert recovered.keyspace.get(b"big") == big
    assert recovered.keyspace.get(b"after") == b"2"
    assert [r.key for r in recovered.records_after(-1) or []] == [b"small", b"big", b"after"]
