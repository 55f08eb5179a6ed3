"""Render the generated reference pages as Markdown (pure: no I/O, no mkdocs).

Each function takes the code's own tables (the command table, the ERR prefix table, the config
schema, an argparse parser) and returns a Markdown page, so the reference cannot drift from the
code. The mkdocs hook ``generated_pages.py`` calls them at build time; ``tests/docs`` call them
too and parse the built site.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from smclient.protocol.commands import CommandSpec, Reply, Role
from smclient.protocol.errors import ErrorCode

GENERATED_NOTE = (
    '!!! note "Generated page"\n'
    "    This page is generated at build time by `docs/hooks/generated_pages.py` from {source}.\n"
    "    Edit the code, not this page.\n"
)

_REPLY_TEXT = {
    Reply.LINE: "one line: `OK ...` or `ERR ...`",
    Reply.MULTI: "`OK <n>` followed by exactly n lines, or one `ERR ...` line",
    Reply.CLOSE: "one line, then the server closes the connection",
}


def command_anchor(name: str) -> str:
    """The HTML id of a command's section in the command reference (``cmd-<name>``)."""
    return f"cmd-{name.lower()}"


def slug(text: str) -> str:
    """A stable HTML id for a heading: lower-case words joined by dashes."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _roles(roles: Role) -> str:
    names = [("cluster", Role.CLUSTER), ("node", Role.NODE), ("replica", Role.REPLICA)]
    return ", ".join(label for label, flag in names if flag in roles)


def _arity(spec: CommandSpec) -> str:
    if spec.max_args is None:
        return f"{spec.min_args} or more (the last one is the rest of the line)"
    if spec.min_args == spec.max_args:
        return "none" if spec.min_args == 0 else str(spec.min_args)
    return f"{spec.min_args} to {spec.max_args}"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _command_section(spec: CommandSpec) -> list[str]:
    lines = [
        f"### {spec.name} {{#{command_anchor(spec.name)}}}",
        "",
        spec.summary,
        "",
        f"```text\n{spec.usage}\n```",
        "",
        f"- **Arguments:** {_arity(spec)}",
        f"- **Reply:** {_REPLY_TEXT[spec.reply]}",
        f"- **Needs authentication:** {_yes(spec.auth)}",
        f"- **Changes data:** {_yes(spec.write)}",
        f"- **Served by:** {_roles(spec.roles)}",
    ]
    if spec.errors:
        codes = ", ".join(f"`{e}`" for e in spec.errors)
        lines.append(f"- **Specific errors:** {codes}")
    if spec.example:
        lines += ["", "Example:", "", f"```text\n{spec.example}\n```"]
    return [*lines, ""]


def _summary_table(specs: Iterable[CommandSpec]) -> list[str]:
    lines = ["| command | usage | summary |", "|---|---|---|"]
    for spec in specs:
        link = f"[{spec.name}](#{command_anchor(spec.name)})"
        lines.append(f"| {link} | `{_cell(spec.usage)}` | {_cell(spec.summary)} |")
    return [*lines, ""]


def _error_table(codes: Iterable[ErrorCode]) -> list[str]:
    lines = [
        "| reply starts with | code | meaning | safe to retry |",
        "|---|---|---|---|",
    ]
    for code in codes:
        lines.append(
            f"| `ERR {_cell(code.prefix)}` | `{code.name}` | {_cell(code.meaning)} "
            f"| {_yes(code.retryable)} |"
        )
    return [*lines, ""]


_INTRO = """\
Every command is one line ending in CRLF (a bare LF is accepted); tokens are separated by single
spaces and command names are case-insensitive. Every reply starts with `OK` or `ERR`. The framing
rules are in [Wire protocol](protocol.md).

Errors common to every command: a command sent before `AUTH` (unless the cluster runs with
`--local`) gets `ERR not authenticated`, except `AUTH`, `PING` and `QUIT`; a wrong number of
tokens gets `ERR wrong number of arguments for '<CMD>'`; an unknown name gets
`ERR unknown command`.
"""


def commands_page(commands: Iterable[CommandSpec], error_codes: Iterable[ErrorCode]) -> str:
    """The command reference: every command of the table, then the ERR prefix table."""
    specs = list(commands)
    public = [s for s in specs if not s.internal]
    internal = [s for s in specs if s.internal and not s.name.startswith("R")]
    stream = [s for s in specs if s.internal and s.name.startswith("R")]
    source = "`smclient.protocol.commands.COMMANDS` and `smclient.protocol.errors.ERROR_CODES`"
    out = ["# Command reference", "", GENERATED_NOTE.format(source=source), _INTRO]
    groups = [
        ("## Client commands",
         "Sent by applications to the cluster (port 4000 by default). A node answers them "
         "too for an internally authenticated peer.", public),
        ("## Internal verbs",
         "Used between the cluster, the nodes and the replicas only, after `NAUTH`. "
         "See [Routing and versions](../internals/routing.md) and "
         "[Replication](../internals/replication.md).", internal),
        ("## Replication stream verbs",
         "Sent by a primary to its replicas during catch-up and live streaming; "
         "see [Replication](../internals/replication.md).", stream),
    ]
    for title, intro, group in groups:
        out += [title, "", intro, ""]
        out += _summary_table(group)
        for spec in group:
            out += _command_section(spec)
    out += ["## Error codes {#error-codes}", "",
            "Clients map an error reply to an error class by the longest matching prefix, "
            "never by the free text after it. \"Safe to retry\" means the command certainly "
            "did not take effect.", ""]
    out += _error_table(error_codes)
    return "\n".join(out)


_TYPE_NAMES = {bool: "boolean", int: "integer", float: "number", str: "string"}


_BINARY_UNITS = (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10))


def _number(value: float) -> str:
    """A number as written in YAML: ``2``, ``0.05``, ``10000``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _size_hint(value: float) -> str:
    """`` (16 MiB)`` for whole binary multiples of 1 KiB or more, else nothing."""
    if isinstance(value, float):
        if not value.is_integer():
            return ""
        value = int(value)
    for unit, size in _BINARY_UNITS:
        if value >= size and value % size == 0:
            return f" ({value // size} {unit})"
    return ""


