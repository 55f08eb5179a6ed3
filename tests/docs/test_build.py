"""The documentation site builds offline with ``mkdocs build --strict``."""

from __future__ import annotations

from site_support import ROOT, SiteBuild


def test_mkdocs_build_strict_passes(site: SiteBuild) -> None:
    assert site.returncode == 0, site.output[-4000:]
    assert (site.site_dir / "index.html").is_file()


def test_site_loads_no_web_fonts(built_site: SiteBuild) -> None:
    html = built_site.page("")
    assert "fonts.googleapis.com" not in html
    assert "fonts.gstatic.com" not in html


def test_generated_pages_are_not_checked_in() -> None:
    # The hook writes these at build time; a stale hand-written copy would hide drift.
    for name in ("commands.md", "configuration.md", "server.md", "smchaos.md"):
        assert not (ROOT / "docs" / "reference" / name).exists(), name


def test_every_page_in_docs_is_in_the_nav(site: SiteBuild) -> None:
    # mkdocs.yml sets validation.nav.omitted_files: warn, so --strict fails on an orphan page.
    assert "not included in the \"nav\"" not in site.output


def test_readme_starts_with_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    block = lines[lines.index("```bash") + 1:lines.index("```")]
    assert [line.split("#")[0].strip() for line in block] == ["make run", "make test"]
    assert lines.index("```bash") < 5
