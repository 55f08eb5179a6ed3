"""``Keyspace.put_stamped``: the node's fused stamp-and-write always wins and keeps the counts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from supermassive.storage.keyspace import Keyspace
from supermassive.versions import HybridClock, pack

keys = st.sampled_from([b"a", b"b", b"c"])
ops = st.lists(st.tuples(st.sampled_from(["stamp", "put", "delete"]), keys,
                         st.integers(0, 3000), st.binary(max_size=6)), max_size=30)


@given(ops)
def test_a_stamped_write_is_newer_than_anything_stored_and_counts_stay_exact(
        script: list[tuple[str, bytes, int, bytes]]) -> None:
    wall = [1000]
    clock = HybridClock(0, lambda: wall[0])
    keyspace = Keyspace()
    for op, key, ms, value in script:
        if op == "put":
            keyspace.put(key, value, pack(ms, 0, 9))
        elif op == "delete":
            keyspace.delete(key, pack(ms, 0, 9))
        else:
            before = keyspace.version_of(key)
            entry = keyspace.put_stamped(key, value, clock)
            assert keyspace.get_versioned(key) == (value, int.from_bytes(entry[:8], "big"))
            assert keyspace.version_of(key) > before
            assert keyspace.lookup(key) == entry
        wall[0] += 1
        counted = keyspace.data_bytes
        keyspace.recount()
        assert keyspace.data_bytes == counted
