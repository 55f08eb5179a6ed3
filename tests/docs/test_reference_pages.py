"""The pure renderers behind the generated reference pages."""

from __future__ import annotations

import argparse

from site_support import load_hook_module

from smclient.protocol.commands import BY_NAME

pages = load_hook_module("reference_pages")


def test_rest_of_line_arity_is_spelled_out() -> None:
    page = pages.commands_page([BY_NAME["PUT"]], [])
    assert "- **Arguments:** 1 or more (the last one is the rest of the line)" in page


def test_internal_and_stream_verbs_get_their_own_sections() -> None:
    page = pages.commands_page([BY_NAME["GET"], BY_NAME["VGET"], BY_NAME["RSET"]], [])
    client, rest = page.split("## Internal verbs")
    internal, stream = rest.split("## Replication stream verbs")
    assert "{#cmd-get}" in client
    assert "{#cmd-vget}" in internal
    assert "{#cmd-rset}" in stream


def test_byte_sizes_get_a_binary_unit_and_plain_numbers_do_not() -> None:
    assert pages._default(16 * 1024 * 1024) == "`16777216` (16 MiB)"
    assert pages._default(10000) == "`10000`"
    assert pages._default(2.0) == "`2`"
    assert pages._default(0.05) == "`0.05`"
    assert pages._default("") == '`""` (empty)'
    assert pages._default(False) == "`false`"


def test_cli_page_lists_subcommands_positionals_choices_and_zero_defaults() -> None:
    parser = argparse.ArgumentParser(prog="tool")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run something")
    run.add_argument("--mode", choices=("a", "b"), default="a", help="the mode")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("target", help="what to run")
    page = pages.cli_page("tool", "Intro.", parser, "`a parser`")
    assert "## `tool run` {#tool-run}" in page
    assert "Run something." in page
    assert "| `--mode` | `a` \\| `b` | `a` | the mode |" in page
    assert "| `--seed` | `SEED` | `0` |" in page
    assert "| `target` (positional) | — | — | what to run |" in page


def test_module_table_escapes_pipes() -> None:
    table = pages.module_table([("pkg.mod", "a | b")])
    assert "| `pkg.mod` | a \\| b |" in table
