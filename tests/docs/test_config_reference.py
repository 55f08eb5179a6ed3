"""The generated configuration reference lists every key of the config schema."""

from __future__ import annotations

import pytest
from site_support import SiteBuild, load_hook_module, sections

from supermassive.config import ROLE_FILES, default_text, schema

pages = load_hook_module("reference_pages")


@pytest.mark.parametrize("block", list(schema()))
def test_every_key_of_the_block_is_documented(built_site: SiteBuild, block: str) -> None:
    parsed = sections(built_site.page("reference/configuration"), "h2")
    codes = parsed.codes[pages.config_anchor(block)]
    missing = [key.name for key in schema()[block] if key.name not in codes]
    assert missing == []


@pytest.mark.parametrize("role", list(ROLE_FILES))
def test_default_file_of_each_role_is_shown(built_site: SiteBuild, role: str) -> None:
    parsed = sections(built_site.page("reference/configuration"), "h3")
    shown = "".join(parsed.codes[f"default-{pages.slug(role)}"])
    for line in default_text(role).splitlines():
        assert line in shown


def test_defaults_in_the_page_match_the_schema() -> None:
    markdown = pages.config_page(schema(), ROLE_FILES, {r: 1 for r in ROLE_FILES}, default_text)
    journal_sync = "| `journal-sync` | string | `everysec` | one of `always`, `everysec`, `no` |"
    assert journal_sync in markdown
    assert "| `max-line-bytes` | integer | `16777216` (16 MiB) |" in markdown
