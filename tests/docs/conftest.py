"""Fixtures for the documentation tests: one strict build of the site per test session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from site_support import SiteBuild, build_site


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    """The site, built once per session; skips dependents when mkdocs is not installed."""
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (make install)")
    pytest.importorskip("material", reason="mkdocs-material is not installed (make install)")
    return build_site(tmp_path_factory.mktemp("site") / "site")


@pytest.fixture(scope="session")
def built_site(site: SiteBuild) -> SiteBuild:
    """The site, which must have built cleanly."""
    if site.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{site.output[-4000:]}")
    return site
