"""Helpers for the documentation tests: build the site, import the hooks, parse built pages."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 300


@dataclass(frozen=True)
class SiteBuild:
    """The result of ``mkdocs build --strict`` into a temporary directory."""

    returncode: int
    output: str
    site_dir: Path

    def page(self, path: str) -> str:
        """The HTML of a built page, by its directory URL (``reference/commands/``)."""
        return (self.site_dir / path / "index.html").read_text(encoding="utf-8")


def build_site(site_dir: Path) -> SiteBuild:
    """Run ``mkdocs build --strict`` as a subprocess, from the repository root."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S,
    )
    return SiteBuild(proc.returncode, proc.stdout + proc.stderr, site_dir)



def load_hook_module(name: str) -> ModuleType:
    """Import a module of ``docs/hooks/`` (they are not a package) by file path."""
    if name in sys.modules:
        return sys.modules[name]
    path = ROOT / "docs" / "hooks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class SectionText(HTMLParser):
    """Collects, per ``<h2>``/``<h3>`` id, the ids and the ``<code>`` texts inside that section.

    ``ids`` lists every heading id in document order; ``codes[heading_id]`` the code spans
    found after that heading and before the next heading of the same or a higher level.
    """

    def __init__(self, level: str = "h2") -> None:
        super().__init__()
        self.level = level
        self.ids: list[str] = []
        self.codes: dict[str, list[str]] = {}
        self._current = ""
        self._in_code = False
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == self.level and attr.get("id"):
            self._current = attr["id"] or ""
            self.ids.append(self._current)
            self.codes.setdefault(self._current, [])
        elif tag in ("h1", "h2") and tag < self.level:
            self._current = ""
        elif tag == "code":
            self._in_code = True
            self._buffer = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "code" and self._in_code:
            self._in_code = False
            if self._current:
                self.codes[self._current].append("".join(self._buffer))

    def handle_data(self, data: str) -> None:
        if self._in_code:
            self._buffer.append(data)


def sections(html: str, level: str = "h2") -> SectionText:
    """Parse a built page into its sections at heading ``level``."""
    parser = SectionText(level)
    parser.feed(html)
    return parser
