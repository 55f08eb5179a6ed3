"""A browser check of the built site: every nav page loads cleanly, links resolve, search works.

The site is served from a temporary directory by ``http.server`` in a thread and opened in
headless Chromium (Debian's ``chromium``) through Playwright's Python API. Skipped, with the
reason, when Playwright or Chromium is missing (``make install-browser`` installs Chromium).
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlparse

import pytest
import yaml
from site_support import ROOT, SiteBuild

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
PAGE_TIMEOUT_MS = 15_000
HTTP_TIMEOUT_S = 10


def find_chromium() -> str | None:
    """Chromium's path: ``$CHROMIUM_PATH``, Debian's ``/usr/bin/chromium``, or one on PATH."""
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        return explicit if Path(explicit).exists() else None
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def nav_paths(nav: Any) -> Iterator[str]:
    """Every Markdown path of an mkdocs ``nav`` tree, in order."""
    if isinstance(nav, str):
        yield nav
    elif isinstance(nav, list):
        for item in nav:
            yield from nav_paths(item)
    elif isinstance(nav, dict):
        for value in nav.values():
            yield from nav_paths(value)


def page_url(path: str) -> str:
    """The directory URL of a Markdown page (``a/b.md`` -> ``a/b/``, ``a/index.md`` -> ``a/``)."""
    stem = path.removesuffix(".md")
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def served_site(built_site: SiteBuild) -> Iterator[str]:
    """The built site on ``http://127.0.0.1:<port>/``, served from a thread."""
    handler = functools.partial(_QuietHandler, directory=str(built_site.site_dir))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium driven by Playwright; skipped when either is missing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("Chromium is not installed: run `make install-browser` "
                    "(apt-get install chromium) or set CHROMIUM_PATH")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            yield instance
        finally:
            instance.close()


@dataclass
class PageVisit:
    """What happened while one page loaded."""

    console_errors: list[str] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


class Tab:
    """One browser tab reused for every page; events go to the visit in progress."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.current = PageVisit()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.current.console_errors.append(str(e)))
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.current.console_errors.append(message.text)

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.current.failed_responses.append(f"{response.status} {response.url}")

    def visit(self, url: str) -> PageVisit:
        """Load ``url``, recording console errors, HTTP errors and the page's link targets."""
        self.current = PageVisit()
        self.page.goto(url, wait_until="load")
        self.current.links = self.page.eval_on_selector_all(
            "a[href]", "els => els.map(e => e.href)")
        return self.current


@pytest.fixture(scope="module")
def tab(browser: Any) -> Iterator[Tab]:
    """A tab in a 1280x900 window (the desktop layout, with the search box in the header)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        yield Tab(page)
    finally:
        page.close()


@functools.cache
def fetch(url: str) -> tuple[int, str]:
    """Status and text of a URL on the local server (an error status is returned, not raised)."""
    try:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT_S) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def broken_links(base: str, links: list[str]) -> list[str]:
    """Internal links whose page is not found or whose ``#fragment`` has no element."""
    broken = []
    for link in links:
        if not link.startswith(base):
            continue
        target, fragment = urldefrag(link)
        status, text = fetch(target)
        if status != 200:
            broken.append(f"{link} -> {status}")
        elif fragment and f'id="{fragment}"' not in text and not urlparse(target).path.endswith(
            (".json", ".xml", ".txt")):
            broken.append(f"{link} -> no element with id {fragment!r}")
    return broken


NAV_PAGES = list(dict.fromkeys(nav_paths(yaml.safe_load(
    (ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"])))


@pytest.mark.parametrize("path", NAV_PAGES)
def test_nav_page_loads_without_errors_and_its_links_resolve(
    tab: Tab, served_site: str, path: str
) -> None:
    result = tab.visit(served_site + page_url(path))
    assert result.console_errors == []
    assert result.failed_responses == []
    assert broken_links(served_site, result.links) == []


def test_search_finds_incr(tab: Tab, served_site: str) -> None:
    visit = tab.visit(served_site)
    box = tab.page.locator("input.md-search__input")
    box.click()
    box.press_sequentially("INCR")
    tab.page.locator(".md-search-result__item").first.wait_for(state="visible")
    results = tab.page.locator(".md-search-result__list").inner_text()
    assert "INCR" in results
    assert visit.console_errors == []
