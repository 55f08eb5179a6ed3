"""Replies split at any byte boundary decode to the same values, in order (the way both
transports feed the sans-I/O reader)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from smclient import replies
from smclient.protocol.reader import ReplyReader

texts = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n\x00"),
                max_size=30)
pairs = st.lists(st.tuples(st.from_regex(r"[a-z]{1,8}", fullmatch=True), texts), max_size=5)
Reply = tuple[bool, bytes, object]  # (multi, wire bytes, expected decoded value)


def get_reply(value: str | None) -> Reply:
    wire = b"ERR key-value not found\r\n" if value is None else f"OK k {value}\r\n".encode()
    return (False, wire, value)


def regx_reply(items: list[tuple[str, str]]) -> Reply:
    wire = f"OK {len(items)}\r\n".encode() + b"".join(
        f"{k} {v}\r\n".encode() for k, v in items)
    return (True, wire, items)


one_reply = st.one_of(st.none() | texts).map(get_reply) | pairs.map(regx_reply)


@given(st.lists(one_reply, min_size=1, max_size=8), st.data())
def test_replies_split_anywhere_decode_in_order(batch: list[Reply], data: st.DataObject) -> None:
    stream = b"".join(wire for _, wire, _ in batch)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    reader = ReplyReader()
    decoded: list[object] = []
    pending = list(batch)
    start = 0
    for end in [*cuts, len(stream)]:
        reader.feed(stream[start:end])
        start = end
        while pending:
            multi = pending[0][0]
            reply = reader.pop(multi)
            if reply is None:
                break
            pending.pop(0)
            decoded.append(replies.decode_regx(reply) if multi else replies.decode_get("k", reply))
    assert decoded == [expected for _, _, expected in batch]
    assert reader.buffered_lines == 0
