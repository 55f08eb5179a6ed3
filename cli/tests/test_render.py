"""Output: plain wire form for scripts, colored tables for terminals."""

from __future__ import annotations

import io
import re

from hypothesis import given
from hypothesis import strategies as st

from smcli import helptext
from smcli.render import Printer
from smcli.replies import Reply

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _printer(color: bool, timing: bool = False) -> tuple[Printer, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return Printer(out, err, color=color, timing=timing), out, err


def test_plain_output_is_the_wire_form() -> None:
    printer, out, err = _printer(color=False, timing=True)
    printer.reply("REGX", Reply(True, "OK 2", ("a 1", "b [bold]x")), elapsed_s=0.001)
    printer.reply("GET", Reply(False, "ERR key-value not found"), elapsed_s=0.001)
    assert out.getvalue() == "OK 2\na 1\nb [bold]x\nERR key-value not found\n"
    assert err.getvalue() == "(1.00 ms)\n(1.00 ms)\n"


def test_plain_help_is_plain_text() -> None:
    printer, out, _ = _printer(color=False)
    printer.help(helptext.answer("HELP GET"))
    assert out.getvalue().splitlines()[0] == "GET <key>"


def test_unknown_help_topic_prints_like_an_error() -> None:
    printer, out, _ = _printer(color=False)
    printer.help(helptext.answer("HELP NOPE"))
    assert out.getvalue().startswith("ERR unknown command 'NOPE'")


def test_color_output_marks_ok_green_and_err_red() -> None:
    printer, out, _ = _printer(color=True)
    printer.reply("PUT", Reply(True, "OK key-value written"))
    printer.reply("GET", Reply(False, "ERR key-value not found"))
    text = out.getvalue()
    assert "\x1b[" in text
    assert ANSI.sub("", text).splitlines() == ["OK key-value written", "ERR key-value not found"]


def test_color_output_never_interprets_data_as_markup() -> None:
    printer, out, _ = _printer(color=True)
    printer.reply("GET", Reply(True, "OK k [bold red]v[/]"))
    printer.reply("REGX", Reply(True, "OK 1", ("[link=x]k[/link] :smile:",)))
    plain = ANSI.sub("", out.getvalue())
    assert "[bold red]v[/]" in plain and "[link=x]k[/link]" in plain and ":smile:" in plain


def test_regx_renders_as_a_key_value_table() -> None:
    printer, out, _ = _printer(color=True)
    printer.reply("REGX", Reply(True, "OK 2", ("user:1 Ada Lovelace", "user:2 Alan")))
    plain = ANSI.sub("", out.getvalue())
    assert "key" in plain and "value" in plain and "Ada Lovelace" in plain and "user:2" in plain


def test_empty_regx_says_no_results() -> None:
    printer, out, _ = _printer(color=True)
    printer.reply("REGX", Reply(True, "OK 0"))
    assert "(no results)" in ANSI.sub("", out.getvalue())


def test_stat_renders_one_table_per_member() -> None:
    printer, out, _ = _printer(color=True)
    lines = ("PRIMARY 127.0.0.1:4001", "\tsection DISK", "\tjournal_position 3",
             "REPLICA 127.0.0.1:4002", "\tstatus down")
    printer.reply("STAT", Reply(True, f"OK {len(lines)}", lines))
    plain = ANSI.sub("", out.getvalue())
    for word in ("PRIMARY 127.0.0.1:4001", "DISK", "journal_position", "REPLICA", "down"):
        assert word in plain


@given(st.lists(st.text(max_size=15), max_size=10), st.sampled_from(["STAT", "REGX", "VREGX"]))
def test_any_multi_line_body_renders_without_error(lines: list[str], command: str) -> None:
    printer, out, _ = _printer(color=True)
    printer.reply(command, Reply(True, f"OK {len(lines)}", tuple(lines)))
    assert out.getvalue()


def test_color_help_overview_lists_commands() -> None:
    printer, out, _ = _printer(color=True)
    printer.help(helptext.answer("HELP"))
    plain = ANSI.sub("", out.getvalue())
    assert "REGX <pattern> [offset limit]" in plain and "HELP [command]" in plain
