"""Reading and writing histories as JSON Lines (one operation per line)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from smchaos.history.op import HistoryError, Op


def parse_lines(lines: Iterable[str], source: str = "history") -> list[Op]:
    """Parse JSON Lines text; blank lines are skipped. Ops keep the file's order.

    A missing ``index`` is filled with the op's position. Raises :class:`HistoryError`.
    """
    ops: list[Op] = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        where = f"{source}:{number}"
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise HistoryError(f"{where}: not JSON: {exc.msg}")
        op = Op.from_json(obj, where)
        if op.index < 0:
            op = op.with_index(len(ops))
        ops.append(op)
    return ops


def read_history(path: Path) -> list[Op]:
    """Read a ``history.jsonl`` file."""
    try:
        with path.open(encoding="utf-8") as fh:
            return parse_lines(fh, str(path))
    except OSError as exc:
        raise HistoryError(f"{path}: cannot read: {exc.strerror}")
    except UnicodeDecodeError:
        raise HistoryError(f"{path}: not UTF-8 text")


def write_history(path: Path, ops: Iterable[Op]) -> None:
    """Write ops to ``path`` as JSON Lines."""
    with path.open("w", encoding="utf-8") as fh:
        for op in ops:
            fh.write(op.to_line() + "\n")


class HistoryWriter:
    """Appends ops to an open text file as they happen, so a crashed run keeps its history."""

    def __init__(self, fh: TextIO) -> None:
        self._fh = fh

    def write(self, op: Op) -> None:
        """Append one op and flush."""
        self._fh.write(op.to_line() + "\n")
        self._fh.flush()
