"""Versions: packing and the hybrid logical clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supermassive.versions import (
    LOGICAL_MAX,
    VERSION_MAX,
    WALL_MAX,
    HybridClock,
    pack,
    unpack,
)

walls = st.integers(0, WALL_MAX)
logicals = st.integers(0, LOGICAL_MAX)
writers = st.integers(0, 255)


@given(walls, logicals, writers)
def test_pack_then_unpack_gives_the_parts_back(wall: int, logical: int, writer: int) -> None:
    version = pack(wall, logical, writer)
    assert 0 <= version <= VERSION_MAX
    assert unpack(version) == (wall, logical, writer)


@given(st.tuples(walls, logicals, writers), st.tuples(walls, logicals, writers))
def test_versions_order_like_their_parts(a: tuple[int, int, int],
                                         b: tuple[int, int, int]) -> None:
    assert (pack(*a) < pack(*b)) == (a < b)


def test_the_documented_layout_is_used() -> None:
    assert pack(1, 2, 3) == (1 << 22) | (2 << 8) | 3


@pytest.mark.parametrize("parts", [(-1, 0, 0), (WALL_MAX + 1, 0, 0), (0, LOGICAL_MAX + 1, 0),
                                   (0, 0, 256), (0, -1, 0)])
def test_out_of_range_parts_are_refused(parts: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError):
        pack(*parts)


def test_unpack_refuses_negative_and_oversized_versions() -> None:
    with pytest.raises(ValueError):
        unpack(-1)
    with pytest.raises(ValueError):
        unpack(VERSION_MAX + 1)


def test_clock_follows_the_wall_clock_and_stamps_its_writer_id() -> None:
    now = [1000]
    clock = HybridClock(7, lambda: now[0])
    first = clock.now()
    assert unpack(first) == (1000, 0, 7)
    now[0] = 1005
    assert unpack(clock.now()) == (1005, 0, 7)
    assert clock.last == pack(1005, 0, 7)


def test_clock_counts_logically_when_the_wall_clock_stands_still_or_goes_back() -> None:
    now = [2000]
    clock = HybridClock(1, lambda: now[0])
    versions = [clock.now() for _ in range(5)]
    now[0] = 1500  # the wall clock jumps backwards
    versions += [clock.now() for _ in range(5)]
    assert versions == sorted(set(versions))
    assert unpack(versions[-1]) == (2000, 9, 1)


def test_logical_counter_overflow_moves_to_the_next_millisecond() -> None:
    clock = HybridClock(0, lambda: 10)
    versions = [clock.now() for _ in range(LOGICAL_MAX + 2)]
    assert versions == sorted(set(versions))
    assert unpack(versions[-1]) == (11, 0, 0)


def test_clock_never_stamps_at_or_below_an_observed_version() -> None:
    clock = HybridClock(0, lambda: 100)
    seen = pack(500, 3, 200)  # from another writer, in the future
    clock.observe(seen)
    assert clock.last == seen
    stamped = clock.now()
    assert stamped > seen
    assert unpack(stamped) == (500, 4, 0)
    clock.observe(pack(1, 0, 0))  # older versions change nothing
    assert clock.now() > stamped


@given(st.lists(st.one_of(st.tuples(st.just("tick"), st.integers(0, 3000)),
                          st.tuples(st.just("observe"), st.integers(0, pack(4000, 0, 0))))))
def test_clock_is_strictly_increasing_whatever_happens(steps: list[tuple[str, int]]) -> None:
    now = [0]
    clock = HybridClock(3, lambda: now[0])
    last = 0
    for kind, value in steps:
        if kind == "tick":
            now[0] = value
            stamped = clock.now()
            assert stamped > last
            last = stamped
        else:
            clock.observe(value)
            last = max(last, value)


def test_writer_id_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError):
        HybridClock(256, lambda: 0)


@given(st.integers(0, 255), st.lists(st.one_of(
    st.tuples(st.just("tick"), st.integers(0, 5_000_000_000)),
    st.tuples(st.just("observe"), st.integers(0, pack(6000, 0, 0))))))
def test_a_nanosecond_clock_stamps_like_a_millisecond_clock_over_the_same_time(
        writer: int, steps: list[tuple[str, int]]) -> None:
    now_ns = [0]
    by_ns = HybridClock.from_ns(writer, lambda: now_ns[0])
    by_ms = HybridClock(writer, lambda: now_ns[0] // 1_000_000)
    for kind, value in steps:
        if kind == "tick":
            now_ns[0] = value
            assert by_ns.now() == by_ms.now()
        else:
            by_ns.observe(value)
            by_ms.observe(value)
        assert by_ns.last == by_ms.last
