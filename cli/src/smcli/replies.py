"""Replies as the CLI sees them, and the pure parsers that turn multi-line bodies into rows.

A :class:`Reply` is the header line (``OK ...`` or ``ERR ...``, always with its prefix) plus
the body lines of a multi-line reply (``OK <n>`` then n lines). The parsers never raise: any
line, however odd, lands somewhere in the result, so rendering cannot crash on a reply.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Reply:
    """One reply: ``ok``, the header line with its ``OK``/``ERR`` prefix, and body lines.

    ``local`` marks an error the CLI produced itself (the line was never sent).
    """

    ok: bool
    header: str
    lines: tuple[str, ...] = ()
    local: bool = False

    @property
    def message(self) -> str:
        """The header without its ``OK``/``ERR`` prefix."""
        prefix = "OK" if self.ok else "ERR"
        if self.header == prefix:
            return ""
        if self.header.startswith(prefix + " "):
            return self.header[len(prefix) + 1:]
        return self.header

    def plain(self) -> list[str]:
        """The reply as it came off the wire: the header, then the body lines."""
        return [self.header, *self.lines]


def local_error(message: str) -> Reply:
    """An ``ERR`` reply made by the CLI for a line it did not send."""
    return Reply(ok=False, header=f"ERR {message}", local=True)


def command_name(line: str) -> str:
    """The upper-cased first token of a command line (``""`` for a blank line)."""
    parts = line.split(None, 1)
    return parts[0].upper() if parts else ""


@dataclass(slots=True)
class StatGroup:
    """Rows of one STAT section, under an optional ``section <NAME>`` marker."""

    name: str | None
    rows: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class StatSection:
    """One member's STAT block: ``CLUSTER|PRIMARY|REPLICA <address>`` and its rows."""

    title: str
    groups: list[StatGroup] = field(default_factory=list)

    def row_count(self) -> int:
        """Rows in every group of this section."""
        return sum(len(g.rows) for g in self.groups)


def _split_row(text: str) -> tuple[str, str]:
    parts = text.split(None, 1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


def parse_stat(lines: Iterable[str]) -> list[StatSection]:
    """Group STAT body lines into sections.

    A line that does not start with whitespace opens a section; an indented ``section NAME``
    line opens a group inside it; every other indented line is a ``name value`` row. Rows
    before the first header go into a section titled ``""``.

    >>> [s.title for s in parse_stat(["PRIMARY a:1", "\\tkeys 3", "REPLICA b:2", "\\tstatus down"])]
    ['PRIMARY a:1', 'REPLICA b:2']
    """
    sections: list[StatSection] = []
    for line in lines:
        if line and not line[0].isspace():
            sections.append(StatSection(line.strip(), [StatGroup(None)]))
            continue
        if not sections:
            sections.append(StatSection("", [StatGroup(None)]))
        section = sections[-1]
        name, value = _split_row(line)
        if name == "section" and value:
            section.groups.append(StatGroup(value))
        elif name or value:
            section.groups[-1].rows.append((name, value))
    for section in sections:
        section.groups = [g for g in section.groups if g.rows or g.name is not None]
    return sections


def parse_pairs(lines: Sequence[str]) -> list[tuple[str, str]]:
    """Split REGX body lines ``<key> <value>`` at the first space (the value may be empty)."""
    pairs: list[tuple[str, str]] = []
    for line in lines:
        key, sep, value = line.partition(" ")
        pairs.append((key, value if sep else ""))
    return pairs


def format_duration(elapsed_s: float) -> str:
    """A short human duration: ``0.42 ms``, ``12.3 ms``, ``1.50 s``."""
    if elapsed_s < 0:
        elapsed_s = 0.0
    ms = elapsed_s * 1000
    if ms < 10:
        return f"{ms:.2f} ms"
    if ms < 1000:
        return f"{ms:.1f} ms"
    return f"{elapsed_s:.2f} s"
