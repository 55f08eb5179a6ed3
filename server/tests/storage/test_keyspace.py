"""Keyspace: last-writer-wins rules, checked against a dict model (stateful hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from supermassive.storage.errors import Conflict, InvalidPattern, InvalidValue, NotFound
from supermassive.storage.keyspace import Keyspace
from supermassive.storage.numbers import apply_delta, is_number

keys = st.sampled_from([b"a", b"b", b"user:1", b"user:2", "é".encode(), b"k" * 40])
values = st.one_of(st.sampled_from([b"", b"0", b"10", b"1.5", b"-3", b"x y"]),
                   st.binary(max_size=20).filter(lambda v: b"\r" not in v and b"\n" not in v))
versions = st.integers(1, 60)
deltas = st.sampled_from([b"1", b"-2", b"0.5", b"x"])


class KeyspaceModel(RuleBasedStateMachine):
    """Drive a Keyspace and a plain dict side by side."""

    def __init__(self) -> None:
        super().__init__()
        self.keyspace = Keyspace()
        self.model: dict[bytes, tuple[bytes | None, int]] = {}

    def _newer(self, key: bytes, version: int) -> bool:
        return key not in self.model or version > self.model[key][1]

    @rule(key=keys, value=values, version=versions)
    def put(self, key: bytes, value: bytes, version: int) -> None:
        expected = self._newer(key, version)
        assert self.keyspace.put(key, value, version) is expected
        if expected:
            self.model[key] = (value, version)

    @rule(key=keys, version=versions)
    def delete(self, key: bytes, version: int) -> None:
        applied = self._newer(key, version)
        live = key in self.model and self.model[key][0] is not None
        assert self.keyspace.delete(key, version) == (applied, applied and live)
        if applied:
            self.model[key] = (None, version)

    @rule(key=keys, losing=versions, winning=versions)
    def repair(self, key: bytes, losing: int, winning: int) -> None:
        applies = key in self.model and self.model[key][1] == losing and winning > losing
        assert self.keyspace.repair(key, losing, winning) is applies
        if applies:
            self.model[key] = (None, winning)

    @rule(key=keys, delta=deltas, negate=st.booleans(), version=versions,
          expected=st.none() | versions)
    def incr(self, key: bytes, delta: bytes, negate: bool, version: int,
             expected: int | None) -> None:
        stored = self.model.get(key)
        if stored is None or stored[0] is None:
            with pytest.raises(NotFound):
                self.keyspace.incr(key, delta, negate, version, expected)
            return
        value, stored_version = stored
        assert value is not None
        if (expected is not None and expected != stored_version) or version <= stored_version:
            with pytest.raises(Conflict):
                self.keyspace.incr(key, delta, negate, version, expected)
            return
        if not (is_number(value) and is_number(delta)):
            with pytest.raises(InvalidValue):
                self.keyspace.incr(key, delta, negate, version, expected)
            return
        result = self.keyspace.incr(key, delta, negate, version, expected)
        assert result == apply_delta(value, delta, negate)
        self.model[key] = (result, version)

    @rule(before=versions)
    def collect(self, before: int) -> None:
        old = [k for k, (v, ver) in self.model.items() if v is None and ver < before]
        assert self.keyspace.collect_tombstones(before) == len(old)
        for key in old:
            del self.model[key]

    @rule()
    def copy_is_independent(self) -> None:
        copy = self.keyspace.copy()
        copy.put(b"only-in-copy", b"1", 1000)
        assert self.keyspace.get(b"only-in-copy") is None
        assert sorted(copy.items()) == sorted([*self.keyspace.items(),
                                               (b"only-in-copy", b"1", 1000)])

    @precondition(lambda self: len(self.model) > 3)
    @rule()
    def clear(self) -> None:
        self.keyspace.clear()
        self.model.clear()

    @invariant()
    def same_contents(self) -> None:
        live = {k: v for k, (v, _) in self.model.items() if v is not None}
        assert len(self.keyspace) == len(live)
        assert self.keyspace.tombstones == len(self.model) - len(live)
        for key, (value, version) in self.model.items():
            assert self.keyspace.get(key) == value
            assert self.keyspace.get_versioned(key) == (value, version)
        assert sorted(self.keyspace.items()) == sorted(
            (k, v, ver) for k, (v, ver) in self.model.items())
        assert self.keyspace.match(b"") == sorted(live.items())
        bytes_before = self.keyspace.data_bytes
        self.keyspace.recount()
        assert self.keyspace.data_bytes == bytes_before


TestKeyspaceModel = KeyspaceModel.TestCase
TestKeyspaceModel.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)


def _filled() -> Keyspace:
    keyspace = Keyspace()
    for i in range(10):
        keyspace.put(b"user:%d" % i, b"v%d" % i, 10 + i)
    keyspace.put(b"other", b"o", 1)
    keyspace.delete(b"user:3", 100)
    return keyspace


def test_match_returns_live_keys_sorted_by_key() -> None:
    assert _filled().match(b"^user:[0-4]") == [
        (b"user:0", b"v0"), (b"user:1", b"v1"), (b"user:2", b"v2"), (b"user:4", b"v4")]


def test_match_applies_offset_and_limit_to_the_sorted_result() -> None:
    keyspace = _filled()
    everything = keyspace.match(b"user")
    assert keyspace.match(b"user", 2, 3) == everything[2:5]
    assert keyspace.match(b"user", 7, 100) == everything[7:]
    assert keyspace.match(b"user", 100, 5) == []
    assert keyspace.match(b"user", 0, 0) == []
    assert keyspace.match(b"nomatch") == []


def test_match_versioned_includes_tombstones() -> None:
    found = sorted(_filled().match_versioned(b"user:[23]"))
    assert found == [(b"user:2", b"v2", 12), (b"user:3", None, 100)]


def test_bad_pattern_and_negative_bounds_are_refused() -> None:
    keyspace = _filled()
    with pytest.raises(InvalidPattern):
        keyspace.match(b"(")
    with pytest.raises(ValueError):
        keyspace.match(b"", -1, 2)


def test_delete_of_an_unknown_key_leaves_a_tombstone() -> None:
    keyspace = Keyspace()
    assert keyspace.delete(b"ghost", 5) == (True, False)
    assert keyspace.get_versioned(b"ghost") == (None, 5)
    assert not keyspace.put(b"ghost", b"late", 4)  # an older write cannot resurrect it
    assert keyspace.put(b"ghost", b"new", 6)


def test_max_version_covers_values_and_tombstones() -> None:
    keyspace = _filled()
    assert keyspace.max_version() == 100
    assert Keyspace().max_version() == 0


def _repair_by_the_rules(keyspace: Keyspace, key: bytes, losing: int, winning: int) -> bool:
    """The definition of :meth:`Keyspace.repair`: the stored version (0 when unknown) is
    ``losing`` and ``winning`` is newer, then a delete at ``winning``."""
    if winning <= losing or keyspace.version_of(key) != losing:
        return False
    return keyspace.delete(key, winning)[0]


repair_steps = st.lists(st.tuples(
    st.sampled_from(["put", "delete", "repair"]), st.sampled_from([b"a", b"b", b"c"]),
    st.integers(0, 8), st.integers(0, 8), st.binary(max_size=4)), max_size=25)


@given(repair_steps)
def test_repair_fast_form_acts_like_version_of_then_delete(
        steps: list[tuple[str, bytes, int, int, bytes]]) -> None:
    fast, rules = Keyspace(), Keyspace()
    for op, key, first, second, value in steps:
        if op == "put":
            assert fast.put(key, value, first) == rules.put(key, value, first)
        elif op == "delete":
            assert fast.delete(key, first) == rules.delete(key, first)
        else:
            assert fast.repair(key, first, second) == _repair_by_the_rules(
                rules, key, first, second)
        assert sorted(fast.items()) == sorted(rules.items())
        assert fast.data_bytes == rules.data_bytes
