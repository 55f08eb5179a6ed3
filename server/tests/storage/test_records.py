"""Record frames: round trip, and the decoder stops at the first torn or corrupt frame."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from supermassive.storage.keyspace import Keyspace
from supermassive.storage.records import Record, decode, encode, to_record
from supermassive.storage.replay import replay_frames

records = st.builds(
    Record,
    position=st.integers(0, 2**64 - 1),
    version=st.integers(0, 2**64 - 1),
    op=st.sampled_from(["S", "D"]),
    key=st.binary(max_size=50),
    value=st.binary(max_size=300),
).map(lambda r: r._replace(value=b"") if r.op == "D" else r)


@given(st.lists(records, max_size=20))
def test_frames_round_trip(recs: list[Record]) -> None:
    data = b"".join(encode(r) for r in recs)
    decoded = decode(data)
    assert decoded.error is None
    assert decoded.end == len(data)
    assert [to_record(raw) for raw in decoded.records] == recs


@given(st.lists(records, min_size=1, max_size=5), st.data())
def test_a_cut_anywhere_keeps_exactly_the_whole_frames(recs: list[Record],
                                                       data: st.DataObject) -> None:
    frames = [encode(r) for r in recs]
    blob = b"".join(frames)
    cut = data.draw(st.integers(0, len(blob)))
    decoded = decode(blob[:cut])
    whole = 0
    ends = [0]
    for frame in frames:
        ends.append(ends[-1] + len(frame))
    whole = max(i for i, end in enumerate(ends) if end <= cut)
    assert [to_record(raw) for raw in decoded.records] == recs[:whole]
    assert decoded.end == ends[whole]
    assert (decoded.error is None) == (cut == ends[whole])


@given(st.lists(records, min_size=1, max_size=5), st.data())
def test_a_flipped_byte_stops_decoding_at_its_frame(recs: list[Record],
                                                     data: st.DataObject) -> None:
    frames = [encode(r) for r in recs]
    blob = bytearray(b"".join(frames))
    at = data.draw(st.integers(0, len(blob) - 1))
    blob[at] ^= data.draw(st.integers(1, 255))
    decoded = decode(bytes(blob))
    starts = [0]
    for frame in frames:
        starts.append(starts[-1] + len(frame))
    hit = max(i for i, start in enumerate(starts[:-1]) if start <= at)
    assert [to_record(raw) for raw in decoded.records] == recs[:hit]
    assert decoded.end == starts[hit]
    assert decoded.error is not None


@given(st.lists(records.map(lambda r: r._replace(key=r.key[:3], version=r.version % 50)),
                max_size=30))
def test_replay_applies_frames_like_keyspace_writes(recs: list[Record]) -> None:
    recs = [r._replace(position=i) for i, r in enumerate(recs)]
    blob = b"".join(encode(r) for r in recs)
    fast = Keyspace()
    result = replay_frames(blob, 0, len(blob), fast, -1)
    fast.recount()
    slow = Keyspace()
    for r in recs:
        if r.op == "S":
            slow.put(r.key, r.value, r.version)
        else:
            slow.delete(r.key, r.version)
    assert sorted(fast.items()) == sorted(slow.items())
    assert fast.data_bytes == slow.data_bytes
    assert result.error is None and result.records == len(recs)
    assert result.last_position == (len(recs) - 1 if recs else -1)


def test_replay_skips_records_at_or_before_the_given_position() -> None:
    blob = b"".join(encode(Record(i, 10 + i, "S", b"k%d" % i, b"v")) for i in range(5))
    keyspace = Keyspace()
    result = replay_frames(blob, 0, len(blob), keyspace, 2)
    assert sorted(k for k, _, _ in keyspace.items()) == [b"k3", b"k4"]
    assert result.records == 5 and result.last_position == 4
