"""Resolving copies by version, REGX merging and paging (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supermassive.cluster.merge import (
    BadReply,
    Copy,
    Loser,
    Resolution,
    merge_regx,
    page,
    parse_vget,
    parse_vregx,
    pick,
    resolve,
)


def test_vget_replies_parse_values_tombstones_and_missing() -> None:
    assert parse_vget(b"OK V 42 hello world") == Copy(42, b"hello world")
    assert parse_vget(b"OK V 42 ") == Copy(42, b"")
    assert parse_vget(b"OK V 42") == Copy(42, b"")
    assert parse_vget(b"OK D 7") == Copy(7, None)
    assert parse_vget(b"ERR key-value not found") is None


@pytest.mark.parametrize("reply", [b"ERR not authenticated", b"OK X 1", b"OK V abc x", b"OK"])
def test_unexpected_vget_replies_raise_bad_reply(reply: bytes) -> None:
    with pytest.raises(BadReply):
        parse_vget(reply)


def test_highest_version_wins_and_live_lower_copies_lose() -> None:
    res = resolve(b"k", [("a", Copy(5, b"old")), ("b", Copy(9, b"new")), ("c", Copy(3, None))])
    assert res.value == b"new" and res.source == "b"
    assert res.losers == (Loser("a", b"k", 5, 9),)


def test_a_winning_tombstone_means_not_found_and_live_copies_lose() -> None:
    res = resolve(b"k", [("a", Copy(5, b"old")), ("b", Copy(9, None))])
    assert res.value is None and res.winner == Copy(9, None)
    assert res.losers == (Loser("a", b"k", 5, 9),)


def test_same_version_on_two_members_is_not_a_loser() -> None:
    res = resolve(b"k", [("a", Copy(5, b"v")), ("b", Copy(5, b"v"))])
    assert res.losers == ()


def test_a_repair_tombstone_at_the_winning_version_does_not_hide_the_winner() -> None:
    for order in ([("a", Copy(9, None)), ("b", Copy(9, b"v"))],
                  [("b", Copy(9, b"v")), ("a", Copy(9, None))]):
        res = resolve(b"k", order)
        assert res.value == b"v" and res.source == "b" and res.losers == ()


def test_nothing_found_resolves_to_no_winner() -> None:
    res: Resolution[str] = resolve(b"k", [])
    assert res.winner is None and res.value is None and res.losers == ()


def test_regx_merge_sorts_pages_globally_and_hides_tombstones() -> None:
    a = parse_vregx([b"OK 3", b"b V 2 B", b"a V 1 A-old", b"d D 9"])
    b = parse_vregx([b"OK 3", b"a V 5 A", b"c V 1 C", b"d V 3 D-old"])
    live, losers = merge_regx([("m1", a), ("m2", b)])
    assert live == [(b"a", b"A"), (b"b", b"B"), (b"c", b"C")]
    assert sorted((lo.source, lo.key) for lo in losers) == [("m1", b"a"), ("m2", b"d")]
    assert page(live, 1, 1) == [b"b B"]
    assert page(live, 0, None) == [b"a A", b"b B", b"c C"]
    assert page(live, 5, 2) == []


def test_vregx_error_reply_is_bad_reply() -> None:
    with pytest.raises(BadReply):
        parse_vregx(b"ERR invalid pattern: x")


copies = st.lists(
    st.tuples(st.integers(0, 3), st.integers(1, 50), st.one_of(st.none(), st.binary(max_size=3))),
    max_size=8,
)


@given(copies)
def test_resolution_picks_a_maximal_version_and_never_marks_it_a_loser(
    items: list[tuple[int, int, bytes | None]],
) -> None:
    res = resolve(b"k", [(src, Copy(v, val)) for src, v, val in items])
    if not items:
        assert res.winner is None
        return
    top = max(v for _, v, _ in items)
    assert res.winner is not None and res.winner.version == top
    assert res.winner.live == any(v == top and val is not None for _, v, val in items)
    assert all(lo.losing < top and lo.winning == top for lo in res.losers)
    assert len(res.losers) == sum(1 for _, v, val in items if val is not None and v < top)


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 50),
                          st.one_of(st.none(), st.binary(max_size=3))), min_size=1, max_size=8))
def test_pick_agrees_with_resolve(items: list[tuple[int, int, bytes | None]]) -> None:
    res = resolve(b"k", [(src, Copy(v, val)) for src, v, val in items])
    version, value, losers = pick(b"k", items)
    assert res.winner == Copy(version, value)
    assert tuple(losers) == res.losers