def _default(value: Any) -> str:
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, str):
        return f"`{value}`" if value else '`""` (empty)'
    return f"`{_number(value)}`{_size_hint(value)}"


def _limits(key: Any) -> str:
    if key.choices:
        return "one of " + ", ".join(f"`{c}`" for c in key.choices)
    parts = []
    if key.minimum is not None:
        parts.append(f"min {_number(key.minimum)}")
    if key.maximum is not None:
        parts.append(f"max {_number(key.maximum)}{_size_hint(key.maximum)}")
    return ", ".join(parts) or "—"


def config_anchor(block: str) -> str:
    """The HTML id of a config block's section in the configuration reference."""
    return "block-" + slug(block)


def config_page(
    schema: Mapping[str, Iterable[Any]],
    role_files: Mapping[str, str],
    default_ports: Mapping[str, int],
    default_text: Callable[[str], str],
) -> str:
    """The configuration reference: every block and key, then each role's default file."""
    source = "`supermassive.config.schema()` and `supermassive.config.default_text(role)`"
    out = ["# Configuration reference", "", GENERATED_NOTE.format(source=source)]
    out += ["Each role reads one YAML file from its working directory (`--dir`, or the current "
            "directory), or the file given with `--config`. A missing file is created with the "
            "commented defaults shown at the end of this page; a missing key takes its default; "
            "an unknown key, a wrong type or a value out of range stops the process with a "
            "one-line error naming the file and the key.", ""]
    out += ["| role (`--instance-type`) | file | default listen address |", "|---|---|---|"]
    for role, name in role_files.items():
        out.append(f"| `{role}` | `{name}` | `localhost:{default_ports[role]}` |")
    out.append("")
    for block, keys in schema.items():
        out += [f"## `{block}` {{#{config_anchor(block)}}}", "",
                "| key | type | default | limits | meaning |", "|---|---|---|---|---|"]
        for key in keys:
            out.append(
                f"| `{key.name}` | {_TYPE_NAMES.get(key.type, key.type.__name__)} "
                f"| {_default(key.default)} | {_limits(key)} | {_cell(key.doc)} |"
            )
        out.append("")
    out += ["## Default files {#default-files}", "",
            "These are the files a role writes when its config file is missing.", ""]
    for role, name in role_files.items():
        out += [f"### `{name}` {{#default-{slug(role)}}}", "", "```yaml",
                default_text(role).rstrip("\n"), "```", ""]
    return "\n".join(out)


def _option_row(action: argparse.Action) -> str | None:
    if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
        return None
    if action.option_strings:
        flags = ", ".join(f"`{o}`" for o in action.option_strings)
        value = "—" if action.nargs == 0 else f"`{action.metavar or action.dest.upper()}`"
    else:
        flags, value = f"`{action.metavar or action.dest}` (positional)", "—"
    if action.choices is not None and action.nargs != 0:
        value = " \\| ".join(f"`{c}`" for c in action.choices)
    default = action.default
    unset = default is None or default is False or default == "" or default == argparse.SUPPRESS
    shown = "—" if unset else f"`{default}`"
    return f"| {flags} | {value} | {shown} | {_cell(action.help or '')} |"


def _options_table(parser: argparse.ArgumentParser) -> list[str]:
    usage = " ".join(parser.format_usage().split())
    out = ["```text", usage, "```", ""]
    rows = [_option_row(a) for a in parser._actions]
    out += ["| argument | value | default | meaning |", "|---|---|---|---|"]
    out += [r for r in rows if r is not None]
    return [*out, ""]


def _subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, str, Any]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                found.append((name, helps.get(name, ""), sub))
    return found


def cli_page(title: str, intro: str, parser: argparse.ArgumentParser, source: str) -> str:
    """A command-line reference generated from an argparse parser (and its subcommands)."""
    out = [f"# {title}", "", GENERATED_NOTE.format(source=source), intro, ""]
    out += _options_table(parser)
    for name, help_text, sub in _subcommands(parser):
        out += [f"## `{parser.prog} {name}` {{#{slug(parser.prog + ' ' + name)}}}", ""]
        if help_text:
            out += [help_text[0].upper() + help_text[1:] + ".", ""]
        out += _options_table(sub)
    return "\n".join(out)


def module_table(entries: Iterable[tuple[str, str]]) -> str:
    """A Markdown table of ``(dotted module name, one-line summary)`` pairs."""
    lines = ["| module | what it is |", "|---|---|"]
    for name, summary in entries:
        lines.append(f"| `{name}` | {_cell(summary) or '—'} |")
    return "\n".join(lines) + "\n"
