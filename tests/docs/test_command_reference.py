"""The generated command reference documents every command of the command table."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from site_support import SiteBuild, load_hook_module, sections

from smclient.protocol.commands import COMMANDS, CommandSpec
from smclient.protocol.errors import ERROR_CODES

pages = load_hook_module("reference_pages")


def undocumented(html: str, commands: Iterable[CommandSpec]) -> set[str]:
    """Names of commands with no section (heading id ``cmd-<name>``) in the page."""
    ids = set(sections(html, "h3").ids)
    return {c.name for c in commands if pages.command_anchor(c.name) not in ids}


def test_every_command_has_a_reference_entry(built_site: SiteBuild) -> None:
    html = built_site.page("reference/commands")
    assert undocumented(html, COMMANDS) == set()


def test_reference_has_no_entry_for_unknown_commands(built_site: SiteBuild) -> None:
    found = {i for i in sections(built_site.page("reference/commands"), "h3").ids
             if i.startswith("cmd-")}
    assert found == {pages.command_anchor(c.name) for c in COMMANDS}


@pytest.mark.parametrize("spec", COMMANDS, ids=lambda s: s.name)
def test_entry_shows_the_usage_line(built_site: SiteBuild, spec: CommandSpec) -> None:
    parsed = sections(built_site.page("reference/commands"), "h3")
    assert spec.usage in [c.strip() for c in parsed.codes[pages.command_anchor(spec.name)]]


def test_a_command_missing_from_the_page_is_detected() -> None:
    # The check above must be able to fail: render without INCR and look for it.
    without = [c for c in COMMANDS if c.name != "INCR"]
    markdown = pages.commands_page(without, ERROR_CODES)
    html = "\n".join(
        f'<h3 id="{line.split("{#")[1].rstrip("}")}">' for line in markdown.splitlines()
        if line.startswith("### ")
    )
    assert undocumented(html, COMMANDS) == {"INCR"}


def test_every_error_prefix_is_documented(built_site: SiteBuild) -> None:
    parsed = sections(built_site.page("reference/commands"), "h2")
    codes = parsed.codes["error-codes"]
    for code in ERROR_CODES:
        assert f"ERR {code.prefix}" in codes, code.prefix
