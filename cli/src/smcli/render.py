"""Output: replies, help and notices, in color with tables (a terminal) or plain (scripts).

Plain output is the wire form, one reply after another: the header line (``OK ...`` /
``ERR ...``), then the body lines of a multi-line reply. Nothing else goes to stdout in plain
mode; timings and notices go to stderr, so scripts can parse stdout.

Colored output (rich) shows ``OK`` in green and ``ERR`` in red, STAT as one table per member
and REGX as a key/value table. User data is always printed as :class:`rich.text.Text`, never
as markup, so a key like ``[bold]`` is shown as typed.
"""

from __future__ import annotations

from typing import TextIO

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from smcli.helptext import HelpText
from smcli.replies import Reply, StatSection, format_duration, parse_pairs, parse_stat


def header_text(reply: Reply) -> Text:
    """The header line with ``OK``/``ERR`` colored."""
    if reply.ok:
        text = Text("OK", style="bold green")
        if reply.message:
            text.append(" " + reply.message)
        return text
    text = Text("ERR", style="bold red")
    if reply.message:
        text.append(" " + reply.message, style="red")
    return text


def stat_table(section: StatSection) -> Table:
    """One STAT member as a two-column table (``section NAME`` markers become sub-headings)."""
    table = Table(title=Text(section.title or "STAT", style="bold"), title_justify="left",
                  box=box.SIMPLE_HEAD, show_header=False, pad_edge=False,
                  min_width=len(section.title) + 2)
    table.add_column("name", style="cyan", no_wrap=True)
    table.add_column("value", overflow="fold")
    for group in section.groups:
        if group.name is not None:
            table.add_row(Text(group.name, style="bold magenta"), Text(""))
        for name, value in group.rows:
            style = "bold red" if (name, value) == ("status", "down") else ""
            table.add_row(Text(name), Text(value, style=style))
    return table


def pairs_table(lines: tuple[str, ...]) -> Table:
    """REGX results as a key/value table."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("#", style="dim", justify="right", no_wrap=True)
    table.add_column("key", style="cyan", overflow="fold")
    table.add_column("value", overflow="fold")
    for i, (key, value) in enumerate(parse_pairs(lines), start=1):
        table.add_row(str(i), Text(key), Text(value))
    return table


def body(command: str, reply: Reply) -> list[RenderableType]:
    """The rich rendering of a multi-line reply's body."""
    if not reply.lines:
        return [Text("(no results)", style="dim")] if reply.ok and reply.message == "0" else []
    if command == "STAT":
        return [stat_table(s) for s in parse_stat(reply.lines)]
    if command == "REGX":
        return [pairs_table(reply.lines)]
    return [Text(line) for line in reply.lines]


class Printer:
    """Writes replies, help and notices to stdout/stderr, colored or plain."""

    def __init__(self, stdout: TextIO, stderr: TextIO, *, color: bool, timing: bool) -> None:
        self.color = color
        self.timing = timing
        self._out = stdout
        self._err = stderr
        self._console = Console(
            file=stdout, force_terminal=color, no_color=not color, highlight=False,
            markup=False, emoji=False,
        )

    def reply(self, command: str, reply: Reply, elapsed_s: float | None = None) -> None:
        """Print one reply (and its timing when ``--timing`` is on)."""
        if not self.color:
            self._write(self._out, reply.plain())
            if self.timing and elapsed_s is not None:
                self._write(self._err, [f"({format_duration(elapsed_s)})"])
            return
        self._console.print(header_text(reply), soft_wrap=True)
        for renderable in body(command, reply):
            self._console.print(renderable)
        if self.timing and elapsed_s is not None:
            self._console.print(Text(f"({format_duration(elapsed_s)})", style="dim"))

    def help(self, answer: HelpText) -> None:
        """Print the answer to a ``HELP`` line (an unknown topic prints like an ``ERR``)."""
        if not answer.ok:
            self.reply("HELP", Reply(ok=False, header=f"ERR {answer.lines[0]}", local=True))
            return
        if not self.color:
            self._write(self._out, answer.lines)
            return
        for i, line in enumerate(answer.lines):
            heading = bool(line) and not line[0].isspace() and (answer.overview or i == 0)
            if heading:
                name, sep, rest = line.partition(" ")
                text = Text(name, style="bold cyan")
                text.append(sep + rest)
            else:
                text = Text(line)
            self._console.print(text, soft_wrap=True)

    def notice(self, message: str) -> None:
        """A one-line message for the user, on stderr (``smcli: ...``)."""
        self._write(self._err, [f"smcli: {message}"])

    @staticmethod
    def _write(stream: TextIO, lines: list[str] | tuple[str, ...]) -> None:
        stream.write("".join(line + "\n" for line in lines))
        stream.flush()
