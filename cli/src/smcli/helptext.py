"""Help and usage hints, generated from the server's command table.

The table (:mod:`smclient.protocol.commands`) is the one the server dispatches with, so the
help, the completion and the usage hints can never drift from what the server accepts. The CLI
adds one local command, ``HELP``, which is never sent to the server.
"""

from __future__ import annotations

from dataclasses import dataclass

from smclient.protocol import commands
from smclient.protocol.commands import CommandSpec, Role

HELP_SPEC = CommandSpec(
    "HELP", 0, 1, "Show the commands, or the usage of one command (answered by smcli itself).",
    "HELP [command]", auth=False, example="HELP REGX",
)
"""The CLI's own command, listed with the server's."""

LOCAL_COMMANDS: tuple[CommandSpec, ...] = (HELP_SPEC,)


def visible_commands() -> tuple[CommandSpec, ...]:
    """Commands offered by completion and ``HELP``: the client-facing ones, then HELP."""
    return (*commands.PUBLIC_COMMANDS, *LOCAL_COMMANDS)


def find(name: str) -> CommandSpec | None:
    """The spec of a command (any case), internal verbs and ``HELP`` included."""
    upper = name.upper()
    for spec in LOCAL_COMMANDS:
        if spec.name == upper:
            return spec
    return commands.lookup(upper)


def is_local(line: str) -> bool:
    """Whether ``line`` is answered by the CLI itself (``HELP ...``)."""
    parts = line.split(None, 1)
    return bool(parts) and parts[0].upper() == HELP_SPEC.name


@dataclass(frozen=True, slots=True)
class HelpText:
    """The answer to a ``HELP`` line: ``ok`` is false for an unknown topic."""

    ok: bool
    lines: tuple[str, ...]
    overview: bool = False


def _roles(spec: CommandSpec) -> str:
    names = [r.name.lower() for r in (Role.CLUSTER, Role.NODE, Role.REPLICA)
             if r in spec.roles and r.name is not None]
    return ", ".join(names)


def describe(spec: CommandSpec) -> tuple[str, ...]:
    """The help of one command, as plain lines."""
    lines = [spec.usage, f"  {spec.summary}"]
    if spec.name == HELP_SPEC.name:
        lines.append("  answered by: smcli (never sent to the server)")
    else:
        lines.append(f"  served by: {_roles(spec)}")
        notes = []
        if spec.write:
            notes.append("writes data")
        if not spec.auth:
            notes.append("no authentication needed")
        if spec.internal:
            notes.append("internal verb (cluster/node/replica peers)")
        if notes:
            lines.append(f"  {'; '.join(notes)}")
    if spec.example:
        lines.append(f"  example: {spec.example}")
    for err in spec.errors:
        lines.append(f"  error: {err}")
    return tuple(lines)


def overview() -> tuple[str, ...]:
    """One line per visible command: usage padded, then the summary."""
    specs = visible_commands()
    width = max(len(s.usage) for s in specs)
    lines = [f"{s.usage.ljust(width)}  {s.summary}" for s in specs]
    lines.append("")
    lines.append("Tab completes command names; Ctrl-D exits; HELP <command> for details.")
    return tuple(lines)


def answer(line: str) -> HelpText:
    """Answer a ``HELP [command]`` line."""
    parts = line.split()
    if len(parts) <= 1:
        return HelpText(True, overview(), overview=True)
    if len(parts) > 2:
        return HelpText(False, ("wrong number of arguments for 'HELP'",))
    spec = find(parts[1])
    if spec is None:
        return HelpText(False, (f"unknown command '{parts[1]}' (HELP lists them)",))
    return HelpText(True, describe(spec))


def usage_hint(text: str) -> str:
    """The hint shown under the prompt for the text typed so far."""
    stripped = text.lstrip()
    if not stripped:
        return "HELP lists the commands · Tab completes · Ctrl-D exits"
    name, sep, _ = stripped.partition(" ")
    if not sep:
        upper = name.upper()
        matches = [s for s in visible_commands() if s.name.startswith(upper)]
        exact = find(upper)
        if exact is None and len(matches) == 1:
            exact = matches[0]
        if exact is not None:
            return f"{exact.usage}  ·  {exact.summary}"
        if matches:
            return "  ".join(s.name for s in matches)
        return f"unknown command {name!r}"
    spec = find(name)
    if spec is None:
        return f"unknown command {name!r}"
    return f"{spec.usage}  ·  {spec.summary}"
