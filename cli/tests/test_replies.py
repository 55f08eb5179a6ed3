"""Pure reply parsing: STAT sections, REGX pairs, durations."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from smcli.replies import Reply, command_name, format_duration, parse_pairs, parse_stat

STAT_LINES = [
    "CLUSTER 127.0.0.1:4000",
    "\tcurrent_sequence 7",
    "PRIMARY 127.0.0.1:4001",
    "\trole primary",
    "\tsection DISK",
    "\tjournal_position 12",
    "\tsection MEMORY",
    "\tused 1.5 MiB",
    "REPLICA 127.0.0.1:4002",
    "\tstatus down",
]


def test_stat_lines_group_into_member_sections() -> None:
    sections = parse_stat(STAT_LINES)
    assert [s.title for s in sections] == [
        "CLUSTER 127.0.0.1:4000", "PRIMARY 127.0.0.1:4001", "REPLICA 127.0.0.1:4002",
    ]
    primary = sections[1]
    assert [g.name for g in primary.groups] == [None, "DISK", "MEMORY"]
    assert primary.groups[2].rows == [("used", "1.5 MiB")]
    assert sections[2].groups[0].rows == [("status", "down")]


def test_stat_rows_before_any_header_are_kept() -> None:
    sections = parse_stat(["\tkeys 3"])
    assert sections[0].title == "" and sections[0].groups[0].rows == [("keys", "3")]


@given(st.lists(st.text(alphabet=st.sampled_from("ab \tsection\x00é"), max_size=30), max_size=30))
def test_stat_parser_never_raises_and_keeps_every_row(lines: list[str]) -> None:
    sections = parse_stat(lines)
    headers = sum(1 for line in lines if line and not line[0].isspace())
    assert len([s for s in sections if s.title or s.row_count() or s.groups]) >= headers
    rows = sum(s.row_count() for s in sections)
    markers = sum(1 for line in lines if (line[:1].isspace() or not line)
                  and line.split(None, 1)[:1] == ["section"] and len(line.split(None, 1)) == 2)
    blank = sum(1 for line in lines if (line[:1].isspace() or not line) and not line.strip())
    body = sum(1 for line in lines if not line or line[0].isspace())
    assert rows == body - markers - blank


def test_regx_pairs_split_at_the_first_space() -> None:
    assert parse_pairs(["a 1", "b two words", "c ", "d"]) == [
        ("a", "1"), ("b", "two words"), ("c", ""), ("d", ""),
    ]


@given(st.lists(st.text(max_size=20), max_size=20))
def test_regx_pairs_never_lose_a_line(lines: list[str]) -> None:
    pairs = parse_pairs(lines)
    assert len(pairs) == len(lines)
    for (key, value), line in zip(pairs, lines, strict=True):
        assert key + (" " + value if " " in line else "") == line


def test_reply_message_drops_the_prefix() -> None:
    assert Reply(True, "OK k v").message == "k v"
    assert Reply(False, "ERR key-value not found").message == "key-value not found"
    assert Reply(True, "OK").message == ""
    assert Reply(True, "OK 2", ("a 1", "b 2")).plain() == ["OK 2", "a 1", "b 2"]


def test_command_name_is_the_upper_cased_first_token() -> None:
    assert command_name("  regx ^a") == "REGX"
    assert command_name("   ") == ""


def test_durations_are_short() -> None:
    assert format_duration(0.00042) == "0.42 ms"
    assert format_duration(0.0123) == "12.3 ms"
    assert format_duration(1.5) == "1.50 s"
    assert format_duration(-1) == "0.00 ms"
