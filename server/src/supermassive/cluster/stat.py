"""The cluster's STAT reply, assembled from its own figures and its members' replies (pure).

Layout (``docs/internals/contracts.md``): ``OK <n>``, then ``CLUSTER <address>`` and the
cluster's tab-indented ``name value`` lines, then for every shard in config order
``PRIMARY <address>`` followed by the member's own STAT lines (its header line dropped) or
``\\tstatus down``, then each of its ``REPLICA <address>`` sections the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

STATUS_DOWN = b"\tstatus down"

Section = tuple[str, str, "list[bytes] | bytes | None"]
"""``(kind, address, member reply)``: kind is ``PRIMARY`` or ``REPLICA``; the reply is the
multi-line reply (header ``OK <n>`` first), or, when the member is down or did not answer,
the reason as one line (``bytes``) or ``None``."""


def item_line(name: str, value: object) -> bytes:
    """One ``\\tname value`` line (no CR/LF inside)."""
    text = str(value).replace("\r", " ").replace("\n", " ")
    return b"\t" + name.encode() + b" " + text.encode(errors="replace")


def member_lines(reply: list[bytes] | bytes | None) -> list[bytes]:
    """A member's STAT body without its ``OK <n>`` and ``PRIMARY/REPLICA`` header lines."""
    if reply is None:
        return [STATUS_DOWN]
    if isinstance(reply, bytes):
        return [STATUS_DOWN, item_line("reason", reply.decode(errors="replace"))]
    body = reply[1:]
    return [line for line in body if not line.startswith((b"PRIMARY ", b"REPLICA "))]


def assemble(
    address: str, items: Sequence[tuple[str, object]], sections: Sequence[Section]
) -> bytes:
    """The whole STAT reply, CRLF-terminated."""
    lines = [b"CLUSTER " + address.encode()]
    lines += [item_line(name, value) for name, value in items]
    for kind, member, reply in sections:
        lines.append(kind.encode() + b" " + member.encode())
        lines += member_lines(reply)
    return b"OK %d\r\n" % len(lines) + b"\r\n".join(lines) + b"\r\n"
