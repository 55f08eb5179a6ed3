"""mkdocs hook: add the generated reference pages to the site at build time.

Listed under ``hooks:`` in ``mkdocs.yml``. It imports the code's own tables (the command table,
the ERR prefix table, the config schema, the server's argument parser) and renders them with
:mod:`reference_pages`, so ``reference/commands.md``, ``reference/configuration.md`` and
``reference/server.md`` always describe the code that is installed.

It also expands ``<!-- module-map: <source dir> -->`` markers in any page (used by
``internals/whats-here.md``) into a table of that package's modules and the first line of each
module's docstring, read from the source tree without importing it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from reference_pages import cli_page, commands_page, config_page, module_table

from smchaos.cli import build_parser as chaos_parser
from smclient.protocol.commands import COMMANDS
from smclient.protocol.errors import ERROR_CODES
from supermassive import config as server_config
from supermassive.cli import build_parser

_SERVER_INTRO = """\
One executable runs every role. Flags win over environment variables; the shared key, the user
name and the password can also come from `SUPERMASSIVE_SHARED_KEY`, `SUPERMASSIVE_USERNAME` and
`SUPERMASSIVE_PASSWORD` (better than flags, which other local users can read with `ps`).
`SUPERMASSIVE_LOOP=asyncio` forces the standard asyncio event loop instead of uvloop (the loop
used on Windows). A bad flag or config exits with status 2 and one line on stderr."""

_CHAOS_INTRO = """\
`smchaos` runs a workload against a real local topology while injecting faults, records the
history, checks it and writes a self-contained HTML report; it also re-checks stored or
hand-written histories. Start with the [tutorial](../chaos/tutorial.md); the history format and
the checkers are described in [History format](../chaos/history-format.md) and
[Checkers](../chaos/checkers.md).

Exit status of `run`, `check` and `report`: **0** valid, **1** invalid, **2** unknown (a checker
ran out of budget: never read as valid), **3** a usage or input error (one line on stderr).
Every run is stored in `<store>/<name>/<timestamp>/`: the spec, `history.jsonl`, the results,
`report.html` and every server's log."""


def pages() -> dict[str, str]:
    """The generated pages: path inside ``docs/`` -> Markdown."""
    return {
        "reference/commands.md": commands_page(COMMANDS, ERROR_CODES),
        "reference/configuration.md": config_page(
            server_config.schema(),
            server_config.ROLE_FILES,
            server_config.DEFAULT_PORTS,
            server_config.default_text,
        ),
        "reference/server.md": cli_page(
            "The supermassive command",
            _SERVER_INTRO,
            build_parser(),
            "`supermassive.cli.build_parser()`",
        ),
        "reference/smchaos.md": cli_page(
            "smchaos", _CHAOS_INTRO, chaos_parser(), "`smchaos.cli.build_parser()`"
        ),
    }


def on_files(files: Files, config: MkDocsConfig, **_: Any) -> Files:
    """Add every generated page, replacing a stale file of the same name if there is one."""
    for path, markdown in pages().items():
        existing = files.get_file_from_path(path)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, path, content=markdown))
    return files


MODULE_MAP = re.compile(r"^<!-- module-map: (?P<src>[\w./-]+) -->$", re.MULTILINE)
SPHINX_ROLE = re.compile(r":(?:class|func|meth|mod|attr|data|exc|obj):`~?([^`]+)`")


def module_summaries(src: Path) -> Iterator[tuple[str, str]]:
    """``(dotted name, first docstring line)`` for every module under a ``src`` directory."""
    for path in sorted(src.rglob("*.py")):
        parts = path.relative_to(src).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not parts or any(p.startswith(".") for p in parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        doc = ast.get_docstring(tree) or ""
        summary = doc.strip().split("\n\n")[0].replace("\n", " ")
        yield ".".join(parts), SPHINX_ROLE.sub(r"`\1`", summary)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, **_: Any) -> str:
    """Expand ``module-map`` markers into module tables."""
    root = Path(config.config_file_path).parent

    def expand(match: re.Match[str]) -> str:
        src = root / match.group("src")
        if not src.is_dir():
            raise ValueError(f"{page.file.src_uri}: module-map: no directory {src}")
        return module_table(module_summaries(src))

    return MODULE_MAP.sub(expand, markdown)
