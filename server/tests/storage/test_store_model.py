"""The whole store against a dict model: writes, flushes, crashes, clean restarts, compactions.

A "crash" opens a second store on the same directory without closing the first: what was
flushed must be there, what was only buffered may be lost (it was never acknowledged).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from supermassive.storage import journal
from supermassive.storage.store import Store

from .conftest import FsyncCounter

keys = st.sampled_from([b"a", b"b", b"c", b"user:1", b"user:2"])
values = st.sampled_from([b"", b"1", b"2.5", b"text with spaces", b"x" * 300])

Model = dict[bytes, tuple[bytes | None, int]]


class StoreModel(RuleBasedStateMachine):
    """Drive a Store and a model of what must survive."""

    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="store-model-"))
        self.stores: list[Store] = []
        self.store = self._open()
        self.model: Model = {}          # what the live store holds
        self.flushed: Model = {}        # what a crash must keep
        self.flushed_position = -1

    def _open(self) -> Store:
        store = Store.open(self.directory, "node", fsync=FsyncCounter(),
                           compaction_min_bytes=0, compaction_factor=1.5)
        self.stores.append(store)
        return store

    def _record(self, key: bytes, value: bytes | None, version: int) -> None:
        self.model[key] = (value, version)

    @rule(key=keys, value=values)
    def put(self, key: bytes, value: bytes) -> None:
        assert self.store.put(key, value)
        got = self.store.keyspace.get_versioned(key)
        assert got is not None
        self._record(key, value, got[1])

    @rule(key=keys)
    def delete(self, key: bytes) -> None:
        live = self.model.get(key, (None, 0))[0] is not None
        assert self.store.delete(key) is live
        got = self.store.keyspace.get_versioned(key)
        assert got is not None
        self._record(key, None, got[1])

    @rule(key=keys, delta=st.sampled_from([b"1", b"-0.5"]))
    def incr(self, key: bytes, delta: bytes) -> None:
        try:
            result = self.store.incr(key, delta, False)
        except Exception:
            return
        got = self.store.keyspace.get_versioned(key)
        assert got == (result, got[1] if got else 0)
        self._record(key, result, got[1] if got else 0)

    @rule()
    def flush(self) -> None:
        self.store.flush()
        self.flushed = dict(self.model)
        self.flushed_position = self.store.position

    @rule()
    def compact(self) -> None:
        due = self.store.needs_compaction()
        self.store.maybe_compact()      # no loop: runs synchronously when due
        if due:                         # a compaction flushes first
            self.flushed = dict(self.model)
            self.flushed_position = self.store.position

    @rule()
    def crash_and_reopen(self) -> None:
        self.store = self._open()
        self.model = dict(self.flushed)
        assert self.store.position == self.flushed_position

    @rule()
    def close_and_reopen(self) -> None:
        history = self.store.history_id
        asyncio.run(self.store.close())
        self.flushed = dict(self.model)
        self.flushed_position = self.store.position
        self.store = self._open()
        assert self.store.history_id == history
        assert self.store.position == self.flushed_position

    @invariant()
    def store_matches_model(self) -> None:
        assert sorted(self.store.keyspace.items()) == sorted(
            (k, v, ver) for k, (v, ver) in self.model.items())

    def teardown(self) -> None:
        for store in self.stores:
            for segment in store._segments:
                segment.close()
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture(autouse=True)
def tiny_read_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read files 64 bytes at a time so frames straddle chunk boundaries."""
    monkeypatch.setattr(journal, "READ_CHUNK_BYTES", 64)


TestStoreModel = StoreModel.TestCase
TestStoreModel.settings = settings(max_examples=60, stateful_step_count=30, deadline=None,
                                   suppress_health_check=[HealthCheck.function_scoped_fixture])
